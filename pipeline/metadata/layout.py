"""Lines of a page in the reading order metadata extraction expects, tagged with their zone.

A Decree 30 page has two columns at the top (issuer + number on the left, national motto + place/date
on the right) and two at the bottom (``Nơi nhận`` on the left, the signer on the right). Plain OCR text
merges each pair into single lines. This module undoes that:

- with word boxes, by splitting each OCR line at its widest gap and assigning the pieces by x position;
- with the OCR engine's ``region`` hints, by trusting them, but only when there are no word boxes (the
  hints are less reliable than the boxes in the closing area, see ``page_lines``);
- with plain text only, by cutting merged lines where right-column content (motto, ``<place>, ngày``,
  signer titles) starts.

The result is a list of :class:`TextLine` in the order: left header, right header, body, left closing,
right closing. It knows nothing of the fields themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median

import regex
from rapidfuzz import fuzz

from pipeline.metadata.normalize import clean_spaces, fold, nfc
from pipeline.metadata.rereads import apply_rereads
from sohoa.model.ocr import Box, OcrPage, Word

__all__ = [
    "HEADER_LEFT",
    "HEADER_RIGHT",
    "BODY",
    "CLOSING_LEFT",
    "CLOSING_RIGHT",
    "TextLine",
    "join_lines",
    "join_rows",
    "number_cut",
    "page_lines",
    "text_lines",
    "union",
]

HEADER_LEFT = "header-left"
HEADER_RIGHT = "header-right"
BODY = "body"
CLOSING_LEFT = "closing-left"
CLOSING_RIGHT = "closing-right"


@dataclass(frozen=True)
class Span:
    """One word inside a line: character offsets, box and confidence (0..1)."""

    start: int
    end: int
    box: Box
    conf: float


@dataclass(frozen=True)
class TextLine:
    """One line of text with where it is and how well it was read."""

    text: str
    page: int = 1
    zone: str = BODY
    box: Box | None = None
    conf: float | None = None  # 0..1; None for plain text
    words: tuple[Span, ...] = field(default=())

    @property
    def folded(self) -> str:
        """Accent-folded text, same length as ``text``."""
        return fold(self.text)

    def evidence(self, start: int = 0, end: int | None = None) -> tuple[Box | None, float | None]:
        """Box and mean confidence of the words overlapping ``text[start:end]``."""
        end = len(self.text) if end is None else end
        hit = [w for w in self.words if w.end > start and w.start < end]
        if not hit:
            return self.box, self.conf
        return union([w.box for w in hit]), sum(w.conf for w in hit) / len(hit)


def join_lines(a: TextLine, b: TextLine) -> TextLine:
    """One line of ``a`` then ``b`` (the two pieces of a row a wide blank cut apart), word boxes kept."""
    shift = len(a.text) + 1
    words = a.words + tuple(Span(w.start + shift, w.end + shift, w.box, w.conf) for w in b.words)
    boxes = [x for x in (a.box, b.box) if x is not None]
    confs = [w.conf for w in words]
    conf = sum(confs) / len(confs) if confs else a.conf
    return TextLine(f"{a.text} {b.text}", a.page, a.zone, union(boxes) if boxes else None, conf, words)


def join_rows(
    lines: list[TextLine], apart: Callable[[TextLine, TextLine], bool] = lambda a, b: False
) -> list[TextLine]:
    """The lines with consecutive pieces of one row joined left to right, word boxes kept.

    A blank of the form, or a seal over a title, cuts a printed line into pieces OCR returns apart
    (``Số: 88`` | ``/QĐ-UBND``, ``°BỘ`` | ``TRƯỞNG``). Pieces are of one row when their middles are less
    than half a line apart and they lie side by side: two readings of the same words on top of each
    other stay two lines, and so do the pieces ``apart`` says to keep apart.
    """
    out: list[TextLine] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.box is not None
            and ln.box is not None
            and prev.zone == ln.zone
            and prev.page == ln.page
            and abs((prev.box[1] + prev.box[3] / 2) - (ln.box[1] + ln.box[3] / 2))
            < 0.5 * max(prev.box[3], ln.box[3])
            and (ln.box[0] >= prev.box[0] + prev.box[2] or ln.box[0] + ln.box[2] <= prev.box[0])
            and not apart(prev, ln)
        ):
            out[-1] = join_lines(prev, ln) if prev.box[0] <= ln.box[0] else join_lines(ln, prev)
        else:
            out.append(ln)
    return out


def union(boxes: list[Box]) -> Box:
    """The smallest box holding all of ``boxes``."""
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


# --- right-column and closing markers (on folded text) ---------------------------------------------
_MOTTO = re.compile(r"c[o0]ng\s*h[o0]a\s*x[a4]\s*h[o0]i|d[o0]c\s*l[a4]p\s*[-–—~]?\s*t[uư]\s*d[o0]")
#: ``, ngày … tháng 02``: the day's blank holds a written day, anything short OCR made of it (``0ø``,
#: ``1ó``), nothing, or two pieces of one (``1 7``)
_DATE_AFTER_PLACE = re.compile(
    r",\s*ng[a-z]{1,3}\s*(?:\d{1,2}|\S{0,4}\s|(?:\S{1,3}\s+){2})\s*th[a-z]{2,4}\s*\d{1,2}"
)
_DATE_ANY = re.compile(r"\bngay\s*\d{1,2}\s*thang\s*\d{1,2}\s*nam\s*\d{4}")
_NUMBER_LINE = re.compile(r"^\s*s[o06ố]\s*[:;.]?\s*\d")
_NOI_NHAN = re.compile(r"^\W{0,3}n[o0]i\s*nh[a4]n\b")
_SIGN_AUTH = re.compile(r"(?:^|\s)(?:KT|TM|TL|TUQ|Q)\s*[.,]\s*\S")


def _place_start(line: str, comma: int) -> int:
    """Where the place name before ``, ngày`` begins: up to five capitalised words back."""
    tokens = list(re.finditer(r"\S+", line[:comma]))
    start = comma
    taken = 0
    for tok in reversed(tokens):
        word = tok.group()
        if taken >= 5 or not (word[0].isupper() or word in ("-", "–")) or re.search(r"[/:\d]", word):
            break
        start = tok.start()
        taken += 1
    return start


def _right_cut(line: str) -> int | None:
    """Index where right-header content starts in a (possibly merged) header line, else None."""
    f = fold(line)
    cuts = []
    m = _MOTTO.search(f)
    if m:
        cuts.append(m.start())
    m = _DATE_AFTER_PLACE.search(f)
    if m:
        cuts.append(_place_start(line, m.start()))
    return min(cuts) if cuts else None


#: inside a left-column line, where a number part starts: the ``Số:`` label, or a number and code
#: with its dash (``12/QĐ-SYT``, ``/QĐ-SYT`` when the blank is empty)
_NUMBER_PART = re.compile(r"(?<=\s)(?:s[o06]\s*[:;.]|(?:[0-9oil|]{1,6}\s*)?/\s*[a-z]{1,6}\w*\s*-\s*\w)")


def number_cut(line: str) -> int | None:
    """Index where the number starts in an issuer line that the number line ran into, else None.

    At low resolution or under a skew the issuer's last line and the number line under it come back as
    one OCR line (``SỞ Y TẾ /QĐ-SYT``, ``TỈNH QUẢNG NGÃI Số: 4 /QĐ-UBND``); the capitals before the
    number are the issuer's, not debris of the number.
    """
    for m in _NUMBER_PART.finditer(fold(line)):
        letters = [c for c in line[: m.start()] if c.isalpha()]
        if len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) >= 0.8:
            return m.start()
    return None


def _split_header_text(lines: list[str]) -> tuple[list[str], list[str], int]:
    """Split the top of a plain-text page into left and right header columns.

    Returns the left lines, the right lines and how many input lines the header used.
    """
    left: list[str] = []
    right: list[str] = []
    seen_number = seen_date = False
    used = 0
    for i, line in enumerate(lines[:25]):
        f = fold(line)
        cut = _right_cut(line)
        if cut is None:
            if seen_date and (seen_number or i > 8):
                break
            if _is_title_like(line) and (seen_number or seen_date):
                break
            if f.startswith(("kinh gui", "can cu")):
                break
            left += _cut_number(line)
        else:
            if line[:cut].strip():
                left += _cut_number(line[:cut].strip())
            right.append(line[cut:].strip())
            if _DATE_AFTER_PLACE.search(f) or _DATE_ANY.search(f):
                seen_date = True
        if _NUMBER_LINE.match(f):
            seen_number = True
        used = i + 1
    if not right and not seen_number:
        return [], [], 0
    return left, right, used


def _cut_number(line: str) -> list[str]:
    cut = number_cut(line)
    return [line] if cut is None else [line[:cut].strip(), line[cut:].strip()]


def _is_title_like(line: str) -> bool:
    from pipeline.metadata.lexicon import type_by_name

    return type_by_name(line) is not None and line.upper() == line


def _split_closing_text(line: str) -> tuple[str, str]:
    """Cut a merged closing line into the ``Nơi nhận`` part and the signer part."""
    f = fold(line)
    m = _NOI_NHAN.match(f)
    if m:
        rest = line[m.end() :].lstrip(" :;.")
        return line[: m.end()] + ":", rest
    m = _SIGN_AUTH.search(line)
    if m and m.start() > 0:
        return line[: m.start()].strip(), line[m.start() :].strip()
    # An item ends with ';' or '.'; whatever follows on the same line belongs to the signer block.
    m = re.search(r"[;.]\s+(?=\S{2,})", line)
    if m and line.lstrip()[:1] in "-–+•*":
        tail = line[m.end() :]
        if re.search(r"[A-ZÀ-Ỹ]", tail[:1] or " ") or tail.isupper():
            return line[: m.end()].strip(), tail.strip()
    m = re.search(r"(?:\s[A-ZĐÀ-Ỹ]{2,}){2,}\s*$", line)
    if m and m.start() > 0:
        return line[: m.start()].strip(), line[m.start() :].strip()
    return line, ""


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _split_closing_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """Separate the ``Nơi nhận`` column from the signer block in plain text (merged or in order)."""
    left: list[str] = []
    right: list[str] = []
    list_done = False
    for x in lines:
        stripped = x.lstrip()
        dash = stripped[:1] in "-–+•*"
        if list_done or (not dash and (_SIGN_AUTH.match(" " + stripped) or _caps(stripped)) and left):
            right.append(x)
            continue
        a, b = _split_closing_text(x)
        if a:
            left.append(a)
            if re.match(r"^[-–+•]?\s*l[uư]u\b", fold(a.lstrip("-–+• "))) and a.rstrip().endswith("."):
                list_done = True  # "Lưu: VT, ..." is the last item
        if b:
            right.append(b)
    return left, right


def text_lines(text: str, page: int = 1) -> list[TextLine]:
    """Lines of a plain-text page, header and closing columns separated as far as the text allows."""
    raw = [clean_spaces(nfc(x)) for x in text.splitlines()]
    raw = [x for x in raw if x]
    left, right, used = _split_header_text(raw)
    out = [TextLine(x, page, HEADER_LEFT) for x in left] + [TextLine(x, page, HEADER_RIGHT) for x in right]
    rest = raw[used:]
    closing_at = next((i for i, x in enumerate(rest) if _NOI_NHAN.match(fold(x))), None)
    body = rest if closing_at is None else rest[:closing_at]
    out += [TextLine(x, page, BODY) for x in body]
    if closing_at is not None:
        cl, cr = _split_closing_lines(rest[closing_at:])
        out += [TextLine(x, page, CLOSING_LEFT) for x in cl] + [TextLine(x, page, CLOSING_RIGHT) for x in cr]
    return out


# --- pages with word boxes ------------------------------------------------------------------------
@dataclass
class _Seg:
    words: list[Word]

    @property
    def box(self) -> Box:
        return union([w.box for w in self.words])

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


#: lone marks that mean something on their line: bullets, dashes, and the slash of a number whose blank
#: left spaces on both sides ("Số: 1340 / QĐ-UBND")
_KEPT_MARKS = {"-", "–", "—", "+", "•", "*", "_", "/"}


def _segments(page: OcrPage) -> list[_Seg]:
    by_line: dict[int, list[Word]] = {}
    for w in page.words:
        # Specks, rules and seal fragments read as lone punctuation carry nothing.
        if any(c.isalnum() for c in w.text) or w.text.strip() in _KEPT_MARKS:
            by_line.setdefault(w.line, []).append(w)
    heights = [w.box[3] for w in page.words if w.box[3] > 0]
    h = median(heights) if heights else 20
    width = page.width or max((w.box[0] + w.box[2] for w in page.words), default=1)
    segs: list[_Seg] = []
    for words in by_line.values():
        words.sort(key=lambda w: w.box[0])
        cur = [words[0]]
        for prev, w in zip(words, words[1:], strict=False):
            gap = w.box[0] - (prev.box[0] + prev.box[2])
            # A gap this wide inside one OCR line is the space between two columns, not between words.
            if gap > max(3.0 * h, 0.05 * width):
                segs.append(_Seg(cur))
                cur = [w]
            else:
                cur.append(w)
        segs.append(_Seg(cur))
    segs.sort(key=lambda s: (s.box[1], s.box[0]))
    return _drop_repeats(segs)


def _overlap(a: Box, b: Box) -> float:
    """Share of the smaller box that the two boxes have in common."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / max(1, min(a[2] * a[3], b[2] * b[3]))


