"""Where a scan goes on the archive page: the affine map from the decoded page to the OCR frame.

sohoa's OCR turns, deskews and scales a page before reading it (``OcrPage.transforms``); the word boxes
are in that frame. The archive copy keeps the scan's own pixels and draws them through this map, so the
page shows straightened and the words sit over their ink, with no resampling of the image.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sohoa.model.ocr import OcrPage, PageTransform

__all__ = ["Frame", "frame_of", "page_transforms"]

Matrix = NDArray[np.float64]


class Frame:
    """The OCR frame of a page: its size in pixels and the map from the decoded page's pixels to it."""

    def __init__(self, width: float, height: float, matrix: Matrix, scale: float) -> None:
        self.width = width
        self.height = height
        self.matrix = matrix
        self.scale = scale  # product of the scale steps (OCR pixels per scan pixel)


def page_transforms(page: OcrPage, *, deskew_min_angle: float = 0.1) -> list[PageTransform]:
    """The page's transforms; for OCR results made before they were recorded, rebuilt from its steps."""
    if page.transforms or page.frame_size is not None:
        return list(page.transforms)
    steps = page.preprocessing
    out: list[PageTransform] = []
    rotation = int(steps.get("rotation", 0) or 0)  # type: ignore[call-overload]
    if rotation % 360:
        out.append(PageTransform(op="turn", value=rotation % 360))
    angle = float(steps.get("skew_angle", 0.0) or 0.0)  # type: ignore[arg-type]
    if abs(angle) >= deskew_min_angle:
        out.append(PageTransform(op="rotate", value=-angle))
    low = steps.get("upscaled_from_dpi")
    if low and page.dpi:
        out.append(PageTransform(op="scale", value=page.dpi / float(low)))  # type: ignore[arg-type]
    return out


def _step(op: PageTransform, w: float, h: float) -> tuple[Matrix, float, float]:
    if op.op == "turn":
        turns = round(op.value / 90) % 4
        # clockwise quarter turns, as cv2.rotate: (x, y) -> (h - y, x) for one turn
        m = np.eye(3)
        for _ in range(turns):
            m = np.array([[0.0, -1.0, h], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) @ m
            w, h = h, w
        return m, w, h
    if op.op == "rotate":
        # cv2.getRotationMatrix2D((w/2, h/2), angle, 1): counter-clockwise on screen, same canvas
        a = math.radians(op.value)
        c, s = math.cos(a), math.sin(a)
        cx, cy = w / 2, h / 2
        m = np.array([[c, s, (1 - c) * cx - s * cy], [-s, c, s * cx + (1 - c) * cy], [0.0, 0.0, 1.0]])
        return m, w, h
    f = op.value
    return np.diag([f, f, 1.0]), w * f, h * f


def frame_of(page: OcrPage, frame_size: tuple[int, int], *, deskew_min_angle: float = 0.1) -> Frame:
    """The OCR frame of ``page`` whose decoded image was ``frame_size`` pixels."""
    w, h = float(frame_size[0]), float(frame_size[1])
    m = np.eye(3)
    scale = 1.0
    for op in page_transforms(page, deskew_min_angle=deskew_min_angle):
        step, w, h = _step(op, w, h)
        m = step @ m
        if op.op == "scale":
            scale *= op.value
    if page.width and page.height:
        w, h = float(page.width), float(page.height)
    return Frame(w, h, m, scale)
