"""Second readings of the header and closing lines: short lines read again at a size fit for them.

The full-page pass reads the header (issuer, number, date, title, subject) and the signer block with
the page's one segmentation and threshold. Those lines are short, often bold or in capitals, and the
signer's name sits under a seal. Here each such line is cropped from the page image with a margin,
scaled so its text is a fixed height and thresholded in two ways; the crops of one variant are stacked
into one image, and the variants' images are read in one Tesseract call (``--psm 6``: one block of
lines), so a page costs one call, not one per line or variant. The words come back with page-coordinate
boxes; choosing between the readings is left to metadata extraction, which knows the words that are
expected there.

Which lines: on page 1, those in the top 40% of the page (the two header columns, the title and the
subject); on any page, those from the closing's first anchor (``Nơi nhận`` on the left, an authority line
``KT.``/``TM.``/``TL.``/``TUQ.`` or a signer title on the right) down, right column first. Lines read
confidently already (every word at :data:`_SURE` or better) are not read again, except in the signer
block (the right column of the closing), whose lines are read across the whole column, and except a
title or subject line off the axis of the line above it (it lost words at one end), which is read over
its centred extent, its rules cleared, in stacks of its own. At most :data:`_MAX_LINES` lines per zone
and one Tesseract call per page.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ocr import preprocess as pp
from ocr.context import OcrContext
from ocr.crops import read_crops
from ocr.layout import RawWord, fix_words, parse_tsv
from sohoa.errors import OcrError
from sohoa.model.ocr import Box, Line, LineReading, LineRereading, Word
from sohoa.text import fold

__all__ = ["reread_lines", "zone_lines"]

log = logging.getLogger(__name__)

#: (name, text height in pixels, threshold): each is one Tesseract call over the stacked crops
#: (a third, a 40-pixel local threshold, changed no field on the damaged synthetic pages: dropped)
_VARIANTS = (("h56-otsu", 56, "otsu"), ("h48-smooth", 48, "smooth"))
#: at most this many lines per zone are re-read (bounds the cost of a crowded page)
_MAX_LINES = 14
#: a line whose every word was read at least this confidently (0-100) is not re-read
_SURE = 88.0
#: how far a name line's crop reaches beyond the signer column's measured edges, in its line heights:
#: about one family name's width (``Nguyễn`` is some four line heights of print). Title lines in
#: capitals do not reach: widened into the seal they lost words on the damaged real pages
_REACH = 3.0
#: share of the page height the header (with title and subject) occupies on page 1
_HEADER_SHARE = 0.40
#: a straight stroke this many line heights long in a line's crop is a rule (a stamp's frame), not print
_RULE = 3.0
#: a title or subject line is centred under the one above it; off that axis by more than this many of its
#: heights, it lost words at one end (a stamp's edge over them) and is read over its centred extent
_OFF_AXIS = 1.5

_NOI_NHAN = re.compile(r"^\W{0,3}n[o0]i\s*nh[a4]n")
_AUTHORITY = re.compile(r"^\W{0,3}(?:kt|tm|tl|tuq|q)\s*[.,]\s*\S")
_TITLE = re.compile(
    r"^\W{0,3}(?:pho\s+)?(?:chu\s*tich|giam\s*doc|bo\s*truong|cuc\s*truong|vu\s*truong|chanh\s*van\s*phong"
    r"|thu\s*truong|truong\s*phong|thu\s*tuong|chanh\s*an|vien\s*truong|tong\s*cuc\s*truong)\b"
)


@dataclass(frozen=True)
class _Row:
    """Where one line's crop sits in the stacked image and how to map back to the page."""

    line: int
    x0: int  # crop origin on the page
    y0: int
    scale: float
    top: int  # rows of the stacked image this crop occupies
    bottom: int
    text_top: int  # rows of the stacked image the line's own text occupies
    text_bottom: int


def _sure(index: int, words: list[Word]) -> bool:
    mine = [w for w in words if w.line == index]
    return bool(mine) and min(w.conf for w in mine) >= _SURE


