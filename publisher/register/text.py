"""How typed text meets the register's names: folding, abbreviations, street-name parts.

One module for both sides, so the index (built at publish time) and the queries (at serving
time) can never normalise differently: case and accents are ignored, hyphens and apostrophes
separate words ("Sint-Raphaëlstraat" → ``sint raphaelstraat``), the abbreviations people
write are expanded ("Gezellestr." → ``gezellestraat``, "str." → ``straat``, "St.-Jan" →
``sint jan``), and a street name is also indexed by the parts of its compound words
("Guido Gezellestraat" is found by "gezelle", "gezelle straat" and "guido").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: What Flemish addresses abbreviate, as whole (folded) words.
ABBREVIATIONS = {"str": "straat", "ln": "laan", "pl": "plein", "stwg": "steenweg",
                 "stw": "steenweg", "st": "sint", "mgr": "monseigneur", "kon": "koning",
                 "dr": "dokter", "burg": "burgemeester", "o.l.v": "onze lieve vrouw",
                 "olv": "onze lieve vrouw", "bd": "boulevard", "bvd": "boulevard"}
#: Word endings that are abbreviations of a street kind ("Gezellestr" → "Gezellestraat").
SUFFIX_ABBREVIATIONS = (("str", "straat"), ("stwg", "steenweg"))
#: Street kinds a compound name ends with: "gezellestraat" is also indexed as "gezelle".
STREET_KINDS = ("straat", "steenweg", "laan", "plein", "weg", "dreef", "lei", "baan", "kaai",
                "markt", "hof", "veld", "pad", "dijk", "singel", "wegel", "park", "berg",
                "hoek", "ring", "kouter", "gracht", "vest", "dries", "heide", "straatje",
                "plaats", "hoeve", "kant", "akker", "meers", "bos")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def bare(text: str | None) -> str:
    """Lower case without accents, punctuation kept (``"Boîte 0.1"`` → ``"boite 0.1"``)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1 << 12)
def fold(text: str | None) -> str:
    """Lower case, accents and punctuation gone, single spaces (``"Sint-Raphaël"``)."""
    return " ".join(_NOT_WORD.split(bare(text).replace("'", ""))).strip()


def expand(word: str) -> str:
    """One folded word with its abbreviation written out (``str`` → ``straat``)."""
    whole = ABBREVIATIONS.get(word)
    if whole:
        return whole
    for short, long in SUFFIX_ABBREVIATIONS:
        if word.endswith(short) and len(word) > len(short) + 1:
            return word[: -len(short)] + long
    return word


@lru_cache(maxsize=1 << 12)
def words(text: str | None) -> tuple[str, ...]:
    """The folded words of ``text``, abbreviations written out (``"Gezellestr."``)."""
    return tuple(w for part in fold(text).split() for w in expand(part).split())


def key(text: str | None) -> str:
    """Letters and digits only: what two spellings of one name have in common."""
    return "".join(words(text))


def box_key(text: str | None) -> str:
    """A box number's comparable form: folded, no spaces, leading zeros of a number gone."""
    k = "".join(bare(text).split())
    return (k.lstrip("0") or k) if k.isdigit() else k


def number_key(text: str | None) -> str:
    """A house number's comparable form (``"12 A"`` → ``"12a"``)."""
    return "".join(bare(text).split())


def street_terms(name: str) -> str:
    """The words a street is found by: its own, plus the parts of compound names."""
    out: list[str] = []
    for w in words(name):
        out.append(w)
        for kind in STREET_KINDS:
            if w.endswith(kind) and len(w) > len(kind) + 2:
                out += [w[: -len(kind)], kind]
                break
    return " ".join(dict.fromkeys(out))
