"""The invisible text of one page (render mode 3), placed over each OCR word.

Font size comes from the word's line (so a line reads as one run), the baseline from the line's bottom
less the font's descent, and horizontal scaling stretches each word to its box, so selecting a word in
a viewer highlights its ink.
"""

from __future__ import annotations

from pipeline.archive.fonts import TextFont
from sohoa.model.ocr import OcrPage

__all__ = ["text_operators"]


def _num(v: float, places: int = 2) -> str:
    # 0.01 pt (and 0.1 % of a word's width) is far below a scan pixel; fewer digits, smaller copies
    text = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def text_operators(
    page: OcrPage,
    font: TextFont,
    *,
    points_per_pixel: float,
    page_height_px: float,
    widths: dict[str, float],
    ascent: float,
    descent: float,
) -> bytes:
    """Content-stream operators drawing ``page``'s words invisibly, in PDF points (origin bottom-left).

    Args:
        page: the OCR page; word and line boxes are pixels of its OCR frame.
        font: the document's text font (``/F1`` in the page resources).
        points_per_pixel: size of one OCR-frame pixel in points.
        page_height_px: height of the OCR frame (PDF's y axis points up).
        widths: glyph widths (1/1000 em) per character.
        ascent: the font's ascent, 1/1000 em.
        descent: the font's descent (negative), 1/1000 em.
    """
    k = points_per_pixel
    em = (ascent - descent) / 1000.0
    parts = ["BT", "3 Tr"]
    # Tf and Tz stay in force within BT/ET: each is written only when it changes (a line shares its size)
    last_tf = last_tz = ""
    # each word starts a new text line with Td, relative to the previous one; the positions are kept in
    # whole hundredths of a point so the offsets add up exactly, with no drift along a page
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
        natural = sum(widths.get(ch, widths.get(" ", 250.0)) for ch in text) / 1000.0 * size
        scale = 100.0 * (w * k) / natural if natural > 0 else 100.0
        tf, tz = f"/F1 {_num(size)} Tf ", f"{_num(scale, 1)} Tz "
        cx, cy = round(x * k * 100), round(baseline * 100)
        parts.append(
            f"{tf if tf != last_tf else ''}{tz if tz != last_tz else ''}"
            f"{_num((cx - at_x) / 100)} {_num((cy - at_y) / 100)} Td <{font.encode(text).hex()}> Tj"
        )
        last_tf, last_tz, at_x, at_y = tf, tz, cx, cy
    parts.append("ET")
    return ("\n".join(parts) + "\n").encode("ascii")
