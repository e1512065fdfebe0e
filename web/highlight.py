"""Safe highlighting: OCR text is untrusted, so only our own ``<mark>`` tags ever reach the page as markup.

Search snippets come from Elasticsearch with ``<mark>`` around the matched words; the text between the
tags is document text (a scanned page may well say ``<script>``). :func:`safe_fragment` keeps the tags and
escapes everything else, whether or not Elasticsearch already HTML-encoded the text (it is unescaped first,
then escaped exactly once). The document page marks query terms in the full page text itself with
:func:`highlight_text`, matching accent-free (``quyet dinh`` marks ``Quyết định``).
"""

from __future__ import annotations

import html
import re
import unicodedata

from markupsafe import Markup, escape

__all__ = ["highlight_text", "query_terms", "safe_fragment", "term_key"]

_TAG = re.compile(r"(</?mark>)")
_WORD = re.compile(r"\w+", re.UNICODE)
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "D"})


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


def term_key(word: str) -> str:
    """How a word is compared with query terms: lowercase, diacritics removed (``Định`` → ``dinh``)."""
    decomposed = unicodedata.normalize("NFD", word.translate(_EXTRA_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def query_terms(query: str) -> frozenset[str]:
    """The folded words of a query worth marking (single letters are noise unless they are digits)."""
    return frozenset(k for w in _WORD.findall(query) if (k := term_key(w)) and (len(k) > 1 or k.isdigit()))


def highlight_text(text: str, terms: frozenset[str]) -> Markup:
    """Page text as safe HTML with every word whose folded form is in ``terms`` wrapped in ``<mark>``."""
    if not terms:
        return escape(text)
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        if term_key(m.group(0)) in terms:
            out.append(str(escape(text[pos : m.start()])))
            out.append(f"<mark>{escape(m.group(0))}</mark>")
            pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))
