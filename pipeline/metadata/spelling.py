"""Repair a value's tone marks: from the document's own text, and where a word is no Vietnamese word.

OCR confuses tone marks (``hộ chiều`` for ``hộ chiếu``, ``Tố chức`` for ``Tổ chức``) on one line and
reads the same words right elsewhere on the page. A word of a value is rewritten to the spelling the
document's text mostly gives it next to the same neighbours (its word pairs, compared folded: no
diacritics). Pairs, not single words, so that two real words that fold alike (``chiều``/``chiếu``) are
told apart by their neighbour; and only when the other spelling is clearly more frequent (at least
twice, and more often than the value's own). A damaged scan misreads the same words all through, so
a lexicon of two-syllable words (``data/compounds.txt``, from pyvi's word list, MIT) decides what the
counts cannot: a pair read as no word takes the document's one spelling of it that is a word (only on a
tie when the pair spans two words), and a pair read as a word is never respelt into none.

:func:`repair_nonwords` handles the words the document never spells right: a syllable that is no word
of Vietnamese (``buỗi``) is taken for the common word it folds to (``buổi``). The word list and its
frequencies are wordfreq's Vietnamese list (Robyn Speer, Apache-2.0 code, CC-BY-SA 4.0 data drawn from
Wikipedia, subtitles, news and the web; ``wordfreq.get_frequency_dict("vi")``, ~10,700 words, which
covers the syllables of ordinary Vietnamese text). Only a word absent from the list is touched, and
only when one spelling of its folded form is common and far more common than any other: two real words
that fold alike (``tuần``/``tuấn``) are both in the list and are never changed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache

from pipeline.metadata.normalize import fold
from sohoa.text import TONE_MARKS, strip_tones

__all__ = ["repair_nonwords", "repair_units", "respell"]

log = logging.getLogger(__name__)

#: a replacement must be a common word (Zipf scale: 4 = ten times per million words) ...
_COMMON_ZIPF = 4.5
#: ... and this much more common than the word as read (2.5 = about 300 times) ...
_LEAD_ZIPF = 2.5
#: ... which must itself be rarer than this: the web's own typos are in the list, but rare (``triễn``
#: 3.1, ``thưc`` 3.2, ``viêc`` 3.4), while rare real words are not that rare (``rà`` of ``rà soát`` 3.9)
_KNOWN_ZIPF = 3.5

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _pairs(text: str) -> dict[tuple[str, str], Counter[tuple[str, str]]]:
    words = _WORD.findall(text)
    table: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    for a, b in zip(words, words[1:], strict=False):
        table[(fold(a), fold(b))][(a.lower(), b.lower())] += 1
    return table


def _tone_key(text: str) -> tuple[str, ...]:
    """Each word of ``text`` in lower case, its tone mark apart from where it sits (``xoá`` as ``xóa``)."""
    key = []
    for word in text.lower().split():
        nfd = unicodedata.normalize("NFD", word)
        key.append(strip_tones(nfd) + "".join(sorted(c for c in nfd if c in TONE_MARKS)))
    return tuple(key)


def _same_word(a: str, b: str) -> bool:
    """Whether two spellings differ only in where the tone mark sits (``xoá``/``xóa``, ``thuỷ``/``thủy``)."""
    return _tone_key(a) == _tone_key(b)


@lru_cache(maxsize=1)
def _compounds() -> frozenset[tuple[str, ...]]:
    """The two-syllable words of Vietnamese (``data/compounds.txt``, source in ``data/README.md``)."""
    from pipeline.metadata.reference import compounds

    return frozenset(_tone_key(w) for w in compounds())


def _is_word(pair: tuple[str, str]) -> bool:
    return _tone_key(" ".join(pair)) in _compounds()


def _word_among(seen: Counter[tuple[str, str]], own: tuple[str, str], bound: bool) -> tuple[str, str] | None:
    """The one spelling the document gives a pair that is a word (the value's spelling is none).

    A damaged scan misreads the same words all through (``tố chức`` more often than ``tổ chức``), so its
    counts cannot decide; the lexicon can. A pair one of whose words makes a word with its other
    neighbour (``bàn tỉnh`` of ``địa bàn tỉnh``: ``bound``) spans two words, and there the lexicon only
    breaks a tie: one misread ``bàn tính`` (a word) does not stand against the many ``bàn tỉnh``. Two
    words that fold alike (``tại khoản``, ``tài khoản``) are left as read when the document never
    prints the other.
    """
    least = max(seen[own] - 1, 1) if bound else 1  # the value itself is read once in the page text
    words = {
        _tone_key(" ".join(p)): p for p, n in seen.most_common() if p != own and n >= least and _is_word(p)
    }
    return next(iter(words.values())) if len(words) == 1 else None


def _cased(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _side(table: dict, a: str, b: str, pos: int) -> Counter[str]:
    """How the document spells the word at ``pos`` (0 or 1) of the pair ``a b``, the pair itself left out."""
    seen = Counter(table.get((fold(a), fold(b)), Counter()))
    own = (a.lower(), b.lower())
    if seen[own] > 0:
        seen[own] -= 1  # the value itself, read once in the page text
    out: Counter[str] = Counter()
    for pair, count in seen.items():
        out[pair[pos]] += count
    return out


def respell(value: str, document_text: str) -> str:
    """``value`` with each word re-spelt as the document mostly spells it next to the same neighbour.

    A pair proposes a spelling; the word's other pair can veto it when the document spells the word
    there as printed more often than as proposed (``bàn`` of ``địa bàn tỉnh`` stays when ``bản tỉnh``
    was misread more often than ``bàn tỉnh`` was read, since ``địa bàn`` is everywhere).
    """
    table = _pairs(document_text)
    matches = list(_WORD.finditer(value))
    out = list(value)
    replaced: dict[int, str] = {}
    for (i, a), b in zip(enumerate(matches), matches[1:], strict=False):
        key = (fold(a.group()), fold(b.group()))
        seen = table.get(key)
        if not seen:
            continue
        read = (a.group().lower(), b.group().lower())
        read_is_word = _is_word(read)
        best, count = seen.most_common(1)[0]
        if read_is_word and not _is_word(best):
            continue  # a word as read is never respelt into no word (``địa bàn`` into ``địa bản``)
        if count < 2 or count <= seen[read]:
            if read_is_word:
                continue
            bound = (i > 0 and _is_word((matches[i - 1].group(), a.group()))) or (
                i + 2 < len(matches) and _is_word((b.group(), matches[i + 2].group()))
            )
            best = _word_among(seen, read, bound) or read
        best_a, best_b = best
        if best != read:
            attested = _is_word(best) and seen[best] >= max(seen[read] - 1, 1)
            # both spellings of a word are right when only the tone's place differs: keep the printed one
            for j, spelling, other in ((i, best_a, i - 1), (i + 1, best_b, i + 1)):
                word = matches[j].group()
                if not _same_word(spelling, word) and not _vetoed(
                    table, matches, j, spelling, other, attested
                ):
                    replaced[j] = _cased(spelling, word)
    for i in sorted(replaced, reverse=True):
        m = matches[i]
        if len(replaced[i]) == len(m.group()):
            out[m.start() : m.end()] = list(replaced[i])
    return "".join(out)


def _vetoed(
    table: dict, matches: list[re.Match[str]], j: int, spelling: str, start: int, attested: bool
) -> bool:
    """Whether the other pair of word ``j`` (the one starting at ``start``) says it is printed right.

    It does when that pair is a word as printed and would be none respelt (``điện tử`` keeps its ``tử``
    against ``tứ quý``), or when the document spells the word there as printed more often. Those counts
    do not stand against a respelling into a word printed at least as often as the value's spelling
    (``attested``) when the pair is no word either way: the ``Trường Mâm`` a damaged scan repeats does
    not keep ``mâm`` against ``mầm non``. Against a word less attested (one ``tài khoản`` in a text of
    ``quy định tại khoản``) they do.
    """
    if start < 0 or start + 1 >= len(matches):
        return False
    pos = j - start
    pair = (matches[start].group().lower(), matches[start + 1].group().lower())
    respelt = (spelling, pair[1]) if pos == 0 else (pair[0], spelling)
    if _is_word(pair):
        return not _is_word(respelt)
    if attested and not _is_word(respelt):
        return False
    side = _side(table, *pair, pos)
    return side[pair[pos]] > side[spelling]


@lru_cache(maxsize=1)
def _vietnamese_words() -> tuple[dict[str, float], dict[str, tuple[str, float]]]:
    """Each known word's frequency (Zipf), and for each folded form its most common spelling."""
    try:
        from wordfreq import get_frequency_dict, zipf_frequency  # noqa: PLC0415 - loaded once, on first use
    except ImportError:
        log.warning("wordfreq is not installed: words that are no Vietnamese word are kept as read")
        return {}, {}
    zipf = {unicodedata.normalize("NFC", w): zipf_frequency(w, "vi") for w in get_frequency_dict("vi")}
    best: dict[str, tuple[str, float]] = {}
    for w, z in zipf.items():
        key = fold(w)
        if _WORD.fullmatch(w) and z > best.get(key, ("", 0.0))[1]:
            best[key] = (w, z)
    return zipf, best


def repair_nonwords(value: str) -> str:
    """``value`` with each word that is no Vietnamese word (or a rare misspelling) made the common word.

    Capitalised words after the first are names (of people, places, bodies) and are left alone, and so
    are words without diacritics (codes, foreign words) and other placements of the same tone mark.
    """
    zipf, best = _vietnamese_words()
    if not zipf:
        return value

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        low = word.lower()
        if fold(low) == low or (m.start() > 0 and word[:1].isupper()):
            return word
        top, own = best.get(fold(low)), zipf.get(low, 0.0)
        if own >= _KNOWN_ZIPF or top is None or top[1] < _COMMON_ZIPF or top[1] - own < _LEAD_ZIPF:
            return word
        return word if _same_word(top[0], low) else _cased(top[0], word)

    return _WORD.sub(fix, value)


@lru_cache(maxsize=1)
def _unit_before_name() -> tuple[re.Pattern[str], dict[str, str]]:
    """The folded two-word unit kinds as a pattern, and each folded kind's spelling in law."""
    from pipeline.metadata.reference import LOCAL_UNITS

    two = sorted((u for u in LOCAL_UNITS if " " in u), key=len, reverse=True)
    words = "|".join(r"\s+".join(fold(w) for w in u.split()) for u in two)
    return re.compile(rf"(?<!\w)({words})(?=\s+\w)"), {fold(u): u for u in LOCAL_UNITS}


@lru_cache(maxsize=1)
def _tinh_before_province() -> tuple[re.Pattern[str], dict[str, str]]:
    """``tinh`` before a province's folded name (not a city's: ``thành phố`` goes before those)."""
    from pipeline.metadata.reference import provinces

    names = {fold(name): name for name, kind, _, _ in provinces() if kind == "tỉnh"}
    alternatives = "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?P<unit>tinh) (?P<name>{alternatives})(?!\w)"), names


