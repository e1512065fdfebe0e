"""Separator sheets for scanning a box as one file: a page with a QR patch code and its value in print.

Archive staff print one before each document (or dossier) and scan the box in one go; with ``--split
separator`` (or ``auto``) each sheet starts a new document, and a value that is a dossier code assigns
that dossier. Pure: returns an image, writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

__all__ = ["separator_sheet"]

_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
_A4_INCHES = (8.27, 11.69)


def separator_sheet(value: str, *, dpi: int = 200, label: str = "TỜ PHÂN CÁCH / SEPARATOR") -> Image.Image:
    """An A4 separator sheet: a 5 cm QR code of ``value`` in the upper half, the value printed under it.

    Args:
        value: what the QR code holds, e.g. a dossier code ``HS-2024-001``.
        dpi: resolution of the image (also stored in it).
        label: the heading printed above the code.
    """
    width, height = round(_A4_INCHES[0] * dpi), round(_A4_INCHES[1] * dpi)
    page = Image.new("L", (width, height), 255)
    code = zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode)
    side = round(5 / 2.54 * dpi)
    qr = Image.fromarray(np.asarray(code.to_image(scale=1, add_quiet_zones=False))).resize(
        (side, side), Image.Resampling.NEAREST
    )
    top = round(height * 0.22)
    page.paste(qr, ((width - side) // 2, top))
    draw = ImageDraw.Draw(page)
    size = max(12, round(dpi * 0.2))
    font = ImageFont.truetype(str(_FONT), size) if _FONT.is_file() else ImageFont.load_default()
    for text, y in ((label, top - 2 * size), (value, top + side + size)):
        w = draw.textlength(text, font=font)
        draw.text(((width - w) / 2, y), text, font=font, fill=0)
    page.info["dpi"] = (dpi, dpi)
    return page
