"""The map from the decoded scan to the OCR frame replays sohoa's own preprocessing (pure, no service)."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.archive.geometry import frame_of, page_transforms
from sohoa.model.ocr import OcrPage, PageSource, PageTransform


def _page(*ops: tuple[str, float], size: tuple[int, int] = (400, 300)) -> OcrPage:
    return OcrPage(
        number=1,
        source=PageSource.OCR,
        frame_size=size,
        transforms=[PageTransform(op=o, value=v) for o, v in ops],
    )


def _apply(m: np.ndarray, x: float, y: float) -> tuple[float, float]:
    v = m @ np.array([x, y, 1.0])
    return float(v[0]), float(v[1])


def test_quarter_turn_matches_cv2_rotate() -> None:
    img = np.zeros((300, 400), np.uint8)
    img[10, 20] = 255
    turned = cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)
    y, x = np.argwhere(turned == 255)[0]
    f = frame_of(_page(("turn", 90)), (400, 300))
    assert (f.width, f.height) == (300, 400)
    gx, gy = _apply(f.matrix, 20.5, 10.5)  # pixel centres
    assert abs(gx - (x + 0.5)) < 1 and abs(gy - (y + 0.5)) < 1


def test_deskew_matches_cv2_warp() -> None:
    f = frame_of(_page(("rotate", -2.0)), (400, 300))
    expected = cv2.getRotationMatrix2D((200, 150), -2.0, 1.0)
    assert np.allclose(f.matrix[:2], expected)


def test_scale_and_order() -> None:
    f = frame_of(_page(("turn", 90), ("rotate", 1.0), ("scale", 2.0)), (400, 300))
    assert f.scale == 2.0 and (f.width, f.height) == (600, 800)


def test_old_ocr_results_rebuild_their_transforms() -> None:
    page = OcrPage(
        number=1,
        source=PageSource.OCR,
        dpi=300,
        preprocessing={"rotation": 90, "skew_angle": 1.2, "upscaled_from_dpi": 150},
    )
    assert [(t.op, t.value) for t in page_transforms(page)] == [
        ("turn", 90),
        ("rotate", -1.2),
        ("scale", 2.0),
    ]
