"""Spelling repair and casing of header words, positions and place names.

OCR of bold capitals often gets a Vietnamese tone mark wrong (``TĨNH`` for ``TỈNH``, ``KHÂN`` for
``KHẨN``). Header and signer lines use a small, closed vocabulary, so a word sequence that folds to a
known phrase is rewritten with that phrase's spelling. Positions are reported in sentence case
following Decree 30 (``Phó Giám đốc``, ``Cục trưởng Cục Hộ tịch, quốc tịch, chứng thực``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.metadata.lexicon import PHRASES, PROVINCES, province
from pipeline.metadata.normalize import fold

__all__ = ["repair_place", "repair_upper", "sentence_case_position"]

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _phrase_table() -> tuple[dict[tuple[str, ...], tuple[str, ...]], int]:
    table = {}
    for _key, phrase in PHRASES().items():
        words = tuple(_WORD.findall(phrase))
        table[tuple(fold(w) for w in words)] = words
    return table, max(len(k) for k in table)


_SMALL_L = re.compile(r"\b(?=\w*l)[^\W\d_]{3,}\b")


def _capital_i(m: re.Match[str]) -> str:
    word = m[0]
    return word.replace("l", "I") if word.replace("l", "").isupper() else word


#: the words of a local unit's kind, each followed by the unit's proper name
_UNIT_WORDS = (" xa", " phuong", " huyen", " quan", " tran", " tinh", " khu", "thanh pho")


def repair_upper(text: str) -> str:
    """Rewrite known header words and place names in an upper-case line with their proper spelling.

    Only words that are upper case in ``text`` are touched, and only where the folded word sequence is
    a known phrase; the longest phrase wins, so ``HÀ TĨNH`` survives while ``TĨNH`` alone becomes
    ``TỈNH``.
    """
    table, longest = _phrase_table()
    # OCR reads a capital I of a sans-serif font as a small l: in a word of capitals it is an I
    text = _SMALL_L.sub(_capital_i, text)
    matches = list(_WORD.finditer(text))
    folded = [fold(m.group()) for m in matches]
    out = list(text)
    i = 0
    named = False
    while i < len(matches):
        # after XÃ, PHƯỜNG, HUYỆN ... the unit's proper name runs on: one word alone is no header word
        # there ("XÃ TỊNH KHÊ", "HUYỆN SƠN TỊNH" are no TỈNH); a whole known name still is
        named = named or (" " + " ".join(folded[max(0, i - 2) : i])).endswith(_UNIT_WORDS)
        for n in range(min(longest, len(matches) - i), 1 if named else 0, -1):
            group = matches[i : i + n]
            if not all(m.group().isupper() for m in group):
                continue
            key = tuple(folded[i : i + n])
            if key in table:
                for m, word in zip(group, table[key], strict=True):
                    if len(word) == len(m.group()):
                        out[m.start() : m.end()] = list(word.upper())
                i += n
                break
        else:
            i += 1
    return "".join(out)


def repair_place(text: str) -> str:
    """A place name with the spelling of the matching province or city, else unchanged."""
    p = province(text)
    if p is None:
        return text
    return p.upper() if text.isupper() else p


# Organ words: when they follow a position they start a proper name ("Cục Lãnh sự", "Sở Ngoại vụ").
_ORGANS = {
    ("uy", "ban", "nhan", "dan"): 4,
    ("hoi", "dong", "nhan", "dan"): 4,
    ("van", "phong"): 2,
    ("tong", "cuc"): 2,
    ("chi", "cuc"): 2,
    ("trung", "tam"): 2,
    ("thanh", "tra"): 2,
    ("dai", "su", "quan"): 3,
    ("tong", "lanh", "su", "quan"): 4,
    ("cuc",): 1,
    ("so",): 1,
    ("bo",): 1,
    ("vu",): 1,
    ("vien",): 1,
    ("ban",): 1,
    ("phong",): 1,
}


def sentence_case_position(text: str) -> str:
    """Sentence case of a signer's position as Decree 30 writes it.

    ``PHÓ GIÁM ĐỐC`` → ``Phó Giám đốc``; ``CHÁNH VĂN PHÒNG`` → ``Chánh Văn phòng``;
    ``CỤC TRƯỞNG CỤC LÃNH SỰ`` → ``Cục trưởng Cục Lãnh sự``.
    """
    words = text.split()
    if not words:
        return text
    low = [w.lower() for w in words]
    keys = [fold(w).strip(",.;:") for w in words]
    cap = [False] * len(words)
    cap[0] = True
    if keys[0] == "pho" and len(words) > 1:
        cap[1] = True
    i = 1
    while i < len(words):
        # A position word ("cục trưởng", "bộ trưởng") is not an organ.
        matched = 0
        for organ, n in sorted(_ORGANS.items(), key=lambda kv: -kv[1]):
            if tuple(keys[i : i + n]) == organ and (i + n >= len(keys) or keys[i + n] != "truong"):
                matched = n
                break
        if matched:
            cap[i] = True
            if matched == 1 and i + 1 < len(words):
                cap[i + 1] = True
            break  # one organ per title; the rest of its name stays lower case
        i += 1
    out = [w[:1].upper() + w[1:] if c else w for w, c in zip(low, cap, strict=True)]
    result = " ".join(out)
    # Place names keep their capitals ("tỉnh Nghệ An").
    for p in PROVINCES:
        pat = re.compile(r"\b" + re.escape(p.lower()) + r"\b")
        result = pat.sub(p, result)
    return result
