"""The invisible text of one page (render mode 3), placed over each OCR word.

Font size comes from the word's line (so a line reads as one run), the baseline from the line's bottom
less the font's descent, and horizontal scaling stretches each word to its box, so selecting a word in
a viewer highlights its ink (its characters get shares of the box by their widths in the font: equal
for the glyphless font's empty glyphs, the real ones for the stamp's characters drawn in the same font).
"""

from __future__ import annotations

from pipeline.archive.fonts import TextFont
from sohoa.model.ocr import OcrPage

__all__ = ["pdf_number", "pdf_string", "text_operators"]


def pdf_number(v: float, places: int = 2) -> str:
    """``v`` to ``places`` decimals, without trailing zeros (content-stream operands)."""
    text = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def pdf_string(data: bytes) -> bytes:
    """``data`` as a literal string: the bytes themselves, half a hex string's length.

    Backslash and parentheses are escaped, and CR, which a reader would take for a line end.
    """
    escaped = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped.replace(b"\r", b"\\r") + b")"


def text_operators(
    page: OcrPage,
    font: TextFont,
    *,
    points_per_pixel: float,
    page_height_px: float,
    ascent: float,
    descent: float,
) -> bytes:
    """Content-stream operators drawing ``page``'s words invisibly (PDF's origin: bottom-left).

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
    # text space in OCR-frame pixels (the Tm's scale), y up: the words' boxes are whole pixels, so
    # positions are written exactly, in fewer digits than points would take
    parts = [b"BT", b"3 Tr", f"{pdf_number(k, 6)} 0 0 {pdf_number(k, 6)} 0 0 Tm".encode("ascii")]
    # Tf and Tz stay in force within BT/ET: each is written only when it changes (a line shares its size)
    last_tf, last_tz = "", 100
    # each word starts a new text line with Td, relative to the previous one, in whole pixels: the
    # offsets add up exactly, with no drift along a page
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
        # whole pixels: the line's height is one, so its box stays within a pixel
        size = max(round(lh / em), 1)
        baseline = round(page_height_px - (ly + lh) - descent / 1000.0 * size)
        natural = sum(font.advance(ch) for ch in text) / 1000.0 * size
        scale = 100.0 * w / natural if natural > 0 else 100.0
        # whole percents (half a percent of the word's width at most), or the scale in force when
        # with it the word ends as close to its box's end, or within half a pixel
        tz = round(scale)
        if abs(last_tz - scale) * natural / 100 <= max(0.5, abs(tz - scale) * natural / 100):
            tz = last_tz
        tf = f"/F1 {size} Tf "
        # no space around the string: its parentheses delimit it
        state = f"{tf if tf != last_tf else ''}{f'{tz} Tz ' if tz != last_tz else ''}"
        move = f"{state}{x - at_x} {baseline - at_y} Td"
        parts.append(move.encode("ascii") + pdf_string(font.encode(text)) + b"Tj")
        last_tf, last_tz, at_x, at_y = tf, tz, x, baseline
    parts.append(b"ET")
    return b"\n".join(parts) + b"\n"
