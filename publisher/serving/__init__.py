"""Serving: OGC API Features, WFS 2.0, the lookup and the viewer over the current publication.

Serving never imports the store: it reads publications only.
"""
