"""The invisible text of one page (render mode 3), placed over each OCR word.

Font size comes from the word's line (so a line reads as one run), the baseline from the line's bottom
less the font's descent, and horizontal scaling stretches each word to its box, so selecting a word in
a viewer highlights its ink (its characters get shares of the box by their widths in the font: equal
for the glyphless font's empty glyphs, the real ones for the stamp's characters drawn in the same font).
"""

from __future__ import annotations

from pipeline.archive.fonts import TextFont
from sohoa.model.ocr import OcrPage

__all__ = ["text_operators"]


def _num(v: float, places: int = 2) -> str:
    # a tenth of a point is under half a pixel of a 300 dpi scan; fewer digits, smaller copies
    text = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def text_operators(
    page: OcrPage,
    font: TextFont,
    *,
    points_per_pixel: float,
    page_height_px: float,
    ascent: float,
    descent: float,
) -> bytes:
    """Content-stream operators drawing ``page``'s words invisibly, in PDF points (origin bottom-left).

    Args:
        page: the OCR page; word and line boxes are pixels of its OCR frame.
        font: the document's text font (``/F1`` in the page resources).
        points_per_pixel: size of one OCR-frame pixel in points.
        page_height_px: height of the OCR frame (PDF's y axis points up).
        ascent: the font's ascent, 1/1000 em.
        descent: the font's descent (negative), 1/1000 em.
    """
    k = points_per_pixel
    em = (ascent - descent) / 1000.0
    parts = ["BT", "3 Tr"]
    # Tf and Tz stay in force within BT/ET: each is written only when it changes (a line shares its size)
    last_tf = last_tz = ""
    # each word starts a new text line with Td, relative to the previous one; the positions are kept in
    # whole tenths of a point (under half a pixel of a 300 dpi scan) so the offsets add up exactly, with
    # no drift along a page
    at_x = at_y = 0
    for word in page.words:
        text = word.text.strip()
        if not text:
            continue
        x, y, w, h = word.box
        if 0 <= word.line < len(page.lines):
            _, ly, _, lh = page.lines[word.line].box
        else:
            ly, lh = y, h
        size = max(lh * k / em, 1.0)
        baseline = (page_height_px - (ly + lh)) * k - descent / 1000.0 * size
        natural = sum(font.advance(ch) for ch in text) / 1000.0 * size
        scale = 100.0 * (w * k) / natural if natural > 0 else 100.0
        # whole percents: at most half a percent of the word's width, about a scan pixel on a long word
        tf, tz = f"/F1 {_num(size, 1)} Tf ", f"{round(scale)} Tz "
        cx, cy = round(x * k * 10), round(baseline * 10)
        parts.append(
            f"{tf if tf != last_tf else ''}{tz if tz != last_tz else ''}"
            f"{_num((cx - at_x) / 10, 1)} {_num((cy - at_y) / 10, 1)} Td <{font.encode(text).hex()}> Tj"
        )
        last_tf, last_tz, at_x, at_y = tf, tz, cx, cy
    parts.append("ET")
    return ("\n".join(parts) + "\n").encode("ascii")