def zone_lines(lines: list[Line], width: int, height: int, number: int) -> list[tuple[int, str]]:
    """The lines worth a second reading: (index into ``lines``, ``header`` or ``closing``)."""
    picked: list[tuple[int, str]] = []
    if number == 1:
        top = [i for i, ln in enumerate(lines) if ln.box[1] < _HEADER_SHARE * height and ln.text.strip()]
        top.sort(key=lambda i: lines[i].box[1])
        picked += [(i, "header") for i in top[:_MAX_LINES]]
    taken = {i for i, _ in picked}
    starts = []
    for ln in lines:
        f = fold(ln.text).lower()
        cx = ln.box[0] + ln.box[2] / 2
        if ln.box[1] < 0.25 * height:
            continue
        # a signer line is short and right of centre; a body line that starts with a title is neither
        right = cx > 0.5 * width and ln.box[2] < 0.5 * width
        if (_NOI_NHAN.match(f) and cx < width / 2) or (right and (_AUTHORITY.match(f) or _TITLE.match(f))):
            starts.append(ln.box[1] - ln.box[3])
    if starts:
        start = min(starts)
        below = [i for i, ln in enumerate(lines) if ln.box[1] >= start and i not in taken and ln.text.strip()]
        # the signer block (right column) matters more than the list of recipients
        below.sort(key=lambda i: (lines[i].box[0] + lines[i].box[2] / 2 < 0.45 * width, lines[i].box[1]))
        picked += [(i, "closing") for i in below[:_MAX_LINES]]
    return picked


def _bottom(box: Box) -> int:
    return box[1] + box[3]


def _centred(index: int, lines: list[Line], width: int) -> Box | None:
    """The box a header line would have, centred under the line above it, when it is off that axis.

    The title and the subject are centred on the page (Decree 30, Appendix I): under a centred line
    (clear of the text block's margins on both sides, as no paragraph's line is), a continuation line
    whose middle lies well right of its axis has lost its first words, and the other way round (a short
    last line is centred too). The box is stretched to be symmetric about the axis; lines of the two
    header columns (whose axes are off the page's centre) never are.
    """
    x, y, w, h = lines[index].box
    if lines[index].region != "body":
        return None  # a line of the two header columns is never, even under a merged row's middle
    above = [
        ln.box
        for j, ln in enumerate(lines)
        if j != index and ln.text.strip() and 0 < y - ln.box[1] <= 2.5 * h and _bottom(ln.box) <= y + h / 2
    ]
    if not above:
        return None
    ax, _ay, aw, _ah = max(above, key=lambda b: b[1])
    axis = ax + aw / 2
    if abs(axis - width / 2) > 0.1 * width:
        return None
    # the line above is centred itself: clear of the text block's margins on both sides (a paragraph's
    # lines start at the left margin or end at the right one, however short or indented)
    wide = [ln.box for ln in lines if ln.box[2] > 0.5 * width]
    if not wide:
        return None
    margin_left, margin_right = min(b[0] for b in wide), max(b[0] + b[2] for b in wide)
    if ax - margin_left < h or margin_right - (ax + aw) < h:
        return None
    off = x + w / 2 - axis
    if off > _OFF_AXIS * h:
        left = max(0, round(2 * axis - (x + w)))
        return (left, y, x + w - left, h)
    if -off > _OFF_AXIS * h:
        right = min(width, round(2 * axis - x))
        return (x, y, right - x, h)
    return None


#: share of a strip's middle rows that must be ink for it to hold print the first pass lost
_LOST_INK = 0.04


