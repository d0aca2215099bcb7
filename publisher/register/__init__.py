"""The Flemish address register: a public source of its own, beside (never inside) VLOK.

Every address of Flanders is public (Basisregisters Vlaanderen); which of them VLOK holds a
dossier for is not. So search and lookup run over this register: :mod:`.model` is its
tables, :mod:`.index` the search index the publish job builds from it, :mod:`.text` the one
normalisation both sides share.
"""
