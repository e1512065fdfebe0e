"""Tolerant reading of the issue date line, keeping what is printed when a handwritten part is not.

On real forms the day (sometimes the month) is handwritten into the blank of ``ngày … tháng … năm``.
OCR then returns a stroke (``“``), a look-alike (``3|`` for 31, ``Ø3`` for 03) or nothing. This module
reads each part separately: a part read as digits is taken, a part read through a look-alike
substitution is taken but marked ``repaired``, a part that is unreadable stays None. The printed year
(and month) survive even when the day does not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipeline.metadata.anchors import find_date_words

__all__ = ["DateReading", "read_date", "read_digits"]

_MIN_YEAR = 1945
#: look-alikes OCR returns for handwritten or faint digits (folded text: Ø is already ``o``)
_LOOKALIKE = str.maketrans({"o": "0", "d": "0", "q": "0", "l": "1", "i": "1", "|": "1", "!": "1", "z": "2",
                            "s": "5", "b": "6", "g": "9", "t": "7", "a": "4"})  # fmt: skip
_DIGITS = re.compile(r"\d+")


def read_digits(token: str) -> tuple[str | None, bool]:
    """Digits of an OCR'd number token: (digits or None, whether look-alikes were replaced).

    Punctuation around the token is ignored; any other character left after the look-alike table
    makes the token unreadable (None): a guessed digit is worse than a blank a reviewer fills in.
    """
    core = token.strip(" .,:;'\"`“”‘’-_()[]").lower()
    if not core:
        return None, False
    if core.isdigit():
        return core, False
    fixed = core.translate(_LOOKALIKE)
    if fixed.isdigit() and any(c.isdigit() for c in core):
        return fixed, True
    return None, False


@dataclass(frozen=True)
class DateReading:
    """What a date line gave: each part or None, and where the date words were found."""

    day: int | None
    month: int | None
    year: int | None
    repaired: bool
    start: int
    end: int

    @property
    def date(self) -> dt.date | None:
        """The full date when all parts were read and form a real date."""
        if self.day is None or self.month is None or self.year is None:
            return None
        try:
            return dt.date(self.year, self.month, self.day)
        except ValueError:
            return None

    @property
    def partial(self) -> str | None:
        """ISO 8601 reduced precision (``2025-02``, ``2025``) of the parts that were read."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.month:02d}"


def _part(token: str | None, low: int, high: int) -> tuple[int | None, bool]:
    if token is None:
        return None, False
    # two digits OCR set apart ("0 5" of a handwritten day, "20 25" of a year) are one part
    digits, repaired = read_digits(re.sub(r"(?<=\w)\s(?=\w)", "", token))
    if digits is None or not low <= int(digits) <= high:
        return None, False
    return int(digits), repaired


def read_date(folded: str, today: dt.date | None = None) -> DateReading | None:
    """Read ``ngày dd tháng mm năm yyyy`` from a folded line, part by part; None without the words.

    Args:
        folded: The line folded (``sohoa.text.fold``), same length as the original.
        today: Upper bound of a plausible year (default: today).
    """
    m = find_date_words(folded)
    if m is None:
        return None
    top = (today or dt.date.today()).year + 1
    year, y_rep = _part(m.group("y"), _MIN_YEAR, top)
    if year is None:
        return None
    month, m_rep = _part(m.group("m"), 1, 12)
    day_token = m.group("d")
    start = m.start()
    if m.group("ngay") is None:
        # "ngày" lost: the day is the token just before "tháng", if it looks like one
        # noise OCR put before "tháng" ("01 _tháng") is not the day
        before = folded[: m.start("thang")].rstrip(" _~-.,")
        tok = re.search(r"(\S{1,3})$", before)
        if tok and read_digits(tok.group(1))[0] is not None:
            day_token, start = tok.group(1), tok.start(1)
    day, d_rep = _part(day_token, 1, 31)
    return DateReading(day, month, year, y_rep or m_rep or d_rep, start, m.end())
