"""Reference data of Vietnamese administration, from the versioned files in ``data/`` (sources in its README).

Used to snap a noisy issuer name to its canonical spelling when it is close (a wrong tone mark, a
letter lost), and to tell a known body from an unknown string. Snapping uses :mod:`rapidfuzz` on folded
text with a high similarity threshold and requires the best match to be clearly ahead of the second;
otherwise the printed text stays and the caller lowers its confidence.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import regex
from rapidfuzz import fuzz, process

from pipeline.metadata.normalize import fold

__all__ = [
    "LOCAL_UNITS",
    "Snap",
    "compounds",
    "deglue",
    "known_issuers",
    "name_syllables",
    "provinces",
    "snap_issuer",
    "surnames",
]

#: folded similarity (0-100) from which a name is taken for a known one
_SNAP_MIN = 90.0
#: the best match must beat the second by this much
_SNAP_MARGIN = 3.0
#: the kinds of local administrative unit below the province (Luật Tổ chức chính quyền địa phương 2015,
#: 2025: huyện, quận, thị xã, thành phố, xã, phường, thị trấn, đặc khu)
LOCAL_UNITS = ("huyện", "quận", "thị xã", "thành phố", "xã", "phường", "thị trấn", "đặc khu")
# Local bodies (districts, communes, wards) are too many to list: their structure is what is known.
_LOCAL = regex.compile(
    r"^(uy ban nhan dan|hoi dong nhan dan) (" + "|".join(fold(u) for u in LOCAL_UNITS) + r") \S+"
)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("pipeline.metadata").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), escapechar="\\"))


@lru_cache(maxsize=1)
def provinces() -> tuple[tuple[str, str, bool, bool], ...]:
    """(name, kind, existed before the 2025 reorganisation, exists after) of every province and city."""
    return tuple(
        (r["name"], r["kind"], r["before_2025"] == "1", r["after_2025"] == "1")
        for r in _rows("provinces.csv")
    )


def _lines(name: str) -> list[str]:
    """The lines of a plain data file, without blank lines and ``#`` comments."""
    text = resources.files("pipeline.metadata").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def compounds() -> tuple[str, ...]:
    """The two-syllable words of Vietnamese, lower case (``compounds.txt``: pyvi's word list)."""
    return tuple(_lines("compounds.txt"))


@lru_cache(maxsize=1)
def surnames() -> tuple[str, ...]:
    """Vietnamese family names, properly spelled."""
    return tuple(_lines("surnames.txt"))


@lru_cache(maxsize=1)
def name_syllables() -> dict[str, int]:
    """Each syllable of Vietnamese middle and given names → how many of the listed full names use it."""
    return {word: int(n) for word, n in (ln.split("\t") for ln in _lines("name_syllables.tsv"))}


@lru_cache(maxsize=1)
def known_issuers() -> dict[str, str]:
    """Folded name → canonical upper-case name of every issuing body the reference data describes."""
    names: list[str] = []
    for name, kind, _before, _after in provinces():
        prefix = "TỈNH" if kind == "tỉnh" else "THÀNH PHỐ"
        names += [
            f"ỦY BAN NHÂN DÂN {prefix} {name}",
            f"HỘI ĐỒNG NHÂN DÂN {prefix} {name}",
            f"UBND {prefix} {name}",
        ]
    names += [r["name"] for r in _rows("ministries.csv")]
    names += [r["name"] for r in _rows("departments.csv")]
    out: dict[str, str] = {}
    for n in names:
        upper = n.upper()
        out.setdefault(" ".join(fold(upper).split()), upper)
    return out


@lru_cache(maxsize=1)
def _unspaced() -> dict[str, str]:
    return {k.replace(" ", ""): v for k, v in known_issuers().items()}


def deglue(text: str) -> str | None:
    """The known body whose name ``text`` spells once spaces are ignored (``SỞNGOẠIVỤ``), else None."""
    return _unspaced().get(fold(text).replace(" ", ""))


class Snap:
    """The outcome of looking a name up: ``value`` to report and whether it is a ``known`` body."""

    __slots__ = ("known", "score", "value")

    def __init__(self, value: str, known: bool, score: float) -> None:
        self.value = value
        self.known = known
        self.score = score


def _debris(token: str) -> bool:
    """A token no body's name has: a piece of a ký hiệu (``/TTr-UBND``, ``28``) or no syllable (``URND``)."""
    from pipeline.metadata.names import syllable_ok

    if "/" in token or any(c.isdigit() for c in token):
        return True
    letters = token.strip(".,;:-_|'\"")
    return bool(letters) and not syllable_ok(letters.lower())


def _body_before_debris(text: str) -> str | None:
    """The known body that ``text`` names before one or two tokens of debris, else None.

    A merged header row puts the number line's code beside the issuer's last line
    (``ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI URND``); the body's name is whole before it.
    """
    words = text.split()
    table = known_issuers()
    for cut in (1, 2):
        if len(words) - cut < 2 or not all(_debris(t) for t in words[-cut:]):
            return None
        key = " ".join(fold(" ".join(words[:-cut])).split())
        if key in table:
            return table[key]
    return None


def snap_issuer(text: str) -> Snap:
    """The canonical spelling of an issuer when ``text`` is close to exactly one known body.

    A folded match takes the canonical spelling (OCR often misplaces a tone mark in bold capitals), and a
    known body's name followed by debris of a merged number line is that body.
    Local bodies (``ỦY BAN NHÂN DÂN HUYỆN …``) are known by structure and never rewritten.
    """
    key = " ".join(fold(text).split())
    table = known_issuers()
    if key in table:
        return Snap(table[key], True, 100.0)
    if (glued := deglue(text)) is not None:
        return Snap(glued, True, 100.0)
    # before the local bodies' structure, which a city's name has too (THÀNH PHỐ HUẾ URND)
    if (body := _body_before_debris(text)) is not None:
        return Snap(body, True, 95.0)
    if _LOCAL.match(key):
        return Snap(text, True, 100.0)
    best = process.extract(key, list(table), scorer=fuzz.ratio, limit=2)
    if not best:
        return Snap(text, False, 0.0)
    top = best[0]
    second = best[1][1] if len(best) > 1 else 0.0
    if top[1] >= _SNAP_MIN and top[1] - second >= _SNAP_MARGIN:
        return Snap(table[top[0]], True, float(top[1]))
    return Snap(text, False, float(top[1]))
