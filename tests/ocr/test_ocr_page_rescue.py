"""ocr.page: blocks Tesseract dropped as pictures are read again, all in one call, in page coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ocr_fixtures import font
from PIL import Image, ImageDraw

from ocr import OcrContext, page
from ocr._exec import tesseract
from ocr.layout import RawWord

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def test_dropped_blocks_are_read_in_page_coordinates(tmp_path: Path, monkeypatch) -> None:
    img = Image.new("L", (1654, 1200), 255)
    draw = ImageDraw.Draw(img)
    draw.text((200, 100), "Sở Ngoại vụ", font=font(34), fill=0)
    draw.text((980, 700), "Nguyễn Văn An", font=font(34, bold=True), fill=0)
    draw.text((200, 900), "Phạm Thị Hoa", font=font(34, bold=True), fill=0)
    gray = np.asarray(img)
    words = [
        RawWord("Sở", 95.0, 200, 100, 50, 34, 1, 1, 1),
        RawWord("Ngoại", 95.0, 260, 100, 90, 34, 1, 1, 1),
    ]
    # blocks 2 and 3: found by the layout, no words read in them (taken for pictures)
    tsv = "\n".join([
        HEADER,
        "2\t1\t1\t0\t0\t0\t200\t100\t200\t34\t-1\t",
        "2\t1\t2\t0\t0\t0\t960\t680\t400\t80\t-1\t",
        "2\t1\t3\t0\t0\t0\t180\t880\t400\t80\t-1\t",
    ])  # fmt: skip
    calls = []
    real = tesseract.recognize_many

    def counting(images, **kw):
        calls.append(len(images))
        return real(images, **kw)

    monkeypatch.setattr(tesseract, "recognize_many", counting)
    found = page._rescue_blocks(gray, 300, OcrContext(), tsv, words, tmp_path, 1)
    assert calls == [2]  # both blocks in one call
    assert {w.text for w in found} >= {"Nguyễn", "Văn", "An", "Phạm", "Thị", "Hoa"}
    nguyen = next(w for w in found if w.text == "Nguyễn")
    assert 960 <= nguyen.left <= 1000 and 680 <= nguyen.top <= 720 and nguyen.block >= 10_000
    assert list(tmp_path.iterdir()) == []  # the crops are removed
