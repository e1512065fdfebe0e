"""Barcode and QR code reading, through zxing-cpp (the one wrapper of that library).

Used on every page's measuring copy (~100-150 dpi), where a separator sheet's patch code or a dossier
label is large enough to decode in a few tens of milliseconds. Nothing here knows what a value means:
:mod:`pipeline.split` decides whether it is a separator or a dossier code.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
import zxingcpp

from ocr.preprocess import Gray
from sohoa.model.ocr import Barcode

__all__ = ["read_barcodes"]

log = logging.getLogger(__name__)

#: a patch code is read on a copy at most this wide (about 150 dpi for A4): enough for a 1.5 cm QR code
_READ_WIDTH = 1300


def read_barcodes(gray: Gray) -> list[Barcode]:
    """Every barcode or QR code zxing-cpp finds on a grayscale page, with boxes in the page's pixels.

    A decoder failure is logged and reads as no barcode: a page never fails because of its label.
    """
    scale = min(1.0, _READ_WIDTH / gray.shape[1])
    image = gray
    if scale < 1.0:
        size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
        image = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    try:
        # already at reading size, and printed dark on light: no downscaled or inverted second passes
        found = zxingcpp.read_barcodes(np.ascontiguousarray(image), try_downscale=False, try_invert=False)
    except (RuntimeError, ValueError) as e:
        log.warning("zxing-cpp: cannot read barcodes: %s", e)
        return []
    out = []
    for result in found:
        if not result.valid or not result.text:
            continue
        pos = result.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        x0, y0 = round(min(xs) / scale), round(min(ys) / scale)
        box = (x0, y0, round(max(xs) / scale) - x0, round(max(ys) / scale) - y0)
        out.append(Barcode(text=result.text, format=result.format.name, box=box))
    return out
