"""ocr._exec.tesseract: several images in one call read as they do in separate calls."""

from __future__ import annotations

from pathlib import Path

from ocr_fixtures import render_lines, save

from ocr._exec import tesseract
from ocr.layout import parse_tsv

OPTIONS = {"languages": "vie", "psm": 6, "oem": 1, "dpi": 300, "timeout": 60.0}


def test_many_images_in_one_call_read_as_each_alone(tmp_path: Path) -> None:
    texts = [
        ["Số: 1340/QĐ-UBND"],
        ["Về việc rà soát hồ sơ lãnh sự"],
        ["KT. GIÁM ĐỐC", "Nguyễn Thị Hồng Nhung"],
    ]
    images = [save(render_lines(lines), tmp_path / f"crop-{i}.png") for i, lines in enumerate(texts)]
    together = tesseract.recognize_many(images, **OPTIONS)
    assert len(together) == len(images)
    for image, tsv, lines in zip(images, together, texts, strict=True):
        words = [w.text for w in parse_tsv(tsv)]
        alone = [w.text for w in parse_tsv(tesseract.recognize(image, **OPTIONS))]
        assert words == alone
        assert " ".join(words) == " ".join(lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in images]  # list and TSV removed


def test_an_image_without_text_keeps_its_place(tmp_path: Path) -> None:
    blank = save(render_lines([""]), tmp_path / "blank.png")
    text = save(render_lines(["HÀ NỘI"]), tmp_path / "text.png")
    first, second = tesseract.recognize_many([blank, text], **OPTIONS)
    assert parse_tsv(first) == []
    assert [w.text for w in parse_tsv(second)] == ["HÀ", "NỘI"]
    assert tesseract.recognize_many([], **OPTIONS) == []
