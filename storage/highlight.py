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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sohoa.text import fold, nfc

__all__ = ["MarkContext", "choose_marks", "document_context", "fold_word", "mark_document", "query_words"]

_WORD = re.compile(r"\w+")
Span = tuple[int, int]


@lru_cache(maxsize=65_536)
def fold_word(token: str) -> str:
    """:func:`sohoa.text.fold` of a word, cached (a page's words repeat across pages and requests)."""
    return fold(token)


_fold = fold_word


def query_words(query: str) -> list[str]:
    """The query's words worth marking, lowercase NFC, in order, once each (single letters dropped)."""
    return list(_query_words(query))


@lru_cache(maxsize=1024)
def _query_words(query: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in _WORD.findall(nfc(query).lower()):
        if (len(w) > 1 or w.isdigit()) and w not in out:
            out.append(w)
    return tuple(out)


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


class _Token(NamedTuple):  # a tuple: pages have thousands of candidates, built twice per request
    start: int
    end: int
    lower: str
    folded: str


def _candidates(text: str, wanted: set[str], marked: Iterable[Span] | None) -> list[_Token]:
    """The words that can be marked: the engine's marks, or (none given) every word folding to a query word.

    The engine's folded highlight marks every folded occurrence of a query word (and, fuzzy, its
    typos), so its marks are all the candidates there are; judging only those keeps this cheap on long
    pages.
    """
    if marked is None:
        out = []
        for m in _WORD.finditer(text):
            low = m.group(0).lower()
            if (f := _fold(low)) in wanted:
                out.append(_Token(m.start(), m.end(), low, f))
        return out
    return [_Token(s, e, (low := text[s:e].lower()), _fold(low)) for s, e in sorted(set(marked)) if e > s]


def _runs(text: str, tokens: list[_Token], qfold: list[str]) -> set[int]:
    """Rule 2's runs: indexes of candidates holding consecutive query words side by side.

    Side by side: nothing but spaces or punctuation between the two words.
    """
    pairs = {(qfold[j], qfold[j + 1]) for j in range(len(qfold) - 1)}
    in_run: set[int] = set()
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if (a.folded, b.folded) in pairs and not _WORD.search(text, a.end, b.start):
            in_run.update((i, i + 1))
    return in_run


@dataclass(frozen=True)
class MarkContext:
    """What the other pages of the same document hold: rules 1 and 2 look at the whole document."""

    phrase: bool = False
    exact: frozenset[str] = frozenset()


def document_context(pages: Iterable[tuple[str, Iterable[Span] | None]], query: str) -> MarkContext:
    """Whether any page holds the query's words side by side, and which accented words occur exactly.

    Args:
        pages: ``(text, engine marks or None)`` per page of one document.
        query: The query text.
    """
    words = _query_words(query)
    qfold = [_fold(w) for w in words]
    wanted = set(qfold)
    accented = {w for w, f in zip(words, qfold, strict=True) if w != f}
    phrase = False
    exact: set[str] = set()
    for text, marked in pages:
        tokens = _candidates(text, wanted, marked)
        exact.update(accented.intersection(t.lower for t in tokens))
        phrase = phrase or (len(qfold) > 1 and bool(_runs(text, tokens, qfold)))
    return MarkContext(phrase, frozenset(exact))


def choose_marks(
    text: str, query: str, marked: Iterable[Span] | None = None, *, context: MarkContext | None = None
) -> list[Span]:
    """The spans of ``text`` to mark for ``query``, in order.

    Args:
        text: A page's text.
        query: The query text (quotes removed).
        marked: Spans the search engine marked on this page (exact and folded highlights together);
            None: find the candidates in the text (no typo tolerance then).
        context: The whole document (:func:`document_context`): an exact spelling or a phrase on
            another page keeps this page's folded lone syllables unmarked. Default: this page alone.

    Returns:
        ``(start, end)`` character spans.
    """
    words = _query_words(query)
    if not words:
        return []
    qfold = [_fold(w) for w in words]
    tokens = _candidates(text, set(qfold), marked)
    return _choose(tokens, _runs(text, tokens, qfold), words, qfold, context or MarkContext())


def mark_document(pages: Sequence[tuple[str, Iterable[Span] | None]], query: str) -> list[list[Span]]:
    """:func:`choose_marks` of every page of one document in its :func:`document_context`, in one pass.

    The same marks as calling the two, with each page's candidates and runs worked out once (a search
    result does this for every page of every hit).
    """
    words = _query_words(query)
    if not words:
        return [[] for _ in pages]
    qfold = [_fold(w) for w in words]
    wanted = set(qfold)
    accented = {w for w, f in zip(words, qfold, strict=True) if w != f}
    prepared = []
    phrase = False
    exact: set[str] = set()
    for text, marked in pages:
        tokens = _candidates(text, wanted, marked)
        in_run = _runs(text, tokens, qfold)
        exact.update(accented.intersection(t.lower for t in tokens))
        phrase = phrase or (len(qfold) > 1 and bool(in_run))
        prepared.append((tokens, in_run))
    context = MarkContext(phrase, frozenset(exact))
    return [_choose(tokens, in_run, words, qfold, context) for tokens, in_run in prepared]


def _choose(
    tokens: list[_Token], in_run: set[int], words: tuple[str, ...], qfold: list[str], ctx: MarkContext
) -> list[Span]:
    """The three rules (module docstring) over one page's candidates."""
    wanted = set(qfold)
    keep: set[int] = set()
    multi = len(words) > 1
    for word, f in zip(words, qfold, strict=True):
        exact = [i for i, t in enumerate(tokens) if t.lower == word]
        if word != f and (exact or word in ctx.exact):
            keep.update(exact)  # rule 1
            continue
        loose = [i for i, t in enumerate(tokens) if t.folded == f]
        if multi and (ctx.phrase or any(i in in_run for i in loose)):
            loose = [i for i in loose if i in in_run]  # rule 2
        keep.update(loose)
    # Rule 3: engine marks on words that are no query word even folded; for a query word absent from
    # the page, only its closest spellings (a typo of it), never a merely similar word.
    present = {t.folded for t in tokens if t.folded in wanted}
    fuzzy = [i for i, t in enumerate(tokens) if t.folded not in wanted]
    for f in qfold:
        if f in present:
            continue
        scored = [(d, i) for i in fuzzy if (d := _distance(tokens[i].folded, f)) <= 2]
        if scored:
            best = min(d for d, _ in scored)
            keep.update(i for d, i in scored if d == best)
    return [(tokens[i].start, tokens[i].end) for i in sorted(keep)]
