"""The document number (``Số: 88 /QĐ-UBND``): printed code kept, handwritten number read with care.

Decree 30 forms print ``Số:      /QĐ-UBND`` and the number is written (by hand or stamped) into the
blank after signing. The code after the slash is print and reliable; the number in the blank is not.
:func:`read_number` splits a number line into both, says whether the number sat in a blank (a gap
before the slash: typed numbers are set tight, ``1340/QĐ-UBND``), and whether its digits were read as
digits, through look-alikes, or not at all. :func:`number_from_file_name` gives a second witness: the
file name an archive or publisher gave the scan (``88 QĐ UB.pdf``, ``16CT.signed.pdf``), used only when a
number stands next to the same type code as the printed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from pipeline.metadata.anchors import NUMBER_LABEL
from pipeline.metadata.dates import read_digits
from pipeline.metadata.lexicon import type_by_code
from pipeline.metadata.normalize import fold

__all__ = ["NumberReading", "agrees", "clean_code", "number_from_file_name", "read_number", "type_part"]

# The printed code: ``/QĐ-UBND``, ``/2024/QĐ-UBND``, ``/SNgV-VP``, ``/CT-UBND``, ``/SNN&PTNT-KH`` (an
# ampersand joins the initials of a "... và ..." department); OCR may space the separators, and set a
# part's head or last letter apart (``U BND``, ``SNg V``).
_CODE = regex.compile(
    r"/\s*((?:\d[\dOoIl|]\s?[\dOoIl|]{2}\s*/\s*)?[A-Za-zĐđ][\wĐđ.&]*(?:\s[A-ZĐ][\wĐđ.&]*(?=\s*[-–]))?"
    r"(?:\s*[-–]\s*(?:[\wĐđ.&]{1,2}\s[A-ZĐ]{2,4}(?![\wĐđ/])|[\wĐđ.&]+(?:\s[A-ZĐ](?![\wĐđ/]))?))+)"
)
_CODE_SINGLE = regex.compile(r"/\s*((?:\d{4}\s*/\s*)?[A-Za-zĐđ][\wĐđ.&]{1,9})\b")
#: a labelled line whose slash OCR lost or read as a stroke glued to the code (``88 1QĐ-UBND``,
#: ``88 |QĐ-UBND``, ``88 QĐ-UBND``): the code in capitals with its dash, the stroke before it dropped
_CODE_SLASH_LOST = regex.compile(r"(?<![^\s\d])[1lI|\\]?([A-ZĐ][A-Za-zĐđ&.]*(?:\s*[-–]\s*[\wĐđ.&]+)+)")


def clean_code(code: str) -> str:
    """Tidy an OCR'd ký hiệu: no spaces around separators, known type codes restored (QD → QĐ)."""
    code = re.sub(r"\s*([-–/])\s*", r"\1", code.strip()).replace("–", "-")
    code = re.sub(r"(?<=\w)\s+(?=\w)", "", code)  # a type code OCR split in two (``Q Đ-UBND``)
    code = re.sub(r"[.,]+(?=[-/])", "", code)  # a speck read as a dot before a separator (``SNgV.-VP``)
    # the printed year of a numbered legal document, its digits read as look-alikes (``2O25/QĐ-UBND``)
    code = re.sub(r"^\d[\dOoIl|]{3}(?=/)", lambda m: read_digits(m.group())[0] or m.group(), code)
    # a ký hiệu has no underscores: at its ends they are the blank's dotted or ruled line read as print
    code = code.strip("_").rstrip(".,;:-/_&")
    parts = re.split(r"([-/])", code)
    for i, part in enumerate(parts):
        if part in "-/" or not part or part.isdigit():
            continue
        t = type_by_code(part)
        if t is not None and t.code is not None:
            parts[i] = t.code
        break  # only the first alphabetic part is the type code; the rest are issuer codes
    return "".join(parts)


def type_part(ky_hieu: str) -> str | None:
    """The type code of a ký hiệu: its first part that is not a number (``QĐ`` of ``2025/QĐ-BNG``)."""
    return next((p for p in re.split(r"[-/]", ky_hieu) if p and not p.isdigit()), None)


