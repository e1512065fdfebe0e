"""Is an OCR'd line a plausible Vietnamese personal name? (the signer's name under the signature)

The signer block sits under a red seal and a handwritten signature, so OCR returns debris there
(``VAC,``, ``Z%``, ``THanh``, a name with its first syllable hidden). A wrong name is worse than none,
so a line is accepted only when it looks like a full Vietnamese name: 2–5 capitalised syllables of
Vietnamese shape, at most one tone mark per syllable, the first one a Vietnamese family name. The
family names are a closed, general set (the ~100 most common cover nearly the whole population);
nothing here is taken from an evaluation set.

A middle or given name read with a tone mark no Vietnamese name carries (``Tuần``, for the ``Tuấn`` of
1 name in 27) is taken for the one spelling of its letters that names commonly use
(``data/name_syllables.tsv``: how many of 8,757 full names use each syllable).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipeline.metadata.normalize import fold
from pipeline.metadata.reference import name_syllables, surnames
from sohoa.text import TONE_MARKS, strip_tones

__all__ = ["SURNAMES", "letters_only", "plausible_name", "repair_name_tone", "syllable_ok"]

#: Common Vietnamese family names, properly spelled (``data/surnames.txt``).
SURNAMES: tuple[str, ...] = surnames()
# Left out: family names far more often seen as middle or given names (Văn, Kim, Quang, Hồng, Sơn, Giang,
# Phương): a name whose family name the seal hid would otherwise look complete.

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_NUCLEUS = r"(?:[aeiouy]{1,3})"
_CODA = r"(?:ch|ng|nh|[cmnpt])?"
_SYLLABLE = re.compile(rf"^{_ONSET}{_NUCLEUS}{_CODA}$")
#: a name syllable is repaired to a spelling that at least this many of the listed names use ...
_NAME_COMMON = 20
#: ... and this many times more names than any other tone of the same letters
_NAME_LEAD = 10
_DIGRAPH_CAPS = re.compile(r"^(CH|GH|GI|KH|NG|NH|PH|QU|TH|TR)([a-zà-ỹđ]+)$")


#: the base letters of the Vietnamese (Latin) alphabet, each of ă â đ ê ô ơ ư its own letter
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzăâđêôơư")


def _is_letter(c: str) -> bool:
    """A letter of the Vietnamese alphabet, with or without its tone: a VNI-mojibake ``ä`` is not one."""
    return strip_tones(c).lower() in _ALPHABET


def letters_only(token: str) -> list[str]:
    """The runs of Vietnamese letters in an OCR token (``>.Bùi`` → ``Bùi``; ``Lê-Anh`` → ``Lê``, ``Anh``)."""
    runs: list[str] = []
    cur = ""
    for c in token:
        if _is_letter(c):
            cur += c
        elif cur:
            runs.append(cur)
            cur = ""
    return runs + [cur] if cur else runs


def _tones(word: str) -> int:
    """How many tone marks ``word`` carries; a mark on a consonant (``Ñ``) counts as two: never valid."""
    decomposed = unicodedata.normalize("NFD", word)
    count = 0
    for i, c in enumerate(decomposed):
        if c in TONE_MARKS:
            base = next((b for b in reversed(decomposed[:i]) if not unicodedata.combining(b)), "")
            count += 1 if fold(base) in "aeiouy" and base else 2
    return count


def syllable_ok(word: str) -> bool:
    """True when ``word`` has the shape of one Vietnamese syllable (onset, vowels, coda, ≤ 1 tone)."""
    if (
        not word
        or not all(_is_letter(c) for c in word)
        or _tones(word) > 1
        or not _SYLLABLE.match(fold(word))
    ):
        return False
    # In "qu" the u belongs to the onset and never carries the tone ("Qúang" is a misread "Quang").
    return not (fold(word).startswith("qu") and _tones(word[:2]) > 0)


@lru_cache(maxsize=1)
def _surname_by_fold() -> dict[str, str]:
    groups: dict[str, set[str]] = {}
    for s in SURNAMES:
        groups.setdefault(fold(s), set()).add(s)
    # A fold shared by two family names cannot be repaired from the fold alone.
    return {k: next(iter(v)) for k, v in groups.items() if len(v) == 1}


def _surname(word: str, words: int = 2) -> str | None:
    """The family name ``word`` stands for, with its diacritics repaired from the fold when unambiguous.

    A well-formed syllable that is not a family name is repaired only at the head of a name of three
    words or more (``Nguyên Quốc Việt`` → ``Nguyễn``): a two-word line may be a name whose family name
    the seal hid.
    """
    if word in SURNAMES:
        return word
    if syllable_ok(word) and words < 3:
        # A well-formed syllable that is not a family name ("Đình", "Nguyên") is a middle name whose
        # family name was lost, or a misread we cannot tell from one: no repair.
        return None
    return _surname_by_fold().get(fold(word)) or (_surname_head_lost(word) if words >= 3 else None)


def _surname_head_lost(word: str) -> str | None:
    """The one family name ``word`` is with its head cut off, misread or glued to a speck.

    A seal's edge or the crop of a line cuts the head of the name's first word (``rần``, ``guyễn`` for
    Trần, Nguyễn), misreads its first letter (``Kguyễn``) or glues a stroke on as a letter (``strấn``).
    Only the head of a name of three words is repaired, at most two letters lost or added in all, from
    a tail of three letters or more (one more per letter added) that one family name alone ends with:
    ``ương`` (Dương, Lương, Trương, Vương) stays unrepaired.
    """
    key = fold(word)
    if not key.isalpha():
        return None
    found = set()
    for added in range(3):
        tail = key[added:]
        if len(tail) < 3 + added:
            break
        for folded, name in _surname_by_fold().items():
            lost = len(folded) - len(tail)
            if 1 <= added + lost <= 2 and lost >= 0 and folded.endswith(tail):
                found.add(name)
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1)
def _name_tones() -> dict[str, list[tuple[int, str]]]:
    """Each syllable without its tone mark → the names' spellings of it, most used first."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for word, n in name_syllables().items():
        groups.setdefault(strip_tones(word.lower()), []).append((n, word))
    return {k: sorted(v, reverse=True) for k, v in groups.items()}


