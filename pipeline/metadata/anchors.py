"""Printed anchors of a Decree 30 page, matched with an edit budget on folded text.

OCR of a real scan drops or swaps a letter of the printed words around the values (``thảng`` for
``tháng``, ``ngảy``, ``Kinh gừi``, ``N0i nhận``). Each anchor is a :mod:`regex` pattern with fuzzy
matching (``{e<=n}``: at most n insertions, deletions or substitutions), applied to folded text
(lower case, no diacritics), so a wrong tone mark costs nothing and one wrong letter is forgiven on
words long enough to stay unambiguous. Short anchors (``Số``, ``V/v``, ``TM.``) are matched exactly on
their few confusable shapes instead: an edit budget on two letters would match anything.
"""

from __future__ import annotations

from typing import NamedTuple

import regex
from rapidfuzz.distance import Levenshtein

__all__ = [
    "AUTHORITY",
    "DATE_WORDS",
    "KINH_GUI",
    "NOI_NHAN",
    "NUMBER_LABEL",
    "VE_VIEC",
    "StampLabel",
    "find_date_words",
    "stamp_label",
]

#: ``Số:`` (``So``, ``Sô``, ``S6``, ``S0``, ``Số và ký hiệu``) at the start of a line; with its vowel lost or
#: misread (``s.``, ``sẽ:``) only with its punctuation
NUMBER_LABEL = regex.compile(r"^\W{0,2}(?:s[o06]\s*(?:(?:va\s*)?ky\s*hieu\s*)?[:;.,]?|s\w?[:;.])\s*")
#: ``V/v`` or ``Về việc`` opening a subject line; OCR reads the second v as y, or loses the slash (``Vv``)
VE_VIEC = regex.compile(r"^\W{0,2}(?:v(?:\s*[/|l1i]\s*[vy]|v)\b|(?:ve\s*viec){e<=1}\b)\s*[:.]?\s*")
KINH_GUI = regex.compile(r"^\W{0,2}(?:kinh\s*gui){e<=1}\s*[:;.]?\s*")
NOI_NHAN = regex.compile(r"^\W{0,3}(?:noi\s*nhan){e<=1}\s*[:;.]?\s*")
#: authority prefixes of a signer block: TM., KT., TL., TUQ., Q.; the dot is small and often lost,
#: doubled or read as a comma or semicolon (``TM ỦY BAN``, ``K.T. CHỦ TỊCH``, ``KT; GIÁM ĐỐC``); a
#: signature's stroke may be glued in front (``—_KT,``)
AUTHORITY = regex.compile(r"^[\W_]{0,3}(K\.?T|T\.?M|T\.?L|TUQ|Q)(?:\s*[.,:;]+\s*|\s+(?=[A-ZĐÀ-Ỹ]{2}))(.+)$")
#: the words of a date line; the values between them are parsed by ``pipeline.metadata.dates``
DATE_WORDS = regex.compile(
    r"(?:(?P<ngay>(?:ngay){e<=1})\s*(?P<d>\d\s\d|\S{0,4}?)\s*[,.]?\s*)?"
    r"(?P<thang>(?:thang){e<=1})\s*(?P<m>\d\s\d|\S{0,4}?)\s*[,.]?\s*"
    r"(?P<nam>(?:nam){e<=1})\s*(?P<y>[0-9OolIs|]{2}\s?[0-9OolIs|]{2})(?!\d)",
    regex.BESTMATCH,
)


def find_date_words(folded: str) -> regex.Match[str] | None:
    """The ``ngày … tháng … năm yyyy`` structure in a folded line, or None."""
    return DATE_WORDS.search(folded)


class StampLabel(NamedTuple):
    """A signature-stamp label found in a folded line.

    ``kind``: signer, time, org or email; ``strong``: only stamps carry it; ``end``: where its value starts.
    """

    kind: str
    strong: bool
    end: int


#: the labels of a digital-signature appearance (``Ký bởi:``, ``Thời gian ký:`` …), spaces removed:
#: kind, and whether the label is found on stamps only (``Email:`` or ``Cơ quan:`` also head other lines)
_STAMP_LABELS = {
    "kyboi": ("signer", True),
    "duockyboi": ("signer", True),
    "signedby": ("signer", True),
    "nguoiky": ("signer", False),
    "thoigianky": ("time", True),
    "ngayky": ("time", False),
    "signingtime": ("time", True),
    "coquan": ("org", False),
    "donvi": ("org", False),
    "email": ("email", False),
    "thudientu": ("email", False),
}
_STAMP_SEP = regex.compile(r"\s*[:;]\s*")


def _label_key(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _stamp_kind(key: str, budget: int) -> tuple[str, bool] | None:
    """The stamp label ``key`` spells with at most ``budget`` edits (one in 5-7 letters, two from 8)."""
    if len(key) < 5 or len(key) > 14:
        return None
    budget = min(budget, 1 if len(key) < 8 else 2)
    best = min(_STAMP_LABELS, key=lambda k: Levenshtein.distance(key, k))
    # at most one letter lost: "Thời gian:" of an invitation is no "Thời gian ký:"
    if Levenshtein.distance(key, best) > budget or len(key) < len(best) - 1:
        return None
    return _STAMP_LABELS[best]


def stamp_label(folded: str, start: int = 0) -> StampLabel | None:
    """The signature-stamp label at ``folded[start:]`` (``Ký bởi:``, ``Thời gian kỷ;`` ...), or None.

    With its colon a label may be of any kind; without (OCR drops it) only a label unique to stamps
    counts, and with one edit at most.
    """
    text = folded[start:]
    lead = len(text) - len(text.lstrip(" -–•*|([{'\"."))
    if lead > 2:
        return None
    body = text[lead:]
    colon = _STAMP_SEP.search(body[:22])
    if colon is not None and colon.start() > 0:
        found = _stamp_kind(_label_key(body[: colon.start()]), 2)
        if found is not None:
            return StampLabel(found[0], found[1], start + lead + colon.end())
    words = list(regex.finditer(r"\S+", body[:24]))
    for n in (3, 2, 1):
        if len(words) >= n:
            found = _stamp_kind(_label_key(body[: words[n - 1].end()]), 1)
            if found is not None and found[1]:
                return StampLabel(found[0], True, start + lead + words[n - 1].end())
    return None
