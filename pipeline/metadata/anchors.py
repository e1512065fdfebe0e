"""Printed anchors of a Decree 30 page, matched with an edit budget on folded text.

OCR of a real scan drops or swaps a letter of the printed words around the values (``thảng`` for
``tháng``, ``ngảy``, ``Kinh gừi``, ``N0i nhận``). Each anchor is a :mod:`regex` pattern with fuzzy
matching (``{e<=n}``: at most n insertions, deletions or substitutions), applied to folded text
(lower case, no diacritics), so a wrong tone mark costs nothing and one wrong letter is forgiven on
words long enough to stay unambiguous. Short anchors (``Số``, ``V/v``, ``TM.``) are matched exactly on
their few confusable shapes instead: an edit budget on two letters would match anything.
"""

from __future__ import annotations

import regex

__all__ = [
    "AUTHORITY",
    "DATE_WORDS",
    "KINH_GUI",
    "NOI_NHAN",
    "NUMBER_LABEL",
    "VE_VIEC",
    "find_date_words",
]

#: ``Số:`` (``So``, ``Sô``, ``S6``, ``S0``, ``Số và ký hiệu``) at the start of a line
NUMBER_LABEL = regex.compile(r"^\W{0,2}s[o06]\s*(?:(?:va\s*)?ky\s*hieu\s*)?[:;.,]?\s*")
#: ``V/v`` or ``Về việc`` opening a subject line
VE_VIEC = regex.compile(r"^\W{0,2}(?:v\s*[/|l1i]\s*v\b|(?:ve\s*viec){e<=1}\b)\s*[:.]?\s*")
KINH_GUI = regex.compile(r"^\W{0,2}(?:kinh\s*gui){e<=1}\s*[:;.]?\s*")
NOI_NHAN = regex.compile(r"^\W{0,3}(?:noi\s*nhan){e<=1}\s*[:;.]?\s*")
#: authority prefixes of a signer block: TM., KT., TL., TUQ., Q.
AUTHORITY = regex.compile(r"^\W{0,2}(KT|TM|TL|TUQ|Q)\s*[.,:]\s*(.+)$")
#: the words of a date line; the values between them are parsed by ``pipeline.metadata.dates``
DATE_WORDS = regex.compile(
    r"(?:(?P<ngay>(?:ngay){e<=1})\s*(?P<d>\S{0,4}?)\s*[,.]?\s*)?"
    r"(?P<thang>(?:thang){e<=1})\s*(?P<m>\S{0,4}?)\s*[,.]?\s*"
    r"(?P<nam>(?:nam){e<=1})\s*(?P<y>[0-9OolI|]{4})(?!\d)",
    regex.BESTMATCH,
)


def find_date_words(folded: str) -> regex.Match[str] | None:
    """The ``ngày … tháng … năm yyyy`` structure in a folded line, or None."""
    return DATE_WORDS.search(folded)
