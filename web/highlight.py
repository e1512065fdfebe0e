"""Safe highlighting: OCR text is untrusted, so only our own ``<mark>`` tags ever reach the page as markup.

Search snippets come from Elasticsearch with ``<mark>`` around the matched words; the text between the
tags is document text (a scanned page may well say ``<script>``). :func:`safe_fragment` keeps the tags and
escapes everything else, whether or not Elasticsearch already HTML-encoded the text (it is unescaped first,
then escaped exactly once). The document page marks the query's words in the full page text with
:func:`highlight_text` and on the page image with :func:`marked_words`, by the same rule as the
snippets (``storage.highlight``: exact spelling first, accent-free where it is absent, no typo marks on
other words).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Sequence

from markupsafe import Markup, escape

from storage.highlight import MarkContext, choose_marks, document_context

__all__ = ["MarkContext", "document_context", "highlight_text", "marked_words", "safe_fragment"]

_TAG = re.compile(r"(</?mark>)")


def safe_fragment(fragment: str) -> Markup:
    """A highlight fragment as safe HTML: ``<mark>`` kept, all other text escaped.

    Unbalanced or nested tags are normalized, so the output is always well-formed.

    >>> str(safe_fragment("a <mark>&lt;script&gt;</mark> b"))
    'a <mark>&lt;script&gt;</mark> b'
    """
    out: list[str] = []
    open_ = False
    for piece in _TAG.split(fragment):
        if piece == "<mark>":
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == "</mark>":
            if open_:
                out.append("</mark>")
                open_ = False
        elif piece:
            out.append(str(escape(html.unescape(piece))))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def highlight_text(text: str, query: str, *, context: MarkContext | None = None) -> Markup:
    """Page text as safe HTML with the query's words marked (the rule of ``storage.highlight``).

    ``context``: the whole document (``storage.highlight.document_context``).
    """
    spans = choose_marks(text, query, context=context) if query.strip() else []
    if not spans:
        return escape(text)
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def marked_words(words: Sequence[str], query: str, *, context: MarkContext | None = None) -> list[bool]:
    """Which OCR words (in reading order) the query marks, by the same rule as the page text."""
    if not query.strip() or not words:
        return [False] * len(words)
    offsets = []
    pos = 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    spans = choose_marks(" ".join(words), query, context=context)
    starts = sorted(s for s, _ in spans)
    out = []
    for a, b in offsets:
        i = bisect_left(starts, a)
        out.append(i < len(starts) and starts[i] < b)
    return out
