"""The visible signature stamp: agency name and ISO 8601 time, black Liberation Serif 10 pt, no image.

Drawn here as a one-page PDF with the same embedded-font code as the text layer (pyHanko's own font
embedding writes glyph widths in font units, which PDF/A rule 6.2.11.5 rejects); pyHanko then places that
page as the signature's appearance.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

from pipeline.archive.fonts import TextFont

__all__ = ["FONT_SIZE", "stamp_page"]

FONT_SIZE = 10.0
PADDING = 4.0


def stamp_page(lines: list[str], out: Path, *, font_path: Path) -> tuple[float, float]:
    """Write a one-page PDF holding ``lines`` (top to bottom); returns its width and height in points."""
    font = TextFont(font_path)
    widths, ascent, descent = font.metrics()
    leading = FONT_SIZE * 1.2
    text_w = max(sum(widths.get(ch, widths[" "]) for ch in line) / 1000.0 * FONT_SIZE for line in lines)
    width = round(text_w + 2 * PADDING, 2)
    height = round(leading * len(lines) + 2 * PADDING, 2)
    ops = ["BT", "0 g", "0 Tr"]
    y = height - PADDING - ascent / 1000.0 * FONT_SIZE
    for line in lines:
        ops.append(f"/F1 {FONT_SIZE:g} Tf 1 0 0 1 {PADDING:g} {y:.2f} Tm <{font.encode(line).hex()}> Tj")
        y -= leading
    ops.append("ET")
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(width, height))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font.embed(pdf)))
    page.obj.Contents = pdf.make_stream(("\n".join(ops) + "\n").encode("ascii"))
    pdf.save(out)
    return width, height
