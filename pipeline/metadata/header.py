"""Fields of the header block: issuing body and its parent, number and code, place and date, marks.

Works on :class:`~pipeline.metadata.layout.TextLine` lists of the first page in reading order; every
pattern is matched on folded text (no diacritics, lower case) so OCR that lost or confused tone marks
still matches, and values are reported with proper Vietnamese spelling.
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.metadata.casing import repair_place, repair_upper
from pipeline.metadata.dates import DateReading, read_date
from pipeline.metadata.evidence import Hit, hit, hits_join
from pipeline.metadata.layout import BODY, HEADER_LEFT, HEADER_RIGHT, TextLine, join_rows, number_cut
from pipeline.metadata.lexicon import type_by_code, type_by_name
from pipeline.metadata.names import syllable_ok
from pipeline.metadata.normalize import clean_spaces, fold
from pipeline.metadata.numbers import NumberReading, clean_code, read_number, type_part
from pipeline.metadata.reference import deglue, snap_issuer
from sohoa.model.ocr import BlankReading

__all__ = ["find_date", "find_issuer", "find_marks", "find_number", "parse_date", "NUMBER_LINE"]

#: "Số:" label as OCR reads it: So, Sô, Số, S6, S0, with or without the colon
NUMBER_LINE = re.compile(r"^\W{0,2}s[o06]\s*(?:(?:va\s*)?ky\s*hieu\s*)?[:;.,]?\s*(?=[0-9OolI|]{1,6}\s*/)")
_NUM_TOKEN = re.compile(r"[0-9OolI|]{1,6}(?:\s*/\s*[\w.\-Đđ]+(?:\s*[-/]\s*[\w.Đđ]+)*)")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


def _header_top(lines: list[TextLine], limit: int = 40) -> list[TextLine]:
    """The lines of page 1 that can hold header fields: both header columns and the top of the body."""
    first = lines[0].page if lines else 1
    return [ln for ln in lines if ln.page == first][:limit]


def parse_number(text: str) -> tuple[str, int, str] | None:
    """Split ``1340/QĐ-UBND`` into (canonical so_ky_hieu, so, ky_hieu); None if it is not a number."""
    m = _NUM_TOKEN.match(text.strip())
    if not m:
        return None
    raw = m.group()
    num, _, rest = raw.partition("/")
    num = num.strip().translate(_DIGIT_FIX)
    if not num.isdigit():
        return None
    code = clean_code(rest)
    if not re.search(r"[A-Za-zĐđ]", code):
        return None
    return f"{num}/{code}", int(num), code


_VN_DATE = re.compile(
    r"ng[a-z]{1,3}\s*([0-9OolI]{1,2})\s*[,.]?\s*th[a-z]{2,4}\s*([0-9OolI]{1,2})\s*[,.]?\s*n[a-z]{1,3}\s*([0-9OolI]{4})"
)
_NUM_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_MIN_YEAR = 1945


def valid_date(day: int, month: int, year: int) -> dt.date | None:
    """The date if it exists and the year is plausible for an administrative document, else None."""
    if not _MIN_YEAR <= year <= dt.date.today().year + 1:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str) -> tuple[dt.date, int, int] | None:
    """The first valid date in ``text`` (``ngày 03 tháng 3 năm 2023``, ``03/3/2023``, ``03-03-2023``).

    Returns:
        The date and its (start, end) offsets in ``text``, or None.
    """
    f = fold(text)
    for pattern in (_VN_DATE, _NUM_DATE):
        for m in pattern.finditer(f):
            d, mo, y = (int(g.translate(_DIGIT_FIX)) for g in m.groups())
            date = valid_date(d, mo, y)
            if date is not None:
                return date, m.start(), m.end()
    return None


def _rows(lines: list[TextLine]) -> list[TextLine]:
    """Lines of one zone with pieces on the same row joined left to right (a blank cut them apart)."""
    return join_rows(lines, apart=_issuer_then_number)


def _issuer_then_number(a: TextLine, b: TextLine) -> bool:
    """Whether ``a`` and ``b`` are an issuer line and the number line the layout cut from it."""
    left, right = (a, b) if a.box and b.box and a.box[0] <= b.box[0] else (b, a)
    return number_cut(f"{left.text} {right.text}") == len(left.text) + 1


def _number_candidates(lines: list[TextLine]) -> list[TextLine]:
    """Lines that may hold ``Số:``: the left header column, then the top of page 1 above the title."""
    top = _header_top(lines)
    left = _rows([ln for ln in top if ln.zone == HEADER_LEFT])
    body: list[TextLine] = []
    for ln in top:
        if ln.zone != BODY:
            continue
        letters = re.sub(r"[^\w\s]|\d|_", " ", ln.text).strip()
        if letters and letters == letters.upper() and type_by_name(letters) is not None:
            break  # the title: the number is printed above it
        body.append(ln)
    return left + _rows(sorted(body, key=lambda x: (x.box[1], x.box[0]) if x.box else (0, 0)))


def find_number(lines: list[TextLine]) -> tuple[Hit | None, NumberReading | None]:
    """``Số: 1340/QĐ-UBND`` from the left header column (or the top of page 1 above the title).

    Returns:
        The hit (value ``88/QĐ-UBND``, or only the printed part ``/QĐ-UBND`` when the number in the
        blank is unreadable) and the reading behind it, for the caller to weigh other witnesses.
    """
    candidates = _number_candidates(lines)
    for ln in candidates:
        reading = read_number(ln.text)
        if reading is None:
            continue
        score = 0.97 if ln.zone == HEADER_LEFT else 0.9
        return hit(reading.value, ln, reading.start, reading.end, score), reading
    # The label itself lost (handwriting drawn over it, a fold): a left-column line that is only a
    # number and a printed code with its dash (``246 /TTr-CLS``) is the number line; less sure.
    for ln in candidates:
        reading = _unlabelled_number(ln.text) if ln.zone == HEADER_LEFT else None
        if reading is not None:
            return hit(reading.value, ln, reading.start, reading.end, 0.8), reading
    return None, None


def _unlabelled_number(text: str) -> NumberReading | None:
    """A number and a printed code with its dash and no label (``246 /TTr-CLS``, ``/QĐ-UBND``)."""
    reading = read_number(text, labelled=False)
    if reading is None or "-" not in reading.code:
        return None
    if re.search(r"[^\W\d]", text[: reading.end].split("/")[0]):
        return None  # letters before the slash ("V/v …"): not a number
    return reading


def line_number(blank: BlankReading | None) -> NumberReading | None:
    """The number line as the neural recognizer read it (``ocr.zones``), parsed; None without one."""
    if blank is None or blank.kind != "number" or not blank.line_text:
        return None
    text = blank.line_text
    if "/" not in text:
        # the network lost the slash between the digits and a code ("So:915BC-SNgV"): a code is a
        # capital, a few letters, a dash, more letters
        text = re.sub(r"(\d)\s*[|il]?\s*(?=[A-Z][A-Za-z]{0,7}-[A-Za-z])", r"\1/", text, count=1)
    reading = read_number(text) or read_number(text, labelled=False)
    return reading if reading is not None and "-" in reading.code else None


def number_from_line_reading(
    lines: list[TextLine], blank: BlankReading | None
) -> tuple[Hit | None, NumberReading | None]:
    """The number line as the second recognizer read it, for a page whose OCR garbled it past parsing.

    ``ocr.zones`` reads the whole ``Số:`` line again with the neural recognizer (``S6: 04 /BC-SNgV``
    where Tesseract gave ``sẽ: Ø4 ÕBC-sNgv``). The network may drop the diacritics of a code: the type
    code is restored (``QD`` → ``QĐ``) by :func:`numbers.clean_code`, other codes are taken as read, so
    the caller sends the value to review. The evidence is the page line the blank lies on.
    """
    reading = line_number(blank)
    line = _line_at(_number_candidates(lines), blank)
    if reading is None or line is None:
        return None, None
    return hit(reading.value, line, 0, len(line.text), 0.6), reading


def line_date(blank: BlankReading | None) -> DateReading | None:
    """The date line as the neural recognizer read it around the day blank, parsed; None without one."""
    if blank is None or blank.kind != "day" or not blank.line_text:
        return None
    return read_date(fold(blank.line_text))


def date_from_line_reading(
    lines: list[TextLine], blank: BlankReading | None
) -> tuple[Hit | None, DateReading | None]:
    """The date line as the second recognizer read it, for a page whose OCR garbled its words.

    ``ngay 27 thang 12 nam 2021`` where Tesseract gave ``ngàv 2# thúnq 12``: too far from the printed
    words to match; the caller sends the value to review.
    """
    reading = line_date(blank)
    line = _line_at(_header_top(lines, 30), blank)
    if reading is None or reading.date is None or line is None:
        return None, None
    return hit(reading.date.isoformat(), line, 0, len(line.text), 0.6), reading


def _line_at(candidates: list[TextLine], blank: BlankReading | None) -> TextLine | None:
    """The first-page line a blank lies on (the evidence for a value read from the blank's line)."""
    if blank is None:
        return None
    _x, y, _w, bh = blank.box
    mid = y + bh / 2
    return next(
        (c for c in candidates if c.box and c.page == 1 and c.box[1] <= mid <= c.box[1] + c.box[3]), None
    )


#: a place before the date words whose comma OCR lost: one to five words (``TP.`` too), each capitalised
#: and more than one letter (a lone letter is a speck of the seal or the rule)
_PLACE_UNMARKED = re.compile(r"^\W*((?:[^\W\d_]+\.?\s+){0,4}[^\W\d_]+)\s*[.;]?\s*$")
#: a clock time: the date beside it is a signing time, not an issue date
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


def find_date(lines: list[TextLine]) -> tuple[Hit | None, Hit | None, DateReading | None]:
    """``<place>, ngày dd tháng mm năm yyyy`` → (ngay_ban_hanh hit, noi_ban_hanh hit, reading).

    A date whose day or month could not be read gives a hit with the printed part only (``2025-02``,
    reduced-precision ISO 8601) and a low score; the reading says which parts are missing. A line with
    the date words comes first; a date in figures (``Sơn La, 14/7/2023``) only when no line has them, and
    never one with a clock time: that is a digital signature's stamp (``Hồi 17.01.2025 09:17:04``).
    """
    top = _header_top(lines, 30)
    candidates = _rows([ln for ln in top if ln.zone == HEADER_RIGHT]) + _rows(
        [ln for ln in top if ln.zone != HEADER_RIGHT]
    )
    readings = [(ln, read_date(ln.folded)) for ln in candidates]
    for ln, reading in readings:
        found = _date_hit(ln, reading) if reading is not None else None
        if found is not None:
            return found
    for ln, reading in readings:
        numeric = parse_date(ln.text) if reading is None and not _CLOCK.search(ln.text) else None
        if numeric is not None:
            date, a, b = numeric
            found = _date_hit(ln, DateReading(date.day, date.month, date.year, False, a, b))
            if found is not None:
                return found
    return None, None, None


def _date_hit(ln: TextLine, reading: DateReading) -> tuple[Hit, Hit | None, DateReading] | None:
    """The issue date that ``reading`` of line ``ln`` gives, with its place, or None if it gives none."""
    a, b = reading.start, reading.end
    before = ln.text[:a]
    place_hit = None
    # "<place>, ngày 05/8/2025": the word "ngày" may stand before a date written in figures
    m = re.search(r"([^,]{2,40}),\s*(?:ng\w{1,3}\s*)?$", before)
    if m and re.search(r"[A-Za-zÀ-ỹĐđ]", m.group(1)):
        place = clean_spaces(re.sub(r"^[^\wÀ-ỹĐđ]+", "", m.group(1)))
        place_hit = hit(repair_place(place), ln, m.start(1), m.end(1), 0.95)
    in_right = ln.zone == HEADER_RIGHT
    m = _PLACE_UNMARKED.match(before) if place_hit is None and in_right else None
    if m and all(w[:1].isupper() and len(w.strip(".")) > 1 for w in m.group(1).split()):
        # the comma lost to OCR (or read as a full stop): the capitalised words before the date
        place_hit = hit(repair_place(clean_spaces(m.group(1))), ln, m.start(1), m.end(1), 0.85)
    if not in_right and place_hit is None and ln.zone == BODY:
        return None  # a bare date in the body is a date the text talks about, not the issue date
    score = 0.98 if in_right and place_hit else 0.93 if in_right or place_hit else 0.8
    full = reading.date
    if full is None:
        if reading.partial is None or None not in (reading.day, reading.month):
            return None  # nothing, or every part read and no such day: not a date
        return hit(reading.partial, ln, a, b, 0.3), place_hit, reading
    return hit(full.isoformat(), ln, a, b, score), place_hit, reading


_MARKS = {
    "khan": ("do_khan", "Khẩn"),
    "thuong khan": ("do_khan", "Thượng khẩn"),
    "hoa toc": ("do_khan", "Hỏa tốc"),
    "hoa toc hen gio": ("do_khan", "Hỏa tốc"),
    "mat": ("do_mat", "Mật"),
    "toi mat": ("do_mat", "Tối mật"),
    "tuyet mat": ("do_mat", "Tuyệt mật"),
}


def find_marks(lines: list[TextLine]) -> dict[str, Hit]:
    """Urgency and secrecy marks (``KHẨN``, ``HỎA TỐC``, ``MẬT`` ...) printed as their own line."""
    found: dict[str, Hit] = {}
    for ln in _header_top(lines, 25):
        letters = re.sub(r"[^\w\s]|\d|_", " ", ln.text)
        if not letters.strip() or letters.strip() != letters.strip().upper():
            continue  # marks are stamped in capitals; "mặt" in a sentence is not one
        key = " ".join(fold(letters).split())
        if key in _MARKS:
            name, value = _MARKS[key]
            found.setdefault(name, hit(value, ln, 0, len(ln.text), 0.95))
    return found


# Words that start the name of an agency: a line beginning with one starts a new unit of the header.
_UNIT_HEADS = (
    "bo", "cuc", "tong cuc", "chi cuc", "so", "uy ban", "ubnd", "hoi dong", "hdnd", "van phong", "vu", "vien",
    "ban", "truong", "trung tam", "phong", "cong an", "toa an", "dai su quan", "tong lanh su quan",
    "lanh su quan", "co quan dai dien", "phai doan", "dang uy", "tinh uy", "thanh uy", "huyen uy", "mat tran",
    "doan", "hoi", "cong ty", "tap doan", "ngan hang", "kho bac", "chi nhanh", "thanh tra", "bao hiem",
    "hoc vien", "dai hoc", "benh vien", "bo tu lenh", "bo chi huy", "quan khu", "chinh phu", "quoc hoi",
    "kiem toan", "vien kiem sat", "tong lien doan", "lien doan", "tong cong ty", "tinh doan", "thanh doan",
    "dang bo",
)  # fmt: skip


def _deglued(line: TextLine) -> TextLine:
    """A header line whose words ran together (``SỞNGOẠIVỤ``, ``SỞTƯ PHÁP``) as the known body it spells.

    Spaces are ignored in the comparison, so a glue anywhere in the name is undone.
    """
    name = deglue(line.text)
    if name is None or name == line.text:
        return line
    return TextLine(name, line.page, line.zone, line.box, line.conf)


def _glued_head(first: str) -> int:
    """The length of a one-word unit head glued to the next word (``cuclanh`` → 3), else 0.

    The rest must be a syllable of two letters or more: ``BẢNG`` is no ``BAN`` + ``G``.
    """
    for h in _UNIT_HEADS:
        rest = first[len(h) :]
        if " " not in h and first.startswith(h) and len(rest) >= 2 and syllable_ok(rest):
            return len(h)
    return 0


def _starts_unit(line: str, previous: str | None) -> bool:
    if previous is not None and re.search(r"(\bva|[-,&])\s*$", fold(previous)):
        return False  # the previous line was cut in the middle of a name
    words = fold(line).split()
    if len(words) < 2 and previous is not None:
        return False  # a lone word ("VỤ", "NƯỚC") is the tail of a wrapped name
    head = " ".join(words[:4])
    return any(head == h or head.startswith(h + " ") for h in _UNIT_HEADS) or _glued_head(words[0]) > 0


def _unglued(line: TextLine) -> TextLine:
    """The line with a space put back after a unit head glued to the next word (``CỤCLÃNH SỰ``)."""
    text = line.text.lstrip()
    folded = fold(text)
    cut = _glued_head(folded.split()[0]) if folded.split() and len(folded) == len(text) else 0
    if not cut:
        return line
    return TextLine(f"{text[:cut]} {text[cut:]}", line.page, line.zone, line.box, line.conf)


def _lines_text(lines: list[TextLine]) -> str:
    return " ".join(ln.text for ln in lines)


def _is_noise(line: str) -> bool:
    letters = re.findall(r"[A-Za-zÀ-ỹĐđ]", line)
    return len(letters) < 2 or bool(re.fullmatch(r"[\W\d_]+", line))


def find_issuer(lines: list[TextLine]) -> tuple[Hit | None, Hit | None]:
    """Issuing body and its parent from the left header column, above ``Số:``.

    Lines are grouped into units: a line that starts with an agency word (``BỘ``, ``CỤC``, ``SỞ``,
    ``ỦY BAN`` ...) opens a unit, other lines continue the one above (``ỦY BAN NHÂN DÂN`` +
    ``TỈNH LÀO CAI``). The last unit is the issuer, the ones above it its parent.

    Returns:
        (co_quan_ban_hanh hit, co_quan_chu_quan hit); either may be None.
    """
    top = _header_top(lines)
    left = _rows([ln for ln in top if ln.zone == HEADER_LEFT])
    if not left:
        left = top[:8]
    block: list[TextLine] = []
    for ln in left:
        f = ln.folded
        if (
            NUMBER_LINE.match(f)
            or read_number(ln.text) is not None
            or _unlabelled_number(ln.text) is not None
            or re.match(r"^\W{0,2}(v\s*[/|l1]\s*v|ve viec)\b", f)
        ):
            break
        if _is_noise(ln.text) or ln.text.strip().isdigit() or _MOTTO_LIKE.search(f):
            continue
        if (
            fold(re.sub(r"[^\w\s]", " ", ln.text)).split()
            and " ".join(fold(re.sub(r"[^\w\s]", " ", ln.text)).split()) in _MARKS
        ):
            continue
        block.append(ln)
    # A header is printed in capitals; lower-case lines here are body text that leaked upwards.
    block = [ln for ln in block if _upper_ratio(ln.text) >= 0.6]
    block = [_unglued(_deglued(ln)) for ln in block]
    if not block:
        return None, None
    units: list[list[TextLine]] = []
    prev: str | None = None
    for ln in block:
        if not units or _starts_unit(ln.text, prev):
            units.append([ln])
        else:
            units[-1].append(ln)
        prev = ln.text
    if (
        len(units) > 1
        and not _starts_unit(units[0][0].text, None)
        and (_upper_ratio(_lines_text(units[0])) < 0.95 or not snap_issuer(_lines_text(units[0])).known)
    ):
        # above the first body, a fragment that names no body (no agency word opens it, no known body
        # is spelt) is a stamp's or seal's debris ("li CỘNG BẢO", "J2 BẢO VÀ TÌN HỌC" of a signature
        # overlay), not the parent body
        units = units[1:]
    issuer_lines = units[-1]
    issuer = hits_join(
        repair_upper(clean_spaces(_lines_text(issuer_lines))),
        [(ln, 0, len(ln.text)) for ln in issuer_lines],
        0.95 if len(units) <= 3 else 0.8,
    )
    parent = None
    if len(units) > 1:
        parent_lines = [ln for u in units[:-1] for ln in u]
        parent = hits_join(
            repair_upper(clean_spaces(_lines_text(parent_lines))),
            [(ln, 0, len(ln.text)) for ln in parent_lines],
            0.9,
        )
    return issuer, parent


_MOTTO_LIKE = re.compile(r"cong\s*hoa\s*xa\s*hoi|doc\s*lap\s*[-–]?\s*tu\s*do|hanh\s*phuc")


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def type_from_number(code: str) -> tuple[str | None, str | None]:
    """(loai_van_ban, ma_loai) implied by a ký hiệu; công văn numbers carry no type code."""
    first = type_part(code)
    if first is None:
        return None, None
    if first.upper() == "CV":
        return "Công văn", None
    t = type_by_code(first)
    if t is None:
        return None, None
    return t.name, t.code
