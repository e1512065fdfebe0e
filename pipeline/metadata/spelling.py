"""Repair a value's tone marks from the document's own text: the spelling the document uses most.

OCR confuses tone marks (``hộ chiều`` for ``hộ chiếu``, ``Tố chức`` for ``Tổ chức``) on one line and
reads the same words right elsewhere on the page. A word pair of a value whose folded form (no
diacritics) occurs in the document's text more often with another spelling is rewritten to that
spelling. Pairs, not single words, so that two real words that fold alike (``chiều``/``chiếu``) are told
apart by their neighbour; and only when the other spelling is clearly more frequent (at least twice,
and more often than the value's own).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict

from pipeline.metadata.normalize import fold

__all__ = ["respell"]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _pairs(text: str) -> dict[tuple[str, str], Counter[tuple[str, str]]]:
    words = _WORD.findall(text)
    table: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    for a, b in zip(words, words[1:], strict=False):
        table[(fold(a), fold(b))][(a.lower(), b.lower())] += 1
    return table


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _same_word(a: str, b: str) -> bool:
    """Whether two spellings differ only in where the tone mark sits (``xoá``/``xóa``, ``thuỷ``/``thủy``)."""
    da, db = unicodedata.normalize("NFD", a.lower()), unicodedata.normalize("NFD", b.lower())
    base = lambda s: "".join(c for c in s if c not in _TONES)  # noqa: E731
    tone = lambda s: sorted(c for c in s if c in _TONES)  # noqa: E731
    return base(da) == base(db) and tone(da) == tone(db)


def _cased(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def respell(value: str, document_text: str) -> str:
    """``value`` with each word re-spelt as the document mostly spells it next to the same neighbour."""
    table = _pairs(document_text)
    matches = list(_WORD.finditer(value))
    out = list(value)
    replaced: dict[int, str] = {}
    for (i, a), b in zip(enumerate(matches), matches[1:], strict=False):
        key = (fold(a.group()), fold(b.group()))
        seen = table.get(key)
        if not seen:
            continue
        own = seen[(a.group().lower(), b.group().lower())]
        (best_a, best_b), count = seen.most_common(1)[0]
        if count >= 2 and count > own:
            # both spellings of a word are right when only the tone's place differs: keep the printed one
            if not _same_word(best_a, a.group()):
                replaced[i] = _cased(best_a, a.group())
            if not _same_word(best_b, b.group()):
                replaced[i + 1] = _cased(best_b, b.group())
    for i in sorted(replaced, reverse=True):
        m = matches[i]
        if len(replaced[i]) == len(m.group()):
            out[m.start() : m.end()] = list(replaced[i])
    return "".join(out)
