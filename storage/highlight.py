"""Which words of a page a query marks: one rule for search snippets and the document page.

Elasticsearch's highlighter marks every token its query matched, field by field: on the folded field an
accent-free ``ho so`` marks every Sở, Số and hộ, and a typo-tolerant ``dinh`` marks ``danh``. The rule
here, per query word:

1. exact spelling first: an accented query word marks its exact (case-insensitive) occurrences; only
   where the document has none does it mark the folded ones (``hồ sơ`` marks ``hồ sơ``, not ``hộ``/``Sở``);
2. a multi-word query marks a folded word where it stands next to another query word in query order
   (the phrase the user typed), when the document holds such a run; elsewhere a lone folded ``so`` is
   noise;
3. a typo-tolerant mark (a token that is no query word even folded) stays only when the query word it
   resembles occurs nowhere on the page: ``quyet dinh`` never marks ``danh`` on a page that says
   ``định``.

Pure functions; tokens are folded through a cache (a page's syllables repeat), so this stays cheap
beside the search itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sohoa.text import fold, nfc

__all__ = ["MarkContext", "choose_marks", "document_context", "query_words"]

_WORD = re.compile(r"\w+")
Span = tuple[int, int]


@lru_cache(maxsize=65_536)
def _fold(token: str) -> str:
    return fold(token)


def query_words(query: str) -> list[str]:
    """The query's words worth marking, lowercase NFC, in order, once each (single letters dropped)."""
    out: list[str] = []
    for w in _WORD.findall(nfc(query).lower()):
        if (len(w) > 1 or w.isdigit()) and w not in out:
            out.append(w)
    return out


def _distance(a: str, b: str) -> int:
    """Edit distance of two short words (a transposition counts one), or 3 for anything beyond 2."""
    if abs(len(a) - len(b)) > 2:
        return 3
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], 3)


def _runs(folded: list[str], qfold: list[str]) -> set[int]:
    """Rule 2's runs: tokens i and i+1 holding consecutive query words (folded)."""
    pairs = {(qfold[j], qfold[j + 1]) for j in range(len(qfold) - 1)}
    in_run: set[int] = set()
    for i in range(len(folded) - 1):
        if (folded[i], folded[i + 1]) in pairs:
            in_run.update((i, i + 1))
    return in_run


@dataclass(frozen=True)
class MarkContext:
    """What the other pages of the same document hold: rules 1 and 2 look at the whole document."""

    phrase: bool = False
    exact: frozenset[str] = frozenset()


def document_context(texts: Iterable[str], query: str) -> MarkContext:
    """Whether any page holds the query's words side by side, and which accented words occur exactly."""
    words = query_words(query)
    qfold = [_fold(w) for w in words]
    accented = {w for w, f in zip(words, qfold, strict=True) if w != f}
    phrase = False
    exact: set[str] = set()
    for text in texts:
        tokens = [m.group(0).lower() for m in _WORD.finditer(text)]
        exact.update(accented.intersection(tokens))
        phrase = phrase or (len(qfold) > 1 and bool(_runs([_fold(t) for t in tokens], qfold)))
    return MarkContext(phrase, frozenset(exact))


def choose_marks(
    text: str, query: str, marked: Iterable[Span] = (), *, context: MarkContext | None = None
) -> list[Span]:
    """The spans of ``text`` to mark for ``query``, in order.

    Args:
        text: A page's text.
        query: The query text (quotes removed).
        marked: Spans the search engine marked (its typo-tolerant marks are judged by rule 3; its
            other marks are recomputed here, so passing none is fine).
        context: The whole document (:func:`document_context`): an exact spelling or a phrase on
            another page keeps this page's folded lone syllables unmarked. Default: this page alone.

    Returns:
        ``(start, end)`` character spans of whole words.
    """
    words = query_words(query)
    if not words:
        return []
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text)]
    folded = [_fold(t[2]) for t in tokens]
    qfold = [_fold(w) for w in words]
    wanted = set(qfold)
    keep: set[int] = set()
    multi = len(words) > 1
    ctx = context or MarkContext()
    in_run = _runs(folded, qfold)
    for word, f in zip(words, qfold, strict=True):
        exact = [i for i, t in enumerate(tokens) if t[2] == word]
        if word != f and (exact or word in ctx.exact):
            keep.update(exact)  # rule 1
            continue
        loose = [i for i, g in enumerate(folded) if g == f]
        if multi and (ctx.phrase or any(i in in_run for i in loose)):
            loose = [i for i in loose if i in in_run]  # rule 2
        keep.update(loose)
    # Rule 3: engine marks on tokens that are no query word even folded; for a query word absent from
    # the page, only its closest spellings (a typo of it), never a merely similar word.
    present = {g for g in folded if g in wanted}
    starts = {t[0]: i for i, t in enumerate(tokens)}
    fuzzy = [at for start, _ in marked if (at := starts.get(start)) is not None and folded[at] not in wanted]
    for f in qfold:
        if f in present:
            continue
        scored = [(d, at) for at in fuzzy if (d := _distance(folded[at], f)) <= 2]
        if scored:
            best = min(d for d, _ in scored)
            keep.update(at for d, at in scored if d == best)
    return [(tokens[i][0], tokens[i][1]) for i in sorted(keep)]
