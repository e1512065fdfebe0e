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
digits), each cut down to the band of the line's ink. Its answer is kept beside Tesseract's, not
merged: deciding between them is metadata extraction's (``pipeline.metadata.consistency``).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

import cv2

from ocr import digits as neural
from ocr import preprocess as pp
from ocr.context import OcrContext
from ocr.crops import read_crops
from ocr.layout import RawWord, parse_tsv
from sohoa.model.ocr import BlankReading
from sohoa.text import fold

__all__ = ["find_blanks", "reread_blanks"]

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


_PUNCT = ":;.,?!'\"`“”‘’"


def _label(word: RawWord, keys: tuple[str, ...]) -> tuple[int, str] | None:
    """Where a printed label ends inside an OCR word, and what follows it, or None if it is not the label.

    The label may carry OCR punctuation (``tháng?``, ``“tháng``) or have the handwriting glued on
    (``Số:⁄‡6``: the blank's first reading is the tail).
    """
    f = fold(word.text)
    lead = len(f) - len(f.lstrip(_PUNCT))
    for key in keys:
        if f[lead:].rstrip(":;.,'\"`“”‘’") == key:
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


def find_blanks(
    words: list[RawWord], width: int, height: int
) -> list[tuple[str, tuple[int, int, int, int], str, bool]]:
    """The blanks of the header: (kind, crop box, first reading, first reading is sure)."""
    top = [w for w in words if w.top < 0.35 * height]
    found = []
    for w in top:
        # Neighbours by position, not by Tesseract's line ids: large handwriting in a blank often splits
        # the printed line into two "lines" or blocks ("Số:" in one, "/QĐ-UBND" in the next).
        row = [v for v in top if v is not w and _same_line(w, v)]
        after = sorted((v for v in row if v.left > w.left + w.width / 2), key=lambda v: v.left)[:4]
        # the label "Số:" in the left column of the header. OCR often reads its capital as "s"; a small
        # "số" is the label only with its colon (or what OCR made of it), or as the first word of its line
        # in the top fifth of the page: a sentence's "số 11-CT/TW" has neither
        starts_line = not any(v.left < w.left for v in row)
        small = w.text[:1] == "s" and (
            any(c in w.text for c in ":;.") or (starts_line and w.top < 0.2 * height)
        )
        label = _label(w, ("so", "s0", "s6")) if w.text[:1] == "S" or small else None
        if label is not None and w.left + w.width / 2 < width / 2:
            end, tail = label
            if "/" in tail:
                continue  # "Số:12/QĐ" in one word: a typed number
            slash = next((v for v in after if "/" in v.text), None)
            if slash is None:
                continue
            between = after[: after.index(slash)]
            cut = slash.text.index("/")
            x1 = slash.left + round(slash.width * cut / max(len(slash.text), 1))
            first = tail + "".join(v.text for v in between) + slash.text[:cut]
            # digits set tight against the slash ("692/BC") were typed; digits alone in the gap were
            # written into the blank and are sure only when read confidently
            typed = not tail and not between and cut > 0
            sure = first.isdigit() and (typed or all(v.conf >= _SURE for v in [*between, slash]))
            found.append(("number", _box(end, x1, [w, slash]), first, sure))
        for kind, a_keys, b_keys in (("day", ("ngay",), ("thang",)), ("month", ("thang",), ("nam",))):
            label = _label(w, a_keys)
            if label is None or w.left < 0.35 * width:
                continue
            nxt = next((v for v in after if _label(v, b_keys) is not None), None)
            if nxt is None:
                continue
            end, tail = label
            end = _label_end(w, end, a_keys[0], nxt) if not tail else end
            between = after[: after.index(nxt)]
            first = tail + "".join(v.text for v in between)
            sure = first.isdigit() and all(v.conf >= _SURE for v in between)
            found.append((kind, _box(end, nxt.left, [w, nxt]), first, sure))
    return found


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


def reread_blanks(
    gray: pp.Gray, dpi: int | None, words: list[RawWord], ctx: OcrContext, workdir: Path, number: int
) -> list[BlankReading]:
    """Read each unsure blank of page 1 again from the page image; sure blanks are skipped.

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
    for kind, (x, y, bw, bh), first, sure in find_blanks(words, w, h):
        if sure or bw < 4 or bh < 4:
            continue
        t = time.perf_counter()
        nn: tuple[list[str], str | None, float] = ([], None, 0.0)
        if use_neural:
            nn = _read_neural(gray, (x, y, bw, bh), kind)
        neural_ms = (time.perf_counter() - t) * 1000
        crop = gray[y : y + bh, x : x + bw]
        limit = _WITNESS_VARIANTS if nn[1] is not None and nn[2] >= _NEURAL_SURE else len(_VARIANTS)
        readings = _read(crop, dpi, ctx, workdir / f"page-{number:05d}-{kind}.pgm", limit)
        votes = Counter(r for r in readings if r)
        value, count = votes.most_common(1)[0] if votes else (None, 0)
        if count < 2 or sum(1 for c in votes.values() if c == count) > 1:
            value, count = None, 0
        seconds = round(time.perf_counter() - t, 3)
        log.info(
            "page %d: %s blank re-read %r -> %r (%d/%d votes), neural %r at %.2f (%.0f ms; %.2f s in all)",
            *(number, kind, first, value, count, len(readings), nn[1], nn[2], neural_ms, seconds),
        )
        out.append(
            BlankReading(
                kind=kind,
                box=(x, y, bw, bh),
                first=first,
                readings=readings,
                value=value,
                votes=count,
                seconds=seconds,
                digits_reader=neural.reader_name() if use_neural else "",
                digits_readings=nn[0],
                digits_value=nn[1],
                digits_conf=nn[2],
            )
        )
    return out