def _drop_repeats(segs: list[_Seg]) -> list[_Seg]:
    """Segments without the second readings of the same printed words.

    A block that the page pass read and a rescue read again (or a skewed line Tesseract took twice)
    comes back as two segments on top of each other with (nearly) the same text; the first is kept
    unless the repeat holds more of the line.
    """
    kept: list[_Seg] = []
    for seg in segs:
        twin = next(
            (
                k
                for k, other in enumerate(kept)
                if _overlap(seg.box, other.box) > 0.6
                and fuzz.partial_ratio(fold(seg.text), fold(other.text)) >= 85
            ),
            None,
        )
        if twin is None:
            kept.append(seg)
        elif len(seg.text) > len(kept[twin].text):
            kept[twin] = seg
    return kept


def _is_date_line(text: str) -> bool:
    from pipeline.metadata.anchors import find_date_words

    f = fold(text)
    return bool(
        _DATE_AFTER_PLACE.search(f) or find_date_words(f) or regex.search(r",\s*(?:ngay){e<=1}\s*\S{0,3}$", f)
    )


def _header_bottom(segs: list[_Seg], mid: float, h: float, height: float = 0.0) -> float | None:
    """Lower edge of the two-column header: the motto block and the date line under it.

    The date line is found by its printed words with an edit budget, and may be cut in two where the
    handwritten day left a wide gap (``Quảng Ngãi, ngày`` … ``tháng 11 năm 2024``).
    """
    top = segs[:20]
    motto = [s for s in top if _MOTTO.search(fold(s.text)) and s.box[0] + s.box[2] > mid]
    dates = [s for s in top if _is_date_line(s.text) and s.box[0] + s.box[2] > mid * 1.2]
    if height:
        # the issue date sits in the top fifth of page 1; a date lower down is one the body quotes
        dates = [s for s in dates if s.box[1] < 0.22 * height]
    if motto:
        limit = max(s.box[1] + s.box[3] for s in motto) + 5 * h
        dates = [s for s in dates if s.box[1] < limit]
    elif not dates:
        return None
    return max(s.box[1] + s.box[3] for s in motto + dates[:1])