@lru_cache(maxsize=1)
def _name_folds() -> dict[str, list[tuple[int, str]]]:
    """Each syllable without any diacritic → the names' spellings of it, most used first."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for word, n in name_syllables().items():
        groups.setdefault(fold(word), []).append((n, word))
    return {k: sorted(v, reverse=True) for k, v in groups.items()}


def _dominant(spellings: list[tuple[int, str]], word: str) -> str:
    if not spellings:
        return word
    top_n, top = spellings[0]
    runner_up = spellings[1][0] if len(spellings) > 1 else 0
    return top if top_n >= _NAME_COMMON and top_n >= _NAME_LEAD * max(runner_up, 1) else word


def repair_name_tone(word: str) -> str:
    """``Tuần`` → ``Tuấn``: a name syllable no listed name uses, when one tone of its letters dominates.

    A syllable some names use is kept as read, however rare; so is one whose letters no common name
    spells, or spells with two tones names both use (``Hùng``/``Hưng`` differ in a letter, not a tone).
    A syllable read with no diacritic at all (``Quoc``, ``Hung``: a seal or a coarse scan took them) may
    have lost its letters' marks as well: it is compared with every spelling of its letters, so
    ``Quốc`` and ``Hữu`` dominate theirs while ``Hung`` (``Hùng``, ``Hưng``) stays as read.
    """
    if name_syllables().get(word, 0) > 0:
        return word
    if word.isascii():
        return _dominant(_name_folds().get(fold(word), []), word)
    return _dominant(_name_tones().get(strip_tones(word.lower()), []), word)


def _recase(word: str) -> str:
    """``THanh`` → ``Thanh``: OCR often reads a capital digraph's second letter as a capital."""
    m = _DIGRAPH_CAPS.match(word)
    return m.group(1).capitalize() + m.group(2) if m else word


def plausible_name(text: str) -> str | None:
    """The name in ``text`` if it is a plausible Vietnamese personal name, else None.

    Accepts 2–5 words, each capitalised (first letter upper, the rest lower), all of Vietnamese syllable
    shape, the first a known family name (its diacritics repaired when OCR garbled them unambiguously:
    ``Ngùyễn`` → ``Nguyễn``). Digits, punctuation inside words and mixed-case debris are rejected.

    Args:
        text: One line, already stripped of leading and trailing punctuation tokens.

    Returns:
        The name with single spaces, or None.
    """
    words = [_recase(w) for w in text.split()]
    if not 2 <= len(words) <= 5:
        return None
    family = _surname(words[0], len(words))
    if family is None:
        return None
    words[0] = family
    for w in words:
        if not (w[:1].isupper() and (len(w) == 1 or w[1:].islower())):
            return None
        if not syllable_ok(w):
            return None
    return " ".join([family, *(repair_name_tone(w) for w in words[1:])])