def repair_units(value: str) -> str:
    """A local unit's kind spelt as the law spells it when a place name follows (``thị trần Mộ Đức``).

    The two-word kinds (``thị trấn``, ``thị xã``, ``thành phố``, ``đặc khu``): before a capitalised
    name their folded letters mean nothing else, while ``xa`` or ``quan`` alone are ordinary words.
    ``tỉnh`` only before the folded name of a province (``tại tĩnh Quảng Ngãi``), and that name then as
    the law spells it (``tỉnh Quảng Ngải`` → ``tỉnh Quảng Ngãi``).
    """
    pattern, canonical = _unit_before_name()
    folded = fold(value)
    if len(folded) != len(value):
        return value
    out = value
    for m in pattern.finditer(folded):
        read = value[m.start() : m.end()]
        unit = canonical.get(" ".join(m.group(1).lower().split()))
        # spaced as the law spells it (one space), or left as read
        named = value[m.end() :].lstrip()[:1].isupper()  # fold lowercased the name: look at the value
        if unit is not None and named and read.lower() != unit and len(read) == len(unit):
            out = out[: m.start()] + _cased(unit, read) + out[m.end() :]
    tinh, names = _tinh_before_province()
    for m in tinh.finditer(folded):
        name = names[m.group("name")]
        start, end = m.span("name")
        if out[start].isupper() and len(name) == end - start:
            unit = _cased("tỉnh", out[m.start("unit") : m.end("unit")])
            out = out[: m.start()] + unit + " " + _cased(name, out[start:end]) + out[end:]
    return out
