"""Scan facts measured by the preprocessing, no Tesseract: colour mode, edge marks, grain, fingerprint."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ocr import preprocess as pp
from ocr.barcodes import read_barcodes
from ocr.context import OcrContext
from ocr.page import preprocess_page
from pipeline.sheets import separator_sheet


def _text_page(width: int = 1654, height: int = 2339, *, top: int = 300) -> Image.Image:
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for i in range(30):
        draw.text((160, top + 60 * i), "Sở Ngoại vụ đề nghị các cơ quan rà soát hồ sơ " * 2, fill=0)
    return page


def test_colour_mode() -> None:
    gray = _text_page()
    assert pp.color_mode(gray) == "gray"
    assert pp.color_mode(gray.convert("1")) == "bilevel"
    assert pp.color_mode(gray.point(lambda v: 0 if v < 128 else 255)) == "bilevel"  # thresholded, stored as L
    assert pp.color_mode(gray.convert("RGB")) == "gray"  # a gray scan saved as RGB
    stamped = gray.convert("RGB")
    ImageDraw.Draw(stamped).ellipse((900, 1600, 1300, 2000), outline=(210, 30, 40), width=12)
    assert pp.color_mode(stamped) == "color"


def test_edge_marks_only_for_glyphs_cut_by_the_edge() -> None:
    page = np.asarray(_text_page())
    small = pp.measuring_copy(page)
    assert max(pp.edge_ink(pp.ink_marks(page, small=small))) < 0.02
    cut = page[: 300 + 60 * 12 + 6]  # through the 13th line
    top, right, bottom, left = pp.edge_ink(pp.ink_marks(cut))
    assert bottom > 0.08 and max(top, right, left) < 0.02  # over the gate's cropped_edge_ink
    shadow = page.copy()
    shadow[-6:, :] = 60  # a scanner's shadow line along the bottom is no cut text
    assert pp.edge_ink(pp.ink_marks(shadow))[2] < 0.02


def test_grain_and_fingerprint() -> None:
    page = np.asarray(_text_page())
    noise = np.random.default_rng(1).integers(0, 256, page.shape, dtype=np.uint8)
    assert pp.grain(pp.measuring_copy(page)) < 3 < 12 < pp.grain(pp.measuring_copy(noise))  # blank_max_grain
    same = pp.fingerprint(pp.measuring_copy(page))
    again = pp.fingerprint(pp.measuring_copy(np.clip(page.astype(int) + 3, 0, 255).astype(np.uint8)))
    assert len(same) == 16 and (int(same, 16) ^ int(again, 16)).bit_count() <= 4


def test_preprocess_records_facts_and_reads_a_qr_code() -> None:
    sheet = np.asarray(separator_sheet("HS-2024-001", dpi=200))
    prepared = preprocess_page(sheet, 200, OcrContext())
    assert [b.text for b in prepared.facts["barcodes"]] == ["HS-2024-001"]  # type: ignore[attr-defined]
    assert {"ink", "edge_ink", "fingerprint", "grain", "residual_skew"} <= set(prepared.facts)
    assert read_barcodes(np.asarray(_text_page())) == []
