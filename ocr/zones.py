"""Second readings of the form blanks on page 1: the handwritten number and day.

The blanks are the number after ``Số:`` and the day (and month) in ``ngày … tháng … năm``. A full-page
Tesseract pass reads these blanks badly: the digits are handwritten, larger than the print
and often touch the line. Here each blank is cropped from the page image between its printed
neighbours (``Số:`` and ``/QĐ-UBND``; ``ngày`` and ``tháng``), upscaled, and read again in several
variants (two scales, gray and Otsu, single line and single word) with digits only; the variants vote.
Cost is bounded: only page 1, only blanks whose first reading is not clean, digits-only crops of a few
hundred pixels, and at most :data:`_VARIANTS` calls per blank (fewer when the first ones agree).

The same blank is also read by a second, neural recognizer (``ocr.digits``, a few milliseconds per
crop) in a few crops: the blank as cut and widened on either side (a crop cut a little short loses
the first or last digit; the network reads the label letters caught in a wider crop as letters, not
digits), each cut down to the band of the line's ink, and in the whole printed line around the blank
(``Số: 88 /QĐ-UBND``, ``ngày 05 tháng 02 năm 2025``), which places the digits against the label and the
slash even when the blank's crop was cut wrong. That line reading is all there is for a number whose
slash OCR garbled, and the only check of a first reading Tesseract was sure of (sure readings are not
read again by Tesseract). Its answers are kept beside Tesseract's, not merged: deciding between them is
metadata extraction's (``pipeline.metadata.consistency``).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import cv2
from rapidfuzz.distance import Levenshtein

from ocr import digits as neural
from ocr import preprocess as pp
from ocr.context import OcrContext
from ocr.crops import read_crops
from ocr.layout import RawWord, parse_tsv
from sohoa.model.ocr import BlankReading, Box
from sohoa.text import fold

__all__ = ["Blank", "find_blanks", "reread_blanks"]

log = logging.getLogger(__name__)

_VARIANTS = ((2.0, "gray", 7), (3.0, "otsu", 7), (2.0, "otsu", 8), (3.0, "gray", 8),
             (2.0, "gray", 8), (3.0, "otsu", 8), (2.0, "otsu", 7), (3.0, "gray", 7))  # fmt: skip
#: when this many first variants agree, the rest are not run
_EARLY_AGREE = 3
#: when the neural reader is at least this sure (0-1), Tesseract is asked as a witness only: at most
#: :data:`_WITNESS_VARIANTS` variants (enough for a 3-of-4 majority), which halves the blanks' cost
_NEURAL_SURE = 0.9
_WITNESS_VARIANTS = 4
#: a first reading of digits with every word at least this confident (0-100) is not re-read
_SURE = 80.0


def _same_line(a: RawWord, b: RawWord) -> bool:
    ca, cb = a.top + a.height / 2, b.top + b.height / 2
    return abs(ca - cb) < 0.6 * max(a.height, b.height)


_PUNCT = ":;.,?!'\"`“”‘’_~"


def _spells(letters: str, key: str) -> bool:
    """Whether OCR'd letters are the printed label ``key``: equal, or one letter off when it is long enough.

    ``thána`` is ``tháng``; a label of four letters or fewer (``số``, ``năm``, ``ngày``) must be exact, as
    one edit turns it into another word of the same line (``Ngãi`` of ``Quảng Ngãi``).
    """
    return letters == key or (
        len(key) >= 5 and len(letters) == len(key) and Levenshtein.distance(letters, key) <= 1
    )


def _label(word: RawWord, keys: tuple[str, ...]) -> tuple[int, str] | None:
    """Where a printed label ends inside an OCR word, and what follows it, or None if it is not the label.

    The label may carry OCR punctuation (``tháng?``, ``“tháng``, ``_tháng``), be one letter off
    (``thána``), or have the handwriting glued on (``Số:⁄‡6``: the blank's first reading is the tail).
    """
    f = fold(word.text)
    lead = len(f) - len(f.lstrip(_PUNCT))
    for key in keys:
        if _spells(f[lead:].rstrip(":;.,'\"`“”‘’"), key):
            return word.left + word.width, ""  # a "?" or "!" after the label is a stroke of the blank
        if f[lead:].startswith(key):
            n = lead + len(key)
            while n < len(f) and f[n] in ":;.,":
                n += 1
            tail = word.text[n:]
            if tail and not tail[0].isalpha():
                return word.left + round(word.width * n / len(word.text)), tail
    return None


def _label_end(word: RawWord, end: int, key: str, neighbour: RawWord) -> int:
    """The label's right edge, taken from the width its letters need when the handwriting swelled its box.

    OCR often counts a handwritten day touching ``ngày`` as part of the word: the box is then much wider
    than four letters of the line's print (measured on the next printed word).
    """
    per_char = neighbour.width / max(len(neighbour.text), 1)
    expected = word.left + round(per_char * (len(key) + 0.5))
    return expected if end - word.left > 1.5 * (expected - word.left) else end


#: ``Số:`` with its vowel lost or misread (``s.``, ``S:``, ``sẽ:``): a label only by its punctuation and place
_BARE_NUMBER_LABEL = re.compile(r"^s\w?[:;.](?![^\W\d_])")


#: a number typed against its label, in one word with it: digits set tight against the slash
_TYPED = re.compile(r"\d+/")

#: a printed ký hiệu after its slash: a letter, then a dash further on (``/QĐ-UBND``, ``/pc-vTLTNN``)
_CODE_AFTER = re.compile(r"/[^\W\d_]\w*-\w")

#: what follows a typed number's slash: its code's first letter, or a year and the code's slash
#: (``/2024/NĐ-CP``). Digits alone after it (``7/41 rCLS``) are handwriting read across the slash.
_CODE_START = re.compile(r"[^\W\d_]|\d{4}/")


def _code_follows(slash: RawWord, after: list[RawWord]) -> bool:
    """Whether a ký hiệu's start follows the first slash of ``slash``, in the word or as the next word."""
    code = slash.text[slash.text.index("/") + 1 :] or next((v.text for v in after if v.left > slash.left), "")
    return _CODE_START.match(code) is not None


class Blank(NamedTuple):
    """A blank of the header as the full-page reading located it.

    ``box``: the blank's crop; ``first``: what the full-page reading gave for it, ``sure``: whether that
    was clean and confident; ``line``: the whole printed line around it (label to code, ``ngày`` to
    the year), for the neural line reader; ``cut``: whether the blank's right edge was found in print
    (the slash, ``tháng``). A number whose slash OCR garbled (``sẽ: Ø4 ÕBC-sNgv``) has no such edge:
    only its line is read.
    """

    kind: str
    box: Box
    first: str
    sure: bool
    line: Box
    cut: bool = True


def _run_right(start: RawWord, row: list[RawWord], limit: float, gap: float = 4.0) -> int:
    """The right edge of the words that follow ``start`` on its row, left of ``limit``.

    A gap wider than ``gap`` line heights ends the run (the next column); a blank left unread by the
    full-page pass is narrower than that.
    """
    right = start.left + start.width
    for v in sorted((v for v in row if v.left >= start.left + start.width / 2), key=lambda v: v.left):
        if v.left > right + gap * start.height or v.left + v.width / 2 > limit:
            break
        right = max(right, v.left + v.width)
    return right


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2100


def _date_line(top: list[RawWord], width: int) -> list[Blank]:
    """The date line found by ``năm`` and its year alone, as day and month blanks read on the line only.

    For a header date line whose ``ngày`` or ``tháng`` OCR garbled past matching (``ngàv 2# thúng 12``):
    the network reads the whole line, and the two digit runs before the year are the day and the month.
    """
    for w in sorted(top, key=lambda v: v.top):
        if w.left < 0.35 * width or _label(w, ("nam",)) is None:
            continue
        row = sorted((v for v in top if _same_line(w, v) and v.left >= 0.35 * width), key=lambda v: v.left)
        year = next((v for v in row if v.left > w.left and _is_year(v.text.strip(_PUNCT))), None)
        if year is None:
            continue
        pad = round(0.25 * w.height)
        x0 = max(0, row[0].left - pad)
        x1 = min(width, year.left + year.width + pad)
        line = _box(x0, x1, row)
        return [Blank(kind, line, "", False, line, cut=False) for kind in ("day", "month")]
    return []


def find_blanks(words: list[RawWord], width: int, height: int) -> list[Blank]:
    """The blanks of the header (at most one of each kind), each with its crop, first reading and line."""
    top = [w for w in words if w.top < 0.35 * height]
    found = []
    for w in top:
        # Neighbours by position, not by Tesseract's line ids: large handwriting in a blank often splits
        # the printed line into two "lines" or blocks ("Số:" in one, "/QĐ-UBND" in the next).
        row = [v for v in top if v is not w and _same_line(w, v)]
        pad = round(0.25 * w.height)  # the margin a line crop keeps beyond its first and last word
        after = sorted((v for v in row if v.left > w.left + w.width / 2), key=lambda v: v.left)[:4]
        # the label "Số:" in the left column of the header. OCR often reads its capital as "s"; a small
        # "số" is the label only with its colon (or what OCR made of it), or as the first word of its line
        # in the top fifth of the page: a sentence's "số 11-CT/TW" has neither
        starts_line = not any(v.left < w.left for v in row)
        small = w.text[:1] == "s" and (
            any(c in w.text for c in ":;.") or (starts_line and w.top < 0.2 * height)
        )
        label = _label(w, ("so", "s0", "s6")) if w.text[:1] == "S" or small else None
        head = starts_line and w.top < 0.2 * height
        bare = _BARE_NUMBER_LABEL.match(fold(w.text)) if head else None
        if label is None and bare is not None:
            # handwriting touching the label glues it on ("sa:“4"): the label ends at its colon
            cut = bare.end()
            label = (w.left + round(w.width * cut / len(w.text)), w.text[cut:])
        if (
            label is None
            and head
            and fold(w.text).startswith("so")
            and any(_CODE_AFTER.search(v.text) for v in after)
        ):
            # "Số" with the handwriting read as letters glued on ("sóểổ"), first on a line whose code
            # follows (/PC-VTLTNN): the line's shape says it is the number line
            label = (w.left + round(w.width * 2 / len(w.text)), w.text[2:])
        if label is not None and w.left + w.width / 2 < width / 2:
            end, tail = label
            if _TYPED.match(tail):
                continue  # "Số:12/QĐ" in one word: a typed number (a lone "/" is a stroke of the hand)
            # the printed slash is the one the code follows: a handwritten 1 read as a lone "/" comes
            # before it ("Số: / ?5 /UBND-TH" of a written 173)
            slashes = [v for v in after if "/" in v.text]
            coded = next((v for v in slashes if _code_follows(v, after)), None)
            slash = coded or (slashes[0] if slashes else None)
            x0 = max(0, w.left - pad)
            if slash is None:
                # the slash garbled or glued to the code ("ÕBC-sNgv"): the line reader finds it. Without
                # the slash, only a label with its colon or a code's dash says this is the number line
                # (a capital "SỞ NGOẠI VỤ" is not)
                rest = [v for v in after if v.left + v.width / 2 < width / 2]
                marked = any(c in w.text for c in ":;.") or any("-" in v.text for v in rest)
                if rest and marked:
                    x1 = _run_right(w, row, width / 2) + pad
                    box = _box(end, x1, [w, *rest])
                    first = tail + " ".join(v.text for v in rest)
                    found.append(Blank("number", box, first, False, (x0, box[1], x1 - x0, box[3]), cut=False))
                continue
            between = after[: after.index(slash)]
            cut = slash.text.index("/")
            x1 = slash.left + round(slash.width * cut / max(len(slash.text), 1))
            if not tail and not between and cut == 0:
                # the label's box swollen by handwriting touching it ("s6" reaching the slash): the
                # blank starts where the label's letters end, measured on the code's print
                end = _label_end(w, end, "so", slash)
            first = tail + "".join(v.text for v in between) + slash.text[:cut]
            # digits set tight against the slash ("692/BC") were typed; digits alone in the gap were
            # written into the blank and are sure only when read confidently
            typed = not tail and not between and cut > 0 and slash is coded
            sure = first.isdigit() and (typed or all(v.conf >= _SURE for v in [*between, slash]))
            box = _box(end, x1, [w, slash])
            line_x1 = _run_right(slash, row, width / 2, gap=1.0) + pad
            found.append(Blank("number", box, first, sure, (x0, box[1], line_x1 - x0, box[3])))
        for kind, a_keys, b_keys in (("day", ("ngay",), ("thang",)), ("month", ("thang",), ("nam",))):
            label = _label(w, a_keys)
            if label is None or w.left < 0.35 * width:
                continue
            nxt = next((v for v in after if _label(v, b_keys) is not None), None)
            if nxt is None:
                continue
            if kind == "day" and fold(nxt.text).strip(_PUNCT) != b_keys[0]:
                # "tháng" one letter off is "tháng" only if "năm" follows it ("Thanh" is a name)
                later = sorted((v for v in row if v.left > nxt.left), key=lambda v: v.left)[:3]
                if not any(_label(v, ("nam",)) is not None for v in later):
                    continue
            end, tail = label
            end = _label_end(w, end, a_keys[0], nxt) if not tail else end
            between = after[: after.index(nxt)]
            first = tail + "".join(v.text for v in between)
            sure = first.isdigit() and all(v.conf >= _SURE for v in between)
            box = _box(end, nxt.left, [w, nxt])
            # the date line from "ngày" (or "tháng") to the year's end
            x0 = max(0, w.left - pad)
            x1 = min(width, _run_right(w, row, width) + pad)
            found.append(Blank(kind, box, first, sure, (x0, box[1], x1 - x0, box[3])))
    found.extend(_date_line(top, width))
    # one blank of each kind: the number found by its slash before one found without, then the topmost;
    # a date part on the topmost date line, found between its labels if it was (a body line's "ngày 21
    # tháng 11 năm 2023" under a header date whose labels OCR garbled is a mention, not the date)
    numbers = sorted((b for b in found if b.kind == "number"), key=lambda b: (not b.cut, b.box[1]))
    best: dict[str, Blank] = {"number": numbers[0]} if numbers else {}
    for kind in ("day", "month"):
        parts = sorted((b for b in found if b.kind == kind), key=lambda b: b.line[1])
        if parts:
            line_h = parts[0].line[3] / 2.2  # a blank's box reaches 0.7 and 0.5 line heights beyond it
            first_row = [b for b in parts if b.line[1] - parts[0].line[1] < line_h]
            best[kind] = next((b for b in first_row if b.cut), first_row[0])
    return [b for b in found if best[b.kind] is b]


def _box(x0: int, x1: int, row: list[RawWord]) -> tuple[int, int, int, int]:
    h = max(v.height for v in row)
    y0 = min(v.top for v in row) - round(0.7 * h)
    y1 = max(v.top + v.height for v in row) + round(0.5 * h)
    return (x0, max(0, y0), max(1, x1 - x0), y1 - max(0, y0))


def _read(
    crop: pp.Gray, dpi: int | None, ctx: OcrContext, path: Path, limit: int = len(_VARIANTS)
) -> list[str]:
    """Tesseract's digit readings of a blank, one per variant, in :data:`_VARIANTS` order.

    The variants of one segmentation mode are read in one call (:func:`tesseract.recognize_many`), each
    image carrying its own resolution, so a blank costs two model loads instead of up to eight. The
    early-agreement rule is applied to the readings in order: when the first :data:`_EARLY_AGREE` agree,
    the rest are dropped, as if they had not been read.
    """
    variants = _VARIANTS[:limit]
    images: list[pp.Gray] = []
    for scale, binarization, _psm in variants:
        img = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        img = cv2.copyMakeBorder(img, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
        images.append(pp.binarize(img, "otsu") if binarization == "otsu" else img)
    readings: dict[int, str] = {}
    for psm in sorted({v[2] for v in variants}):
        mine = [k for k, v in enumerate(variants) if v[2] == psm]
        tsvs = read_crops(
            [images[k] for k in mine],
            path.with_name(path.stem),
            languages="eng",
            psm=psm,
            oem=ctx.oem,
            dpi=None,
            timeout=min(ctx.page_timeout, 30.0),
            whitelist="0123456789",
            file_dpis=[round((dpi or 300) * variants[k][0]) for k in mine],
        )
        for k, tsv in zip(mine, tsvs, strict=True):
            readings[k] = "".join(w.text for w in parse_tsv(tsv))
    ordered = [readings[k] for k in range(len(variants))]
    if len(set(ordered[:_EARLY_AGREE])) == 1 and len(ordered) >= _EARLY_AGREE:
        return ordered[:_EARLY_AGREE]  # unanimous (or unanimously empty: no digits there to read)
    return ordered


#: the neural reader's crops of a blank: (extra on the left, extra on the right), in blank heights; a
#: blank cut a little short on either side loses a digit, a wider one catches the label's letters. The
#: number's right edge is the printed slash, measured, not estimated: widened there it reads the slash
#: as a 1
_NEURAL_CROPS = {
    "number": ((0.0, 0.0), (0.3, 0.0)),
    "day": ((0.0, 0.0), (0.3, 0.0), (0.0, 0.3), (0.45, 0.45)),
}


def _ink_band(crop: pp.Gray) -> pp.Gray:
    """The crop cut down to the rows of the line's own ink, with a little margin.

    The blank's box reaches well above and below the print (handwriting is taller); at the network's
    48-pixel input such margins would shrink the digits to a third of its height. The band grows from
    the middle rows while rows hold ink, so a rule or the line above, across a gap, stays out.
    """
    h = crop.shape[0]
    ink = pp.binarize(crop, "otsu") < 128
    rows = ink.sum(axis=1) > max(1, 0.01 * crop.shape[1])
    mid = h // 2
    centre = [i for i in range(round(0.35 * h), round(0.65 * h) + 1) if i < h and rows[i]]
    if not centre:
        return crop
    top, bottom = centre[0], centre[-1]
    while top > 0 and (rows[top - 1] or (top > 1 and rows[top - 2])):
        top -= 1
    while bottom < h - 1 and (rows[bottom + 1] or (bottom < h - 2 and rows[bottom + 2])):
        bottom += 1
    pad = max(2, round(0.12 * (bottom - top + 1)))
    top, bottom = max(0, top - pad), min(h, bottom + 1 + pad)
    return crop[top:bottom] if bottom - top >= max(8, mid // 4) else crop


def _pick(reading: neural.DigitReading, lo: float, hi: float) -> neural.DigitRun | None:
    """The digit run of a neural reading that lies in the blank (``lo``-``hi`` across the crop)."""
    inside = [r for r in reading.runs if lo <= (r.start + r.end) / 2 <= hi]
    return max(inside, key=lambda r: (len(r.text), r.conf), default=None)


def _read_neural(
    gray: pp.Gray, box: tuple[int, int, int, int], kind: str
) -> tuple[list[str], str | None, float]:
    """The neural recognizer's readings of a blank: (per crop, voted value, its confidence 0-1).

    Each crop of :data:`_NEURAL_CROPS` gives the digit run inside the blank. A reading scores its
    confidence; one that is the start or end of a longer reading also backs that one at half weight
    (a crop that cut a digit off). The value's confidence is its readings' summed confidence over the
    number of crops that read anything: several crops agreeing confidently come close to 1, a lone or
    contested reading stays low.
    """
    x, y, bw, bh = box
    readings: list[str] = []
    confs: dict[str, list[float]] = {}
    for left, right in _NEURAL_CROPS.get(kind, _NEURAL_CROPS["day"]):
        cx0, cx1 = max(0, x - round(left * bh)), min(gray.shape[1], x + bw + round(right * bh))
        got = neural.read_digits(_ink_band(gray[y : y + bh, cx0:cx1]))
        width = max(cx1 - cx0, 1)
        run = _pick(got, (x - cx0) / width, (x + bw - cx0) / width) if got is not None else None
        readings.append(run.text if run else "")
        if run is not None:
            confs.setdefault(run.text, []).append(run.conf)
    if not confs:
        return readings, None, 0.0

    def score(text: str) -> float:
        backing = sum(
            0.5 * sum(c)
            for other, c in confs.items()
            if len(other) < len(text) and (text.startswith(other) or text.endswith(other))
        )
        return sum(confs[text]) + backing

    value = max(confs, key=lambda t: (score(t), len(t)))
    conf = sum(confs[value]) / sum(len(c) for c in confs.values())
    return readings, value, round(min(1.0, conf), 4)


#: letters the network writes for a handwritten digit: an open 0 as O; only next to a digit ("O1")
_LOOKALIKE = {"O": "0", "o": "0"}
#: letters the network writes for a handwritten 1 after a digit; marks a speck of the scan makes
_ONE_LIKE = frozenset("lI")
_SPECK = frozenset(".,·'`")


def _digit(c: str) -> bool:
    """0-9 only: ``str.isdigit`` is also true of ² ₂ ② …, which the network's dictionary holds."""
    return c.isascii() and c.isdigit()


#: the confidence given to a stroke the network read as a slash but that stands where a ``1`` would:
#: enough to be a reading, too little to pass without review
_ONE_CONF = 0.5


def _is_one(chars: tuple[tuple[str, float, float, float], ...], i: int, *, before: str = "") -> bool:
    """Whether the slash at ``i`` in a number is a handwritten ``1`` (``/95/2025/QD``, ``0/ /TB-CLS``).

    A one written as a single slanted stroke reads as a slash. Before any digit of the number, it is taken
    for a digit only when digits follow it at once, another slash comes after them (the number's own), and
    those digits are not a year (``/2024/QĐ-UBND`` is an empty blank before a year-numbered code). After
    the number's digits, only when the next mark, across a gap, is another slash, or more digits and then
    the code's slash (``12/8/BC`` of a handwritten 1218): a number has one slash before its code. After
    a lone 0, which is no number (they start at 01), the code's slash may follow it at once (``0//VP``).
    """
    after_digits = bool(before)
    run = ""
    for c, *_ in chars[i + 1 :]:
        if not _digit(c):
            break
        run += c
    rest = "".join(c for c, *_ in chars[i + 1 + len(run) :])
    if after_digits and not run:
        # the blank's gap between the stroke and the printed slash: "1/ /KH", never a doubled "//"
        gap = rest[:1].isspace() or set(before) == {"0"}
        return gap and rest.lstrip().startswith("/") and rest.lstrip()[1:2].isalpha()
    if after_digits:
        # between digits, with the code's slash after: "12/8/BC" is 1218 (a number's only other part
        # is its year, "195/2025/QĐ")
        code = rest.lstrip()
        return code.startswith("/") and code[1:2].isalpha() and not _is_year(run)
    return bool(run) and rest.lstrip().startswith("/") and not _is_year(run)


def _line_digits(
    reading: neural.DigitReading, lo: float, hi: float, *, at_slash: bool
) -> tuple[str | None, float]:
    """The digits a line reading has in the blank (``lo``-``hi`` across the crop), and their confidence.

    Characters left of ``lo`` are the label; letters before the first digit are the label's remnants
    and are passed over; the first letter or mark after the digits ends them, and so does the number's
    slash (``at_slash``), wherever the blank's crop ended. Digits spaced apart in the blank are one
    number (``1 6``).
    """
    chars = reading.chars
    got: list[tuple[str, float]] = []
    for i, (c, p, s, e) in enumerate(chars):
        mid = (s + e) / 2
        if mid < lo:
            continue
        if at_slash and c in "/|" and _is_one(chars, i, before="".join(d for d, _q in got)):
            got.append(("1", min(p, _ONE_CONF)))
            continue
        if at_slash and c in "/|":
            break
        if mid > hi:
            # the blank's box cut the number short ("2" of a "27" whose 7 ran past it): a run of digits
            # begun inside goes on while its digits touch
            touching = got and i > 0 and chars[i - 1][0].isdigit() and _digit(c)
            if not touching:
                break
        d = c if _digit(c) else None
        beside = any(chars[j][0].isdigit() for j in (i - 1, i + 1) if 0 <= j < len(chars))
        if d is None and c in _LOOKALIKE and beside:
            d = _LOOKALIKE[c]
        if d is None and c in _ONE_LIKE and got and _digit(chars[i - 1][0]):
            # a handwritten 1 read as a letter after a digit ("7l/QĐ"); before the digits, a letter is
            # the label's
            got.append(("1", min(p, _ONE_CONF)))
            continue
        if d is None and c in _SPECK and got and i + 1 < len(chars) and _digit(chars[i + 1][0]):
            # a speck between two digits ("2.9"): a number has no point inside it
            got[-1] = (got[-1][0], min(got[-1][1], _ONE_CONF))
            continue
        if d is not None:
            got.append((d, p))
        elif got and not c.isspace():
            if at_slash and c.isupper() and chars[i - 1][0] == "1" and len(got) > 1:
                # the code's slash read as a 1 glued to it ("5261QĐ" of 526/QĐ): the 1 is doubtful
                got = [(d, min(q, _ONE_CONF)) for d, q in got[:-1]]
            break
    if not got and not at_slash:
        return _lookalike_word(chars, lo, hi)
    if not got:
        return None, 0.0
    return "".join(d for d, _p in got), round(min(p for _d, p in got), 4)


#: the letters the network writes for handwritten digits it took for a word (``IS`` for 15, ``Z1``)
_LOOKALIKE_WORD = {**_LOOKALIKE, "D": "0", "I": "1", "l": "1", "|": "1", "Z": "2", "z": "2", "S": "5",
                   "s": "5", "G": "6", "b": "6", "B": "8", "g": "9", "q": "9"}  # fmt: skip


def _lookalike_word(
    chars: tuple[tuple[str, float, float, float], ...], lo: float, hi: float
) -> tuple[str | None, float]:
    """A day or month blank holding one or two look-alike letters and nothing else, as digits, unsure.

    Between ``ngày`` and ``tháng`` only digits are written; a network that read them as a word (``IS``)
    still placed them. The reading is kept at :data:`_ONE_CONF` at most: a clerk checks it.
    """
    tokens: list[list[tuple[str, float, float]]] = [[]]
    for c, p, s, e in chars:
        if c.isspace():
            tokens.append([])
        else:
            tokens[-1].append((c, p, (s + e) / 2))
    # a word reaching past the blank's edges is a label ("ngày", "tháng"), whose box the blank's overlaps
    inside = [t for t in tokens if t and all(lo <= mid <= hi for _c, _p, mid in t)]
    if len(inside) != 1 or not 1 <= len(inside[0]) <= 2:
        return None, 0.0
    (word,) = inside
    if not all(_digit(c) or c in _LOOKALIKE_WORD for c, _p, _mid in word):
        return None, 0.0
    digits = "".join(c if _digit(c) else _LOOKALIKE_WORD[c] for c, _p, _mid in word)
    return digits, round(min(_ONE_CONF, *(p for _c, p, _mid in word)), 4)


def _date_part(reading: neural.DigitReading, kind: str) -> tuple[str | None, float]:
    """The day or month of a date line read whole (``… ngay 05 thang 02 nam 2025``), by the digit runs.

    The two runs before the year are the day and the month; with fewer, one of them was not read and
    which one is unknown, so neither is taken.
    """
    runs = list(reading.runs)
    at = next((k for k, r in enumerate(runs) if _is_year(r.text)), None)
    if at is None or at < 2:
        return None, 0.0
    day, month = runs[at - 2], runs[at - 1]
    if not (1 <= int(day.text) <= 31 and 1 <= int(month.text) <= 12):
        return None, 0.0
    run = day if kind == "day" else month
    return run.text, run.conf


def _read_line(
    gray: pp.Gray, blank: Blank, seen: dict[Box, neural.DigitReading | None]
) -> tuple[str, str | None, float]:
    """The neural recognizer's reading of a blank's whole printed line: (text, the blank's digits, conf).

    ``seen`` keeps the network's reading of each line crop of the page: the day and the month of a date
    line found by its year share one crop, which is read once.
    """
    x, _y, bw, bh = blank.box
    lx, ly, lw, lh = blank.line
    lx1 = min(gray.shape[1], lx + lw)
    if lx1 - lx < 4 or lh < 4:
        return "", None, 0.0
    if blank.line not in seen:
        seen[blank.line] = neural.read_digits(_ink_band(gray[ly : ly + lh, lx:lx1]))
    got = seen[blank.line]
    if got is None:
        return "", None, 0.0
    width = lx1 - lx
    tol = 0.15 * bh / width
    lo = (x - lx) / width - tol
    if not blank.cut and blank.kind in ("day", "month"):
        value, conf = _date_part(got, blank.kind)
    elif blank.kind == "number":
        # the label's colon, as the network read it in the first part of the line, is where the blank
        # starts: the label's box is often swollen by handwriting touching it ("Số:⁄2" read as one word)
        colon = next((e for c, _p, _s, e in got.chars if c in ":;" and e < 0.3), None)
        value, conf = _line_digits(got, colon if colon is not None else lo, 1.0, at_slash=True)
    else:
        value, conf = _line_digits(got, lo, (x + bw - lx) / width + tol, at_slash=False)
    return got.text.strip(), value, conf


def reread_blanks(
    gray: pp.Gray, dpi: int | None, words: list[RawWord], ctx: OcrContext, workdir: Path, number: int
) -> list[BlankReading]:
    """Read the blanks of page 1 again from the page image.

    An unsure blank is read by Tesseract's digit variants and by the neural recognizer (the blank's
    crops and its whole line); a sure one, and a number whose slash was not found, by the neural
    recognizer only (nothing without it).

    Args:
        gray: The straightened grayscale page the words' boxes refer to.
        dpi: Its resolution.
        words: The full-page reading.
        ctx: The OCR context (engine mode, timeout).
        workdir: Folder for the small crop images.
        number: The page number (only page 1 has blanks worth reading).
    """
    if number != 1 or not words:
        return []
    h, w = gray.shape[:2]
    out = []
    use_neural = ctx.read_handwritten_digits
    if use_neural and (why := neural.reader_status()) is not None:
        log.warning("page %d: blanks read by Tesseract only: %s", number, why)
        use_neural = False
    lines_read: dict[Box, neural.DigitReading | None] = {}
    for blank in find_blanks(words, w, h):
        kind, (x, y, bw, bh), first, sure = blank.kind, blank.box, blank.first, blank.sure
        if (not use_neural and (sure or not blank.cut)) or bw < 4 or bh < 4:
            continue
        t = time.perf_counter()
        nn: tuple[list[str], str | None, float] = ([], None, 0.0)
        line: tuple[str, str | None, float] = ("", None, 0.0)
        if use_neural:
            # a sure first reading is still checked by the network, on its line only (one run, a few
            # ms): print that Tesseract read confidently can be handwriting it misread ("05" for "03")
            if blank.cut and not sure:
                nn = _read_neural(gray, (x, y, bw, bh), kind)
            line = _read_line(gray, blank, lines_read)
        neural_ms = (time.perf_counter() - t) * 1000
        if sure or not blank.cut:
            seconds = round(time.perf_counter() - t, 3)
            why = "sure" if sure else "no slash"
            log.info("page %d: %s blank %r (%s), neural %r at %.2f, line %r -> %r at %.2f (%.0f ms)",
                     *(number, kind, first, why, nn[1], nn[2], *line, neural_ms))  # fmt: skip
            out.append(_reading(blank, [], None, 0, seconds, nn, line, use_neural))
            continue
        crop = gray[y : y + bh, x : x + bw]
        limit = _WITNESS_VARIANTS if nn[1] is not None and nn[2] >= _NEURAL_SURE else len(_VARIANTS)
        readings = _read(crop, dpi, ctx, workdir / f"page-{number:05d}-{kind}.pgm", limit)
        votes = Counter(r for r in readings if r)
        value, count = votes.most_common(1)[0] if votes else (None, 0)
        if count < 2 or sum(1 for c in votes.values() if c == count) > 1:
            value, count = None, 0
        seconds = round(time.perf_counter() - t, 3)
        log.info(
            "page %d: %s blank re-read %r -> %r (%d/%d votes), neural %r at %.2f, line %r -> %r at %.2f"
            " (%.0f ms; %.2f s in all)",
            *(number, kind, first, value, count, len(readings), nn[1], nn[2], *line, neural_ms, seconds),
        )
        out.append(_reading(blank, readings, value, count, seconds, nn, line, use_neural))
    return out


def _reading(
    blank: Blank,
    readings: list[str],
    value: str | None,
    votes: int,
    seconds: float,
    nn: tuple[list[str], str | None, float],
    line: tuple[str, str | None, float],
    neural_ran: bool,
) -> BlankReading:
    return BlankReading(
        kind=blank.kind,
        box=blank.box,
        first=blank.first,
        readings=readings,
        value=value,
        votes=votes,
        seconds=seconds,
        digits_reader=neural.reader_name() if neural_ran else "",  # named even when it read nothing
        digits_readings=nn[0],
        digits_value=nn[1],
        digits_conf=nn[2],
        line_text=line[0],
        line_value=line[1],
        line_conf=line[2],
    )