@dataclass(frozen=True)
class NumberReading:
    """A number line, read.

    Attributes:
        number: The digits of the number, or None when the blank could not be read.
        code: The printed ký hiệu after the slash (``QĐ-UBND``).
        raw_number: What OCR gave for the number (``6§0``, ``O4``, ``""``).
        blank: The number stood in a blank of the form (gap before the slash): handwritten or stamped.
        repaired: Look-alike characters were turned into digits.
        start, end: The span of number and code in the line.
    """

    number: str | None
    code: str
    raw_number: str
    blank: bool
    repaired: bool
    start: int
    end: int

    @property
    def value(self) -> str:
        """``88/QĐ-UBND``, or the printed part ``/QĐ-UBND`` when the number is unknown."""
        return f"{self.number or ''}/{self.code}"


def read_number(text: str, *, labelled: bool = True) -> NumberReading | None:
    """Read ``Số: <number> /<code>`` from one line (``labelled``) or a bare ``<number>/<code>`` token."""
    f = fold(text)
    start = 0
    if labelled:
        m = NUMBER_LABEL.match(f)
        if m is None:
            return None
        start = m.end()
    code_m = _CODE.search(text, start) or _CODE_SINGLE.search(text, start)
    lost_slash = code_m is None and labelled
    if lost_slash:
        code_m = _CODE_SLASH_LOST.search(text, start)
    if code_m is None:
        return None
    between = text[start : code_m.start()]
    if lost_slash and (
        not re.fullmatch(r"[\dOoIl|\s.,]*", between) or not (re.search(r"\d", between) or ":" in f[:start])
    ):
        # only a number may stand before a code that lost its slash, and an issuer in short ("SỞ
        # TN-MT") has neither the number nor the label's colon
        return None
    if len(between) > 12 or re.search(r"[A-Za-zÀ-ỹ]{3,}", between):
        return None  # words before the slash: not a number line
    code = clean_code(code_m.group(1))
    if not re.search(r"[A-Za-zĐđ]", code):
        return None
    raw = between.strip()
    digits, repaired = read_digits(raw.replace(" ", ""))
    # without its slash the line cannot tell where the number ends ("881QĐ": 88 or 881): a blank to check
    blank = bool(re.search(r"\s$", between)) or not raw or lost_slash
    if digits is not None and int(digits) == 0:
        digits = None
    return NumberReading(
        number=digits,
        code=code,
        raw_number=raw,
        blank=blank,
        repaired=repaired,
        start=start,
        end=code_m.end(),
    )


def number_from_file_name(file_name: str | None, code: str) -> str | None:
    """The number a file name gives for a document whose printed code is ``code``, else None.

    Only a number written right next to the same type code counts (``88 QĐ UB``, ``16CT``, ``660TBUB``,
    ``2770 (08-CT-UBND)`` → 08); a bare number (``05.signed.pdf``) says nothing, as file names are often
    a sequence or a receipt number.
    """
    if not file_name:
        return None
    type_code = next((p for p in re.split(r"[-/]", code) if p and not p.isdigit()), "")
    if not type_code or type_code.upper() in ("UBND",):
        return None
    key = fold(type_code)
    name = fold(re.sub(r"\.[A-Za-z0-9]{2,4}$", "", file_name))
    for m in re.finditer(r"(?<!\d)(\d{1,5})\s*[-_ .]?\s*([a-z]+)", name):
        if m.group(2).startswith(key):
            digits = m.group(1)
            return digits.zfill(2) if len(digits) <= 2 else str(int(digits))
    return None


def agrees(raw: str, digits: str) -> bool:
    """Whether an OCR'd number blank (``6§0``, ``⁄‡6``) is compatible with ``digits`` from another source.

    The characters OCR did read as digits (directly or as look-alikes) must appear in order in
    ``digits``, at least one of them, and the blank must not be much longer or shorter.
    """
    core = [c for c in raw if not c.isspace()]
    seen = []
    for c in core:
        d, _ = read_digits(c)
        if d is not None:
            seen.append(d)
    if not seen or abs(len(core) - len(digits)) > 1:
        return False
    it = iter(digits)
    return all(any(x == y for y in it) for x in seen)