def _lost_ink(gray: pp.Gray, box: Box, wide: Box) -> bool:
    """Whether the part of ``wide`` beyond a line's ``box`` holds ink: the words the first pass lost.

    A paragraph's short or indented line, off a centred line's axis too, has paper there; a rule alone
    (a stamp's frame beside a line read whole) is no print.
    """
    x, y, w, h = box
    x0, x1 = wide[0], wide[0] + wide[2]
    band = pp.clear_rules(gray[y + h // 4 : y + h - h // 4, x0:x1], round(_RULE * h))
    strips = [band[:, : x - x0], band[:, x + w - x0 :]]
    return any(s.size and float((s < 128).mean()) >= _LOST_INK for s in strips)


def _right_column(box: Box, width: int) -> bool:
    return box[0] + box[2] / 2 > 0.5 * width


def _column(boxes: list[Box]) -> tuple[int, int] | None:
    """The horizontal extent of the signer block: from its leftmost line's start to its rightmost end."""
    if not boxes:
        return None
    return min(b[0] for b in boxes), max(b[0] + b[2] for b in boxes)


def _widen(box: Box, column: tuple[int, int] | None, row: tuple[Box, ...] = (), reach: int = 0) -> Box:
    """A signer line's box stretched across its column: the words the first pass lost lie beside it.

    ``reach``: how far beyond the column's known edges (the column is measured on the lines the first
    pass read, which lack the same lost words: ``Ngọc Căng`` under ``TỊCH`` of a ``CHỦ TỊCH`` half under
    the seal). ``row``: the other lines on the same row (a seal splits one printed line in two, the list
    of recipients beside it); the box stops at their edges, so no word is read into two lines.
    """
    if column is None:
        return box
    left, right = max(0, column[0] - reach), column[1] + reach
    for other in row:
        if other[0] + other[2] <= box[0]:
            left = max(left, other[0] + other[2])
        elif other[0] >= box[0] + box[2]:
            right = min(right, other[0])
    x0, x1 = min(box[0], left), max(box[0] + box[2], right)
    return (x0, box[1], x1 - x0, box[3])


def _mixed_case(text: str) -> bool:
    """A name line (``Ngọc Căng``), not a title or authority line in capitals (``CHỦ TỊCH``, ``KT.``)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.islower() for c in letters) >= 0.5 * len(letters)


def _same_row(a: Box, b: Box) -> bool:
    overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return overlap > 0.5 * min(a[3], b[3])


def _threshold(img: pp.Gray, how: str) -> pp.Gray:
    if how == "otsu":
        return pp.binarize(img, "otsu")
    if how == "smooth":
        # a light blur before Otsu joins strokes that grain and JPEG blocks broke apart
        return pp.binarize(cv2.GaussianBlur(img, (0, 0), 1.0), "otsu")
    return img


def _stack(
    gray: pp.Gray, boxes: list[tuple[int, Box]], text_h: int, how: str, clear: frozenset[int] = frozenset()
) -> tuple[pp.Gray, list[_Row]]:
    """One image of the line crops, each scaled so its text is ``text_h`` pixels high, a gap between.

    ``clear``: the lines whose crops lose their rules first (:func:`ocr.preprocess.clear_rules`).
    """
    page_h, page_w = gray.shape[:2]
    crops: list[tuple[int, int, int, float, pp.Gray, int, int]] = []
    for index, (x, y, w, h) in boxes:
        pad_y, pad_x = round(0.3 * h), round(0.6 * h)
        x0, y0 = max(0, x - pad_x), max(0, y - pad_y)
        x1, y1 = min(page_w, x + w + pad_x), min(page_h, y + h + pad_y)
        crop = gray[y0:y1, x0:x1].copy()
        if crop.size == 0:
            continue
        # the margin is white paper: the tails and marks of the neighbouring lines confuse the reader
        keep = round(0.25 * h)
        crop[: max(0, y - keep - y0)] = 255
        crop[y + h + keep - y0 :] = 255
        if index in clear:
            crop = pp.clear_rules(crop, round(_RULE * h))
        scale = max(0.5, min(4.0, text_h / max(h, 1)))
        img = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        crops.append((index, x0, y0, scale, _threshold(img, how), round((y - y0) * scale), round(h * scale)))
    gap, margin = text_h, 20
    width = max((c[4].shape[1] for c in crops), default=1) + 2 * margin
    total = sum(c[4].shape[0] for c in crops) + gap * (len(crops) + 1)
    canvas = np.full((total, width), 255, dtype=np.uint8)
    rows = []
    y = gap
    for index, x0, y0, scale, img, text_y, text_h_ in crops:
        canvas[y : y + img.shape[0], margin : margin + img.shape[1]] = img
        text_top, text_bottom = y + text_y, y + text_y + text_h_
        rows.append(
            _Row(index, x0 - round(margin / scale), y0, scale, y, y + img.shape[0], text_top, text_bottom)
        )
        y += img.shape[0] + gap
    return canvas, rows


def _to_page(rw: RawWord, row: _Row) -> Word:
    s = row.scale
    box = (
        row.x0 + round(rw.left / s),
        row.y0 + round((rw.top - row.top) / s),
        max(1, round(rw.width / s)),
        max(1, round(rw.height / s)),
    )
    return Word(text=rw.text, conf=rw.conf, box=box, line=row.line)


def _read_stacks(
    stacks: list[tuple[pp.Gray, list[_Row]]], ctx: OcrContext, workdir: Path, number: int
) -> list[dict[int, LineReading]]:
    """Every stacked image read in one Tesseract call; the readings per image, in order.

    The stacks come in :data:`_VARIANTS` order, once or more (the stacks of the lines read over their
    centred extent follow the others').
    """
    tsvs = read_crops(
        [canvas for canvas, _rows in stacks],
        workdir / f"page-{number:05d}-lines",
        languages=ctx.languages,
        psm=6,
        oem=ctx.oem,
        dpi=300,
        timeout=min(ctx.page_timeout, 60.0),
    )
    return [
        _readings(tsv, rows, ctx, variant)
        for tsv, (_canvas, rows), (variant, _h, _how) in zip(
            tsvs, stacks, _VARIANTS * (len(stacks) // len(_VARIANTS)), strict=True
        )
    ]


def _readings(tsv: str, rows: list[_Row], ctx: OcrContext, variant: str) -> dict[int, LineReading]:
    """One variant's TSV mapped back to the page's lines."""
    raw = parse_tsv(tsv)
    if "vie" in ctx.languages.split("+"):
        raw = fix_words(raw)
    # the words of each crop, by the text line Tesseract put them on
    groups: dict[int, dict[tuple[int, int, int], list[RawWord]]] = {}
    for rw in raw:
        mid = rw.top + rw.height / 2
        row_at = next((k for k, r in enumerate(rows) if r.top <= mid < r.bottom), None)
        if row_at is not None:
            groups.setdefault(row_at, {}).setdefault((rw.block, rw.par, rw.line), []).append(rw)
    found: dict[int, list[Word]] = {}
    for row_at, by_line in groups.items():
        row = rows[row_at]
        centre = (row.text_top + row.text_bottom) / 2
        # a piece of the line above or below caught in the margin is a text line of its own: keep the
        # one in the middle of the crop
        best = min(
            by_line.values(), key=lambda ws: abs(sum(w.top + w.height / 2 for w in ws) / len(ws) - centre)
        )
        for rw in best:
            found.setdefault(row.line, []).append(_to_page(rw, row))
    out = {}
    for line, words in found.items():
        words.sort(key=lambda w: w.box[0])
        conf = round(sum(w.conf for w in words) / len(words), 2)
        out[line] = LineReading(variant=variant, text=" ".join(w.text for w in words), conf=conf, words=words)
    return out


def reread_lines(
    gray: pp.Gray, lines: list[Line], words: list[Word], ctx: OcrContext, workdir: Path, number: int
) -> list[LineRereading]:
    """Read the unsure header and closing lines of a page again, in :data:`_VARIANTS`.

    Args:
        gray: The straightened grayscale page the boxes refer to.
        lines: The page's lines in reading order (from the full-page pass).
        words: The page's words (their ``line`` indexes ``lines``).
        ctx: The OCR context (languages, engine mode, timeout).
        workdir: Folder for the stacked crop image.
        number: The page number (the header is read on page 1 only).
    """
    if not lines:
        return []
    h, w = gray.shape[:2]
    heights = sorted(ln.box[3] for ln in lines)
    tall = 1.6 * heights[len(heights) // 2]
    # a line box taller than the page's usual line holds two lines merged: not a short line to re-read
    picked = zone_lines(lines, w, h, number)
    signer = {i for i, zone in picked if zone == "closing" and _right_column(lines[i].box, w)}
    # the signer block is re-read even when sure: a name under a seal loses a word without losing
    # confidence in the words it kept ("Công Sơn" for "Phạm Công Sơn")
    todo = [
        (i, zone) for i, zone in picked if (i in signer or not _sure(i, words)) and lines[i].box[3] <= tall
    ]
    stacked = [i for i, _ in todo]
    # so is a line off its axis, over its centred extent, in stacks of its own: the other lines' stacks
    # stay as they were (Tesseract reads a line of a stack a little otherwise when the stack changes)
    centred = {
        i: b
        for i, zone in picked
        if zone == "header"
        and lines[i].box[3] <= tall
        and (b := _centred(i, lines, w)) is not None
        and _lost_ink(gray, lines[i].box, b)
    }
    todo += [(i, "header") for i in centred if (i, "header") not in todo]
    for i, b in centred.items():
        log.info("page %d: line %d %r is off its axis: read over %s", number, i, lines[i].text[:40], b)
    if not todo:
        return []
    t = time.perf_counter()
    column = _column([lines[i].box for i, _ in todo if i in signer])

    def row(i: int) -> tuple[Box, ...]:
        # a speck the first pass made a line of (the seal's grain) is no neighbour to stop at
        mine = lines[i].box
        return tuple(
            ln.box
            for j, ln in enumerate(lines)
            if j != i and sum(c.isalnum() for c in ln.text) >= 2 and _same_row(mine, ln.box)
        )

    def box(i: int) -> Box:
        if i not in signer:
            return lines[i].box
        reach = round(_REACH * lines[i].box[3]) if _mixed_case(lines[i].text) else 0
        return _widen(lines[i].box, column, row(i), reach)

    def centred_box(i: int) -> Box:
        x0, _y, cw, _h = centred[i]
        return _widen(lines[i].box, (x0, x0 + cw), row(i))

    boxes = [(i, box(i)) for i in stacked]
    wide = [(i, centred_box(i)) for i in centred]
    readings: dict[int, list[LineReading]] = {i: [] for i, _ in todo}
    stacks = [_stack(gray, boxes, text_h, how) for _variant, text_h, how in _VARIANTS] if boxes else []
    # an off-axis line's crop is cleared of rules: what took its words is what stands over them there
    # (a stamp's frame); elsewhere a long straight stroke may be a signature's, through a name
    extra = (
        [_stack(gray, wide, text_h, how, frozenset(centred)) for _v, text_h, how in _VARIANTS] if wide else []
    )
    try:
        per_stack = _read_stacks(stacks + extra, ctx, workdir, number)
    except OcrError as e:
        # a second reading is a bonus: the page keeps its first reading
        log.warning("page %d: line re-read failed: %s", number, e.message)
        per_stack = []
    for k, got in enumerate(per_stack):
        for i, reading in got.items():
            # a centred line's own readings are those of its centred extent
            if (i in centred) == (k >= len(stacks)):
                readings[i].append(reading)
    log.info(
        "page %d: %d header/closing lines re-read in %d variants (%.2f s)",
        *(number, len(todo), len(_VARIANTS), time.perf_counter() - t),
    )
    return [
        LineRereading(line=i, zone=zone, box=lines[i].box, readings=readings[i])
        for i, zone in todo
        if readings[i]
    ]