def _split_merged_header(segs: list[_Seg], h: float) -> list[_Seg]:
    """Cut header segments where right-column text starts and where an issuer ran into the number.

    A narrow gap leaves both columns in one segment; low resolution or a skew merges the issuer's last
    line with the number line under it.
    """
    out: list[_Seg] = []
    for i, s in enumerate(segs):
        if i >= 20:
            out.append(s)
            continue
        left, right = _cut_seg(s, _right_cut(s.text))
        issuer, number = _cut_seg(left, number_cut(left.text))
        out += [x for x in (issuer, number, right) if x is not None]
    return out


def _cut_seg(s: _Seg, cut: int | None) -> tuple[_Seg, _Seg | None]:
    """``s`` cut at the word that starts at or after character ``cut`` (None: not cut)."""
    pos = 0
    for j, w in enumerate(s.words):
        if cut and pos >= cut and j:
            return _Seg(s.words[:j]), _Seg(s.words[j:])
        pos += len(w.text) + 1
    return s, None


def _to_line(seg: _Seg, page: int, zone: str) -> TextLine:
    spans = []
    pos = 0
    parts = []
    for w in seg.words:
        t = clean_spaces(nfc(w.text))
        parts.append(t)
        spans.append(Span(pos, pos + len(t), w.box, max(0.0, min(1.0, w.conf / 100.0))))
        pos += len(t) + 1
    text = " ".join(parts)
    conf = sum(s.conf for s in spans) / len(spans) if spans else None
    return TextLine(text, page, zone, seg.box, conf, tuple(spans))


