"""Text metrics for the OCR benchmarks: CER, WER, diacritics-insensitive CER, bag-of-words miss rate.

Same normalization as the eval set's ``cer.py`` (NFC, whitespace runs -> one space, strip). Levenshtein is
Myers' bit-parallel algorithm on Python integers: exact, and fast enough for thousands of pages without
rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def levenshtein(a: list | str, b: list | str) -> int:
    """Edit distance with unit costs (Myers/Hyyrö bit-vector, pattern = the shorter sequence)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[object, int] = {}
    for i, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def page_scores(pred: str, gt: str) -> dict[str, float]:
    """Edit counts and lengths for one page (sum them over pages for micro rates)."""
    p, g = normalize(pred), normalize(gt)
    pw, gw = p.split(), g.split()
    miss = Counter(gw) - Counter(pw)
    return {
        "chars": len(g),
        "edits": levenshtein(p, g),
        "edits_nodia": levenshtein(strip_diacritics(p), strip_diacritics(g)),
        "words": len(gw),
        "word_edits": levenshtein(pw, gw),
        "word_miss": sum(miss.values()),
    }
