"""Weigh each key value against its other witnesses and the other fields; say why when unsure.

Every decision returns the value's rule score (``Hit.score``, before OCR confidence is applied) and,
when the value cannot be trusted as is, a stable reason code ``<field>.<code>`` that review shows to a
clerk (translated by ``web.i18n`` as ``reason.<field>.<code>``). Scores are chosen so that a value
below :data:`pipeline.metadata.review.LOW_CONFIDENCE` is one a clerk must check:

- a number in a handwritten blank is trusted when a second witness (file name) agrees with what OCR
  saw, or when both recognizers of the blank (Tesseract's digit re-reads and the neural reader of
  ``ocr.digits``) read the same digits and the neural one is sure of them; one recognizer alone is a
  guess, and two that disagree are flagged (``readers_disagree``);
- a date is trusted when every part was read as digits, or look-alikes were repaired and the
  signature time agrees; a date after the file's first signature cannot be right;
- an issuer whose abbreviation in the ký hiệu does not match its name is probably misread; one that a
  signature or a stamp on the page names (``Ký bởi: SỞ NGOẠI VỤ``) is confirmed, even when unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace

from pipeline.metadata.dates import DateReading
from pipeline.metadata.evidence import Hit
from pipeline.metadata.header import line_date
from pipeline.metadata.normalize import fold
from pipeline.metadata.numbers import NumberReading, agrees, number_from_file_name, type_part
from pipeline.metadata.witnesses import Witnesses
from sohoa.model.ocr import BlankReading

__all__ = [
    "BlankVote",
    "check_code_issuer",
    "check_date",
    "check_issuer",
    "check_number",
    "issuer_code_agrees",
    "names_issuer",
    "repair_type_code",
    "vote_blank",
    "vote_code",
]

#: how long after the issue date a document is typically signed digitally for publication (days)
_SIGNING_WINDOW_DAYS = 120


def _rescore(h: Hit, score: float, value: object | None = None) -> Hit:
    return replace(h, score=score, value=h.value if value is None else value)


def _reread(blank: BlankReading | None) -> str | None:
    """The value a clear majority of a second reading's variants agree on, else None.

    At least three votes and 60% of the variants that read anything; a tie (``04`` ×4, ``1`` ×4) is no
    reading at all.
    """
    if blank is None:
        return None
    # one number however written: "06" and "6" are one vote (a tight crop loses the leading zero)
    read = [r for r in blank.readings if r and r.isdigit()]
    votes = Counter(int(r) for r in read)
    ranked = votes.most_common(2)
    if not ranked:
        return None
    value, count = ranked[0]
    if count < 3 or count < 0.6 * sum(votes.values()) or (len(ranked) > 1 and ranked[1][1] == count):
        return None
    return max((r for r in read if int(r) == value), key=len)


#: the neural reader's confidence (0-1) at or above which its reading, confirmed by Tesseract's, is trusted
_NEURAL_SURE = 0.9
#: below this the neural reading is no reading (a lone low-confidence guess misleads more than it helps)
_NEURAL_MIN = 0.3
#: a neural reading alone, below this confidence, is used but always sent to review
_NEURAL_ALONE = 0.6


@dataclass(frozen=True)
class BlankVote:
    """What the two recognizers of one blank say together.

    ``value``: the digits to use (the neural reading when there is one: it reads handwriting far
    better); ``agreement``: ``both`` (same digits, the neural one sure), ``weak`` (same digits, the
    neural one unsure), ``neural`` or ``tesseract`` (only that one read anything), ``neural_unsure``
    (only the neural one, and unsure), ``disagree``, or ``none``.
    """

    value: str | None
    agreement: str
    tesseract: str | None = None
    neural: str | None = None
    #: the neural value's confidence, its two readings (blank crops, whole line) taken together
    neural_conf: float = 0.0


def _cut_from(short: str, long: str) -> bool:
    """Whether ``short`` is ``long`` with digits lost at one end ("19" of "195", "2" of "22")."""
    return len(short) < len(long) and (long.startswith(short) or long.endswith(short))


def _neural(blank: BlankReading) -> tuple[str | None, float, bool]:
    """The neural recognizer's value of a blank, its confidence, and whether its two readings disagree.

    The blank's own crops are the first witness; the whole-line reading stands in when they read
    nothing (a crop cut wrong, a number whose slash OCR garbled), and contradicts them when it reads
    other digits (then the surer of the two is the value, contested); the two agreeing are as sure as the
    surer.
    """
    nn = blank.digits_value if blank.digits_value and blank.digits_conf >= _NEURAL_MIN else None
    line = blank.line_value if blank.line_value and blank.line_conf >= _NEURAL_MIN else None
    nn, line = (v if v and int(v) else None for v in (nn, line))
    if nn is None:
        return line, blank.line_conf if line else 0.0, False
    if line is not None and int(line) == int(nn):
        # the same number; the line keeps a leading zero the tight crops lose ("04" of "O4")
        return max(nn, line, key=len), max(blank.digits_conf, blank.line_conf), False
    if line is not None and _cut_from(nn, line):
        # the crops cut a digit off ("19" of "195"); the line, not cut, is the reading if it is sure,
        # and the likelier one, contested, if it is not
        return line, blank.line_conf, blank.line_conf < _NEURAL_SURE
    if line is not None and not _cut_from(line, nn) and blank.line_conf > blank.digits_conf:
        # other digits (not a part of the crops', "2" of "22"): the surer is shown, contested either way
        return line, blank.line_conf, True
    return nn, blank.digits_conf, line is not None


def _most_seen(nn: str, tess: str, blank: BlankReading) -> str:
    """The value most witnesses of a disputed blank read: Tesseract's, the line's, each neural crop's.

    The shown value of a blank sent to review: ``517`` when Tesseract and the line read 517 and the
    crops split between 512 and 517. A tie keeps the neural reading (it reads handwriting better).
    """
    line = blank.line_value if blank.line_value and blank.line_conf >= _NEURAL_MIN else None
    # a reading that is the neural value cut short ("19" of "195": crops cut too tight) is no vote against
    votes = [
        v
        for v in (tess, line, *blank.digits_readings)
        if v and v.isdigit() and int(v) and not _cut_from(v, nn)
    ]
    seen = Counter(int(v) for v in votes)
    if not seen:
        return nn
    best, count = max(seen.items(), key=lambda kv: (kv[1], kv[0] == int(nn)))
    if count <= seen.get(int(nn), 0):
        return nn
    return next(v for v in votes if int(v) == best)


def vote_blank(blank: BlankReading | None) -> BlankVote:
    """Weigh Tesseract's readings of a blank against the neural reader's readings of it.

    Tesseract's witness is its digit re-reads, or, for a blank its full-page pass read surely (no
    re-reads), that first reading.
    """
    if blank is None:
        return BlankVote(None, "none")
    tess = _reread(blank)
    nn, conf, contested = _neural(blank)
    if not blank.readings and blank.first.strip().isdigit():
        tess = blank.first.strip()
        if conf < _NEURAL_ALONE:
            nn, contested = None, False  # a sure print reading is contested only by a sure network
    # no number, day or month is 0: all zeros is what is left of a blank cut too short ("0" of "03")
    tess = tess if tess and int(tess) else None
    if nn is not None and tess is not None:
        if int(nn) == int(tess) and not contested:
            return BlankVote(nn, "both" if conf >= _NEURAL_SURE else "weak", tess, nn, conf)
        return BlankVote(_most_seen(nn, tess, blank), "disagree", tess, nn, 0.0 if contested else conf)
    if nn is not None:
        if contested:
            return BlankVote(nn, "disagree", None, nn)
        return BlankVote(nn, "neural" if conf >= _NEURAL_ALONE else "neural_unsure", None, nn, conf)
    if tess is not None:
        return BlankVote(tess, "tesseract", tess, None)
    return BlankVote(None, "none")


def check_number(
    h: Hit, reading: NumberReading, w: Witnesses, blank: BlankReading | None = None
) -> tuple[Hit, str | None]:
    """Decide the number of a ``Số:`` line from the OCR readings (page, blank re-read) and the file name."""
    from_name = number_from_file_name(w.file_name, reading.code)
    plain_text = h.ocr_conf() is None  # a text layer: the blank was filled by a computer
    vote = vote_blank(blank)
    if not reading.blank and reading.number is not None:
        if vote.value is None or int(vote.value) == int(reading.number):
            return (_rescore(h, min(h.score, 0.75)) if reading.repaired else h), None
        # set tight against the slash, but the blank finder found a blank there ("1Ø5/2025" read as
        # "5/2025"): the blank's readers say what it is, and a clerk checks
    if plain_text and reading.number is not None:
        return h, None
    best = vote.value or (reading.number if not reading.repaired else None)
    if from_name is not None:
        # either recognizer agreeing with the typed file name is two witnesses
        for seen in (best, vote.tesseract, vote.neural):
            if seen is not None and int(seen) == int(from_name):
                return _rescore(h, 0.95, f"{seen}/{reading.code}"), None
        if best is None and agrees(reading.raw_number, from_name):
            return _rescore(h, 0.85, f"{from_name}/{reading.code}"), None
        # the file name was typed, the blank was handwritten: on a conflict the typed one is likelier
        code = "so_ky_hieu.conflict" if best is not None else "so_ky_hieu.handwritten"
        return _rescore(h, 0.45, f"{from_name}/{reading.code}"), code
    if vote.agreement == "both" and vote.value is not None and len(vote.value) > 1:
        # two recognizers built differently read the same digits, the neural one surely; one digit is
        # not enough: numbers start at 01 (Decree 30), so a lone digit probably lost one ("5" of "05")
        return _rescore(h, 0.8, f"{vote.value}/{reading.code}"), None
    if vote.agreement == "disagree":
        return _rescore(h, 0.45, f"{vote.value}/{reading.code}"), "so_ky_hieu.readers_disagree"
    guess = best or reading.number
    if guess is not None:
        # one reading of handwriting, however unanimous, is not a witness of its own
        return _rescore(h, 0.5, f"{guess}/{reading.code}"), "so_ky_hieu.handwritten"
    return _rescore(h, 0.3), "so_ky_hieu.number_unread"


def _complete(digits: str | None, part: str) -> str | None:
    """A handwritten day or month as Decree 30 writes it, else None (a digit of it was probably lost).

    Days below 10 and the months 1 and 2 carry a leading zero (``ngày 05 tháng 02``), so a day is always
    two digits and a one-digit month is 3–9: a reading of ``2`` for ``27`` is incomplete, not a date.
    """
    if digits is None:
        return None
    if part == "day":
        return digits if len(digits) == 2 else None
    return digits if len(digits) == 2 or digits not in ("1", "2") else None


def _two_digit_day(vote: BlankVote, blank: BlankReading | None) -> BlankVote:
    """A day voted as one digit, completed by the one two-digit reading of the blank that contains it.

    A day always has two digits (``05``, Decree 30), so ``8`` is a digit lost; when one reading of the
    blank, by any recognizer, has the two (``08`` among ``8 8 8 08``), that is the likelier day, and it
    goes to review as a disagreement. So with ``0`` (``02`` among ``0 0 0 02``), which is no day.
    """
    if blank is None or (vote.value is not None and len(vote.value) != 1):
        return vote
    seen = {*blank.readings, *blank.digits_readings, blank.line_value or "", blank.first.strip()}
    # no vote at all when every reader read a lone 0 (no day is 0): the digit they saw is the witness
    short = {vote.value} if vote.value else {v for v in seen if len(v) == 1 and v.isdigit()}
    longer = {
        v for v in seen if len(v) == 2 and v.isdigit() and 1 <= int(v) <= 31 and any(d in v for d in short)
    }
    if len(longer) != 1:
        return vote
    return replace(vote, value=longer.pop(), agreement="disagree", neural_conf=0.0)


def _seven_for_one(vote: BlankVote) -> BlankVote:
    """A day of no month (``73``) whose first digit is a handwritten 1 read as 7 (its flag and stroke).

    ``73`` is no day, ``13`` is: the likelier reading, in review as a disagreement.
    """
    v = vote.value
    if v is None or len(v) != 2 or not v.isdigit() or int(v) <= 31 or v[0] != "7":
        return vote
    return replace(vote, value="1" + v[1], agreement="disagree", neural_conf=0.0)


def _signed_soon_after(date: dt.date, signed: dt.date | None) -> bool:
    return signed is not None and 0 <= (signed - date).days <= _SIGNING_WINDOW_DAYS


def check_date(
    h: Hit, reading: DateReading | None, w: Witnesses, blanks: dict[str, BlankReading] | None = None
) -> tuple[Hit, str | None]:
    """Decide the issue date from its readings (line, blank re-reads) and the signing time."""
    signed = w.earliest_signing()
    blanks = blanks or {}
    if reading is not None:
        votes = {part: vote_blank(blanks.get(part)) for part in ("day", "month")}
        votes["day"] = _seven_for_one(_two_digit_day(votes["day"], blanks.get("day")))
        day, month = _complete(votes["day"].value, "day"), _complete(votes["month"].value, "month")
        fill: dict[str, int] = {}
        if reading.day is None and day is not None and 1 <= int(day) <= 31:
            fill["day"] = int(day)
        if reading.month is None and month is not None and 1 <= int(month) <= 12:
            fill["month"] = int(month)
        for part, value in (("day", day), ("month", month)):
            # The line's day or month is the full-page pass's reading of a blank it was unsure of: an
            # incomplete one ("3" of a handwritten "30") or one through look-alikes ("1ó" read as 10).
            # The blank's own readers are then the better witnesses, not a conflict; how far they are
            # trusted is decided below, by how they agree.
            blank, read = blanks.get(part), getattr(reading, part)
            if value is None or read is None or blank is None or votes[part].agreement == "disagree":
                continue
            first = blank.first.strip()
            if not first:
                continue  # a line read whole (no blank found): the line's own reading of the part stands
            if first.isdigit() and (
                _complete(first, part) is not None  # clean and complete: a real disagreement (conflict rule)
                or first not in value
                or votes[part].agreement != "both"
            ):
                continue
            reading = replace(reading, **{part: None})  # type: ignore[arg-type]
            fill[part] = int(value)
        lost = [part for part in ("day", "month") if getattr(reading, part) is None and part not in fill]
        line = line_date(blanks.get("day")) if lost else None
        from_line = {}
        if line is not None and line.year == reading.year:
            # a part the page and the blank's own readers all lost, read on the network's reading of the
            # whole date line (``ngày 04 tháng01 năm 2021`` where the page gave ``ngày 24 tháng năm``):
            # the date is complete, and a clerk checks it
            from_line = {part: v for part in lost if (v := getattr(line, part)) is not None}
            fill.update(from_line)
        blank_parts = {part: int(v) for part, v in (("day", day), ("month", month)) if v is not None}
        contested = [p for p, v in blank_parts.items() if getattr(reading, p) not in (None, v)]
        if contested:
            # the blank's readers against the full-page reading: a clerk checks either way. Shown is the
            # blank's value where its two recognizers agree on it or the network is sure of it (it reads
            # handwriting better), and never a date after the first signature when the other is not.
            fix = {
                part: blank_parts[part]
                for part in contested
                if votes[part].agreement in ("both", "weak") or votes[part].neural_conf >= _NEURAL_SURE
            }
            page = replace(reading, **fill).date  # type: ignore[arg-type]
            blank_date = replace(reading, **{**fill, **fix}).date if fix else None  # type: ignore[arg-type]
            shown, other = (blank_date, page) if blank_date else (page, None)
            if shown and other and signed and shown > signed >= other:
                shown = other
            return _rescore(h, 0.45, shown.isoformat() if shown else None), "ngay_ban_hanh.conflict"
        if fill:
            filled = replace(reading, **fill)  # type: ignore[arg-type]
            date = filled.date
            if date is not None:
                if signed is not None and date > signed:
                    return _rescore(h, 0.3, date.isoformat()), "ngay_ban_hanh.after_signature"
                used = [votes[part].agreement for part in fill]
                if from_line:
                    return _rescore(h, 0.45, date.isoformat()), "ngay_ban_hanh.line_reread"
                if "disagree" in used:
                    return _rescore(h, 0.45, date.isoformat()), "ngay_ban_hanh.readers_disagree"
                if all(a == "both" for a in used):
                    return _rescore(h, 0.8, date.isoformat()), None
                unsure = "neural_unsure" in used
                score = 0.7 if _signed_soon_after(date, signed) and not unsure else 0.5
                note = None if score >= 0.6 else "ngay_ban_hanh.handwritten"
                return _rescore(h, score, date.isoformat()), note
    date = reading.date if reading is not None else None
    if reading is not None and date is None:
        return _rescore(h, 0.3), "ngay_ban_hanh.day_unread" if reading.month else "ngay_ban_hanh.month_unread"
    if date is None:
        return h, None
    if signed is not None and date > signed:
        return _rescore(h, 0.3), "ngay_ban_hanh.after_signature"
    if reading is not None and reading.repaired:
        if _signed_soon_after(date, signed):
            return _rescore(h, 0.8), None
        return _rescore(h, 0.55), "ngay_ban_hanh.uncertain"
    return h, None


def _initials(text: str) -> str:
    return "".join(wd[0] for wd in fold(text).split() if wd[:1].isalpha())


def issuer_code_agrees(ky_hieu: str, issuer: str) -> bool | None:
    """Whether the issuer part of a ký hiệu abbreviates the issuer's name (None: nothing to compare).

    ``QĐ-UBND`` / ``ỦY BAN NHÂN DÂN TỈNH …`` → U B N D; ``SNgV-VP`` / ``SỞ NGOẠI VỤ`` → S N V;
    ``NĐ-CP`` / ``CHÍNH PHỦ`` → C P. Only capital letters of the code count (``Ng`` is one word).
    """
    parts = [p for p in re.split(r"[-/]", ky_hieu) if p and not p.isdigit()]
    if not parts:
        return None
    from pipeline.metadata.lexicon import type_by_code

    code = parts[1] if len(parts) > 1 and type_by_code(parts[0]) is not None else parts[0]
    letters = fold("".join(c for c in code if c.isupper() or c == "Đ"))
    if len(letters) < 2:
        return None
    # in order, not necessarily adjacent: a unit's code may skip its head word (Vụ Thị trường … → TTCA)
    it = iter(_initials(issuer))
    return all(any(c == x for x in it) for c in letters)


def _expand(name: str) -> str:
    folded = fold(name).replace("ubnd", "uy ban nhan dan").replace("hdnd", "hoi dong nhan dan")
    return " ".join(folded.split())


def names_issuer(issuer: str, w: Witnesses) -> bool:
    """Whether a signature or stamp names ``issuer`` (folded, abbreviations written out, one slip allowed)."""
    from rapidfuzz import fuzz

    key = _expand(issuer)
    return len(key) >= 4 and any(fuzz.ratio(key, _expand(n)) >= 90 for n in w.signing_bodies())


def check_issuer(
    h: Hit, ky_hieu: str | None, known: bool, w: Witnesses | None = None
) -> tuple[Hit, str | None]:
    """Lower an issuer that is not a known body, not abbreviated by the ký hiệu, not named by a signature."""
    agree = issuer_code_agrees(ky_hieu, str(h.value)) if ky_hieu else None
    if agree is False and not known:
        return _rescore(h, min(h.score, 0.5)), "co_quan_ban_hanh.code_mismatch"
    if agree is False:
        return _rescore(h, min(h.score, 0.8)), None
    if not known and agree is None and not (w is not None and names_issuer(str(h.value), w)):
        return _rescore(h, min(h.score, 0.7)), None
    return h, None


def yields_to_parent(ky_hieu: str, issuer: Hit, parent: Hit, known: bool) -> bool:
    """Whether the header's lowest line is no issuer but debris under it, so the body above issues.

    An unknown line that the ký hiệu does not abbreviate, under a body it does (a signature overlay's
    ``TRUNG TÂM CÔNG BÁO VÀ TIN HỌC`` under ``ỦY BAN NHÂN DÂN TỈNH …`` with ``QĐ-UBND``); the caller
    takes the body above, in doubt.
    """
    return (
        not known
        and issuer_code_agrees(ky_hieu, str(issuer.value)) is False
        and bool(issuer_code_agrees(ky_hieu, str(parent.value)))
    )


def check_code_year(number: Hit, ky_hieu: str, date: Hit | None) -> tuple[Hit, str | None]:
    """Lower a number whose year (``12/2025/QĐ-UBND``) is not the issue date's: one of them is misread.

    A legal document's number carries the year it was issued in (Decree 30, art. 8); which of the two
    readings is wrong the page does not say, so a clerk checks the number.
    """
    m = re.match(r"^(\d{4})/", ky_hieu)
    issued = str(date.value)[:4] if date is not None and date.value else ""
    if m is None or not issued.isdigit() or m.group(1) == issued:
        return number, None
    return _rescore(number, min(number.score, 0.5)), "so_ky_hieu.year_mismatch"


def check_code_issuer(number: Hit, ky_hieu: str, issuer: str) -> tuple[Hit, str | None]:
    """Lower a number whose ký hiệu does not abbreviate the issuer: two fields that disagree both doubt.

    :func:`check_issuer` doubts the issuer; the code may as well be the misread one, the more likely so
    when the issuer is a known body.
    """
    if issuer_code_agrees(ky_hieu, issuer) is False:
        return _rescore(number, min(number.score, 0.5)), "so_ky_hieu.code_mismatch"
    return number, None


#: the fixed abbreviations of the People's bodies: their codes do not spell the locality
_BODY_CODES = {"uy ban nhan dan": "UBND", "hoi dong nhan dan": "HĐND"}


def repair_body_code(ky_hieu: str, issuer: str) -> tuple[str, bool] | None:
    """The ký hiệu with a People's body's abbreviation restored where OCR changed a letter of it.

    Under ``ỦY BAN NHÂN DÂN TỈNH …`` the issuer part is ``UBND``; ``UBNĐ``, ``UBN``, ``UBMD`` or
    ``UBDN`` is that code misread (one edit, a swap counting as one). Returns the repaired ký hiệu and
    whether it differed only by diacritics (``UBNĐ``), else None.
    """
    from rapidfuzz.distance import DamerauLevenshtein

    from pipeline.metadata.lexicon import type_by_code

    key = _expand(issuer)  # ``UBND TỈNH …`` written out
    code = next((c for body, c in _BODY_CODES.items() if key == body or key.startswith(body + " ")), None)
    if code is None:
        return None
    parts = re.split(r"([-/])", ky_hieu)
    for i, part in enumerate(parts):
        if part in "-/" or not part or part.isdigit() or (type_by_code(part) is not None and part != code):
            continue
        if part == code or len(part) < 3 or DamerauLevenshtein.distance(fold(part), fold(code)) > 1:
            return None
        parts[i] = code
        return "".join(parts), fold(part) == fold(code)
    return None


def repair_type_code(ky_hieu: str, title_code: str, second: str | None = None) -> str | None:
    """The ký hiệu with its type code restored from the title when OCR changed one letter of it.

    ``TIr-SNgV`` under the title ``TỜ TRÌNH`` is ``TTr-SNgV``; ``BG-UBND`` under ``BÁO CÁO`` is
    ``BC-UBND``. An unknown code one edit away from the title's code is repaired; a known code that
    differs (``PC`` under ``BÁO CÁO``) only when ``second``, the code another recognizer read on the
    same line, has the title's code: two witnesses against one. Otherwise it is a real disagreement
    (see ``loai_van_ban.code_mismatch``).
    """
    from rapidfuzz.distance import Levenshtein

    from pipeline.metadata.lexicon import type_by_code

    parts = re.split(r"([-/])", ky_hieu)
    for i, part in enumerate(parts):
        if part in "-/" or not part or part.isdigit():
            continue
        if part == title_code:
            return None
        seconded = second is not None and type_part(second) == title_code
        if type_by_code(part) is not None and not seconded:
            return None
        if seconded or (Levenshtein.distance(fold(part), fold(title_code)) <= 1 and len(part) >= 2):
            parts[i] = title_code
            return "".join(parts)
        return None
    return None


#: a well-formed part of a ký hiệu: a capital and letters (``SNgV``, ``TTr``), or a year
_CODE_PART = re.compile(r"^(?:[A-ZĐ][A-Za-zĐđ]*|\d{4})$")


def _well_formed(code: str) -> bool:
    return all(_CODE_PART.match(p) for p in re.split(r"[-/]", code))


def _lost_letters(short: str, long: str) -> bool:
    """Whether ``short`` is ``long`` with one or two characters dropped (and nothing else changed)."""
    if not 0 < len(long) - len(short) <= 2:
        return False
    it = iter(long)
    return all(c in it for c in short)


def vote_code(printed: str, second: str | None) -> str | None:
    """The ký hiệu the network's reading of the line gives where Tesseract damaged the print, else None.

    Handwriting in the blank, written across the print, damages the code next to it: Tesseract drops a
    letter (``TLTNN-VP`` of ``VTLTNN-VP``), a part (``TTr`` of ``TTr-CLS``) or reads a mark into it
    (``BC-.uND``). The network reads the whole line again (``ocr.zones``); its code replaces the printed
    reading only when it is well formed (capitalised parts, a year) and the printed one is that code
    with letters lost, or is not well formed itself and only a few edits away. A difference of case
    alone, or two well-formed codes that differ otherwise, keep the printed reading: Tesseract reads
    print better than the line's network, whose codes may lose their diacritics.
    """
    from rapidfuzz.distance import Levenshtein

    if second is None or second == printed or not _well_formed(second):
        return None
    if printed.casefold() == second.casefold():
        return None
    if _well_formed(printed):
        lost_part = second.startswith(printed + "-")  # "TTr" of "TTr-CLS"
        return second if lost_part or _lost_letters(printed, second) else None
    budget = max(2, len(second) // 4)
    return second if Levenshtein.distance(fold(printed), fold(second)) <= budget else None


#: a part of a ký hiệu as offices spell them: initials in capitals, each perhaps with the second
#: letter of its consonant (``Ng`` of Ngoại, ``Tr`` of Trình, ``Th``, ``Tg`` of Thủ tướng), joined by
#: ``&`` or ``.`` (``SNN&PTNT``, ``KH.UBND``), a numbered unit's digits after them (``PV01``); or a year
_SPELT_PART = re.compile(r"^(?:\d{4}|(?:[A-ZĐ][ghr]?)+(?:[&.](?:[A-ZĐ][ghr]?)+)*\d{0,3})$")


def code_garbled(ky_hieu: str) -> bool:
    """Whether OCR garbled a ký hiệu's letters: a part no office spells (``SNgv``, ``SNqV``, ``5NgV``).

    The check is of form only: a well-spelt code may still be another office's; the issuer and the
    title check that (``co_quan_ban_hanh.code_mismatch``, ``loai_van_ban.code_mismatch``).
    """
    parts = [p for p in re.split(r"[-/]", ky_hieu.split("/", 1)[1] if "/" in ky_hieu else ky_hieu) if p]
    return not all(_spelt(p) for p in parts)


def _spelt(part: str) -> bool:
    from pipeline.metadata.lexicon import type_by_code

    if _SPELT_PART.match(part):
        return True
    listed = type_by_code(part)  # a type code of Decree 30's list is spelt as listed (``QyĐ``)
    return listed is not None and listed.code == part


def issuer_picks_code(printed: str, second: str, issuer: Hit | None) -> str:
    """Of two readings of a ký hiệu that disagree, the network's when only it abbreviates the issuer.

    ``QĐ-VILTNN`` against ``QĐ-VTLTNN`` under ``CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC``; ``BC-UuBNDb`` (its
    capitals still spell UBND, but no office writes it so) against ``BC-UBND``. Otherwise the printed
    reading stays: Tesseract reads print better than the line's network.
    """
    if issuer is None or issuer_code_agrees(second, str(issuer.value)) is not True:
        return printed
    if issuer_code_agrees(printed, str(issuer.value)) is False or code_garbled(printed):
        return second
    return printed


def codes_disagree(printed: str, second: str | None) -> bool:
    """Whether the network's reading of the number line gives another ký hiệu than the printed one.

    :func:`vote_code` settles the cases where one reading plainly lost letters; what it leaves are two
    readings that both look like a code (``BC-UuBNDb`` where handwriting crossed the print, against
    ``BC-UBND``; ``UBND-TH`` against ``UBND-VX``). Neither recognizer is sure to be the right one, so
    the code goes to a clerk. Case and diacritics do not count: the network drops the latter.
    """
    if second is None or not _well_formed(second):
        return False
    return fold(printed).casefold() != fold(second).casefold()