def _from_regions(page: OcrPage) -> list[TextLine]:
    out = []
    for i, ln in enumerate(page.lines):
        words = [w for w in page.words if w.line == i]
        if words:
            line = _to_line(_Seg(words), page.number, ln.region)
            out.append(
                TextLine(
                    clean_spaces(nfc(ln.text)) or line.text,
                    page.number,
                    ln.region,
                    ln.box,
                    line.conf,
                    line.words if clean_spaces(nfc(ln.text)) == line.text else (),
                )
            )
        elif ln.text.strip():
            out.append(TextLine(clean_spaces(nfc(ln.text)), page.number, ln.region, ln.box, ln.conf / 100.0))
    return out


def page_lines(page: OcrPage) -> list[TextLine]:
    """Lines of one OCR page in reading order with zones; uses boxes and region hints when present."""
    page = apply_rereads(page)
    if not page.words:
        if page.lines and any(ln.region != BODY for ln in page.lines):
            # No words, only the engine's region hints: they give the zones; inside a zone, top to bottom.
            lines = sorted(_from_regions(page), key=lambda ln: ln.box[1] if ln.box else 0)
            return _order(lines)
        return text_lines(page.text, page.number)
    # With word boxes the zones come from our own geometry, not the engine's region hints: the engine
    # tags by page height (a closing block at the top of a continuation page comes back as header-*),
    # and a seal merged into the signer block breaks its two-column detection.
    segs = _segments(page)
    if not segs:
        return []
    width = page.width or max(s.box[0] + s.box[2] for s in segs)
    mid = width / 2
    h = median(s.box[3] for s in segs)

    def cx(s: _Seg) -> float:
        return s.box[0] + s.box[2] / 2

    # Header: everything down to the lowest right-column marker (motto, independence line, date line).
    segs = _split_merged_header(segs, h)
    zones = [BODY] * len(segs)
    bottom = _header_bottom(segs, mid, h, float(page.height or 0))
    if bottom is not None:
        last_left = None
        for i, s in enumerate(segs):
            if s.box[1] < bottom:
                zones[i] = HEADER_LEFT if cx(s) < mid else HEADER_RIGHT
                if zones[i] == HEADER_LEFT:
                    last_left = s.box[1] + s.box[3]
            elif (
                last_left is not None
                and s.box[0] + s.box[2] < mid * 1.1
                and s.box[1] - last_left < 1.8 * h
                and not _is_title_like(s.text)
            ):
                # V/v lines and urgency marks continue the left column below the date line.
                zones[i] = HEADER_LEFT
                last_left = s.box[1] + s.box[3]
            else:
                break
    # Closing: from the "Nơi nhận" line (or a signer authority line level with it) down.
    start = next((i for i, s in enumerate(segs) if _NOI_NHAN.match(fold(s.text)) and cx(s) < mid), None)
    if start is not None:
        top = segs[start].box[1] - 0.6 * h
        for i, s in enumerate(segs):
            # the signer column's first line stands level with "Nơi nhận"; a seal over it makes its box
            # tall, so its middle, not its top, says which row it is on
            y = s.box[1] + s.box[3] / 2 if cx(s) >= mid else s.box[1]
            if zones[i] == BODY and y >= top:
                zones[i] = CLOSING_LEFT if cx(s) < mid else CLOSING_RIGHT
    return _order([_to_line(s, page.number, z) for s, z in zip(segs, zones, strict=True)])


_ORDER = {HEADER_LEFT: 0, HEADER_RIGHT: 1, BODY: 2, CLOSING_LEFT: 3, CLOSING_RIGHT: 4}


def _order(lines: list[TextLine]) -> list[TextLine]:
    return sorted(lines, key=lambda ln: _ORDER.get(ln.zone, 2))  # stable: keeps y order inside a zone
