"""Choose between the readings of a header or closing line: the full-page one and the re-reads of ``ocr/``.

``ocr.zone_lines`` reads the unsure header and closing lines again from crops (other scales and
thresholds) and keeps every reading with its word boxes. Here the readings of one line vote, word by word:

1. each reading loses the specks at its ends (a seal's edge or a rule read as ``“``, ``_``, ``N``);
2. the readings that cut the line into the most common number of words vote at each position; a word
   wins by how many readings have it, then by whether the document spells it so elsewhere (its own text
   is the best dictionary of its words), then by confidence. In the closing, under a seal, the readings
   agree on a name's letters but not on the specks glued in front (``:-Bùi``, ``'-Bùi``), and Tesseract
   gives such a word almost no confidence however often it reads it alike: there the specks do not
   count in the vote, and a word that two readings spell alike is at least :data:`_AGREED` sure;
3. in the header, a re-read that lost the slash of a number line (``…/QĐ-UBND``) does not vote;
4. when no two readings agree on the number of words, the reading closest to all the others (the
   medoid, by edit distance) is kept, unless the full-page reading is at least as confident.

The winner replaces the line's words on the page, with boxes from the reading it came from; a line
that no second reading confirms keeps its full-page words. Nothing here reads images.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from pipeline.metadata.names import letters_only, syllable_ok
from sohoa.model.ocr import LineRereading, OcrPage, Word

__all__ = ["apply_rereads", "vote_line"]

log = logging.getLogger(__name__)

#: readings whose mean word confidence is below this (0-100) are noise, not text
_MIN_CONF = 35.0
#: a voted line read less confidently than this (0-100) replaces only a first reading that is worse
_ACCEPT = 60.0
#: the confidence (0-100) of a closing word that two readings or more spell alike
_AGREED = 50.0


@dataclass(frozen=True)
class _Reading:
    words: tuple[Word, ...]
    source: str

    @property
    def conf(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words) if self.words else 0.0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _speck(word: Word) -> bool:
    alnum = sum(c.isalnum() for c in word.text)
    return alnum == 0 or (alnum <= 1 and len(word.text) <= 2 and word.conf < 70 and not word.text.isdigit())


_BULLETS = {"-", "–", "+", "•"}
#: quotes, rules and strokes that a seal's edge or a signature leaves glued to the front of a word
_LEAD_JUNK = "“”\"'`‘’_~›‹«»|\\^"


#: a token of only these is a rule or a stroke wherever it stands (the gap between two header columns
#: read as ``_``); dashes and colons are text
_STROKES = set("_~|`^\\")


def _trim(words: list[Word]) -> tuple[Word, ...]:
    """The words without the specks at either end and without bare strokes anywhere.

    Inner punctuation like ``-`` or ``:`` is text.
    """
    words = [w for w in words if not set(w.text) <= _STROKES]
    words = [
        w.model_copy(update={"text": w.text.lstrip(_LEAD_JUNK)}) if w.text.lstrip(_LEAD_JUNK) else w
        for w in words
    ]
    start, end = 0, len(words)
    # a leading dash is a list bullet ("- Lưu: VT"), not a speck
    while start < end and _speck(words[start]) and words[start].text not in _BULLETS:
        start += 1
    while end > start and _speck(words[end - 1]):
        end -= 1
    return tuple(words[start:end])


def _formed(text: str) -> bool:
    """Whether a word's letters are Vietnamese syllables (``Phạm``; not ``Phạmí``), its punctuation aside."""
    runs = letters_only(text)
    return bool(runs) and all(syllable_ok(r.lower()) for r in runs)


def _letters_first(text: str) -> str:
    """A closing word without the specks glued in front of its first letter (``:-Bùi`` → ``Bùi``)."""
    start = next((i for i, c in enumerate(text) if c.isalnum()), 0)
    return text[start:] or text


def _mean(words: list[Word]) -> float:
    return sum(w.conf for w in words) / len(words) if words else 0.0


def vote_line(first: list[Word], reread: LineRereading, known: Counter[str]) -> list[Word]:
    """The words of one line after the vote between its full-page reading and its re-reads.

    Args:
        first: The line's words from the full-page pass.
        reread: The line's second readings.
        known: How often each word occurs in the document's text (the tie-breaker).
    """
    readings = [_Reading(_trim(first), "page")]
    # outside the closing, and on a recipients' line read with its bullet, a leading dash stays
    keep_bullets = reread.zone != "closing" or (
        bool(readings[0].words) and readings[0].words[0].text in _BULLETS
    )
    for r in reread.readings:
        trimmed = _trim(list(r.words))
        if not keep_bullets and trimmed and trimmed[0].text in _BULLETS:
            # a dash the wider crop caught before a name (a stroke of the signature) is no list bullet
            # when the line's first reading has none
            trimmed = trimmed[1:]
        readings.append(_Reading(trimmed, r.variant))
    readings = [r for r in readings if r.words and (r.conf >= _MIN_CONF or r.source == "page")]
    if reread.zone != "closing" and any("/" in w.text for w in first):
        # the slash of a number line (``…/QĐ-UBND``) is print and holds the line together: a re-read
        # that lost it (``Số: 462 mc-usụn``) read the handwriting better and the code worse
        readings = [r for r in readings if "/" in r.text]
    if len(readings) < 2:
        return first
    counts = Counter(len(r.words) for r in readings)
    size, n = max(counts.items(), key=lambda kv: (kv[1], kv[0] == len(readings[0].words)))
    if n >= 2:
        group = [r for r in readings if len(r.words) == size]
        # boxes from the page reading when it is in the group (the layout was measured on those)
        base = next((r for r in group if r.source == "page"), None) or max(group, key=lambda r: r.conf)
        closing = reread.zone == "closing"
        # a name or title line (every word capitalised), not a recipient's ("- VPUB: CVP, KTTH;")
        named = closing and all(_letters_first(w.text)[:1].isupper() for w in readings[0].words)
        out = []
        for pos in range(size):
            words = [r.words[pos] for r in group]
            keys = [_letters_first(w.text) if closing else w.text for w in words]
            votes: Counter[str] = Counter(keys)
            conf = {k: max(w.conf for w, x in zip(words, keys, strict=True) if x == k) for k in votes}
            # a bare stroke (``-``, ``|``) never outvotes a word: it is what a re-read makes of large
            # handwriting (a day ``17`` read as ``-``), not a reading of it
            # on a name line, a well-formed syllable beats debris read more confidently ("Phạm" against
            # "Phạmí", both barely confident) and takes the confidence of the rival it beat
            formed = {k: named and _formed(k) for k in votes}
            best = max(
                votes, key=lambda k: (any(c.isalnum() for c in k), votes[k], known[k] > 1, formed[k], conf[k])
            )
            rivals = [conf[k] for k in votes if k != best and votes[k] == votes[best]]
            if formed[best] and rivals:
                conf[best] = max(conf[best], *rivals)
            digits = [k for k in votes if k.isdigit()]
            if not closing and digits and not any(c.isdigit() for c in best):
                # line crops are scaled for print: they make letters of a large handwritten day or number
                # (``31`` → ``Š_``); a reading that saw digits there is the one to keep
                best = max(digits, key=lambda k: (votes[k], conf[k]))
            # the spelling itself (with what is glued to it) from the surest reading of the winner
            word = max((w for w, k in zip(words, keys, strict=True) if k == best), key=lambda w: w.conf)
            sure = max(conf[best], _AGREED) if closing and votes[best] >= 2 else conf[best]
            out.append(base.words[pos].model_copy(update={"text": word.text, "conf": sure}))
        return out

    # no two readings split the line alike: the one nearest to all the others
    def spread(r: _Reading) -> float:
        return sum(Levenshtein.normalized_distance(r.text, o.text) for o in readings if o is not r)

    medoid = min(readings, key=lambda r: (spread(r), -r.conf))
    if medoid.source == "page" or readings[0].conf >= medoid.conf:
        return first
    return list(medoid.words)


def apply_rereads(page: OcrPage) -> OcrPage:
    """The page with each re-read line's words replaced by the winners of :func:`vote_line`."""
    if not page.rereads or not page.words:
        return page
    known = Counter(w.text for w in page.words)
    by_line: dict[int, list[Word]] = {}
    for w in page.words:
        by_line.setdefault(w.line, []).append(w)
    changed = 0
    for rr in page.rereads:
        first = by_line.get(rr.line)
        if not first:
            continue
        voted = [
            w.model_copy(update={"line": rr.line, "block": first[0].block})
            for w in vote_line(first, rr, known)
        ]
        if [w.text for w in voted] != [w.text for w in first]:
            changed += 1
            log.debug("page %d line %d: %r -> %r", page.number, rr.line, " ".join(w.text for w in first),
                      " ".join(w.text for w in voted))  # fmt: skip
        by_line[rr.line] = voted
    if not changed:
        return page
    words = [w for line in sorted(by_line) for w in by_line[line]]
    return page.model_copy(update={"words": words})
