"""Real Tesseract OCR on generated Vietnamese pages (few calls: this module is the slow one)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from ocr_fixtures import (
    BODY,
    HEADER_LEFT,
    HEADER_RIGHT,
    SIGNER_NAME,
    URGENT,
    render_letter,
    render_lines,
    render_signed,
    rotated,
    save,
)
from PIL import Image
from typer.testing import CliRunner

from cli.main import app
from ocr import OcrContext, PageSource, ocr_file, searchable_pdf
from ocr.page import ocr_page
from sohoa.model.ocr import PageInput, PageKind

CTX = OcrContext(languages="vie", jobs=1)


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _assert_reads(text: str, expected: str, *, max_cer: float = 0.03) -> None:
    got, want = " ".join(text.split()), " ".join(expected.split())
    assert unicodedata.is_normalized("NFC", text)
    assert _levenshtein(got, want) / len(want) <= max_cer, got
    # a few character errors are tolerated, missing diacritics are not
    for word in ("Ngoại", "đề", "nghị", "lãnh", "sự", "hộ", "chiếu", "số", "hóa", "lưu", "trữ"):
        assert word in got, word


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save(render_letter(), tmp_path_factory.mktemp("letter") / "letter.png")


def test_vietnamese_letter_is_read_with_diacritics_in_reading_order(letter: Path) -> None:
    doc = ocr_file(letter, CTX, jobs=1)
    (page,) = doc.pages
    assert page.source is PageSource.OCR and page.confidence > 80
    expected = "\n".join(HEADER_LEFT + HEADER_RIGHT + BODY)
    _assert_reads(page.text, expected)
    assert page.lines[0].region == "header-left" and page.lines[3].region == "header-right"
    assert page.words and all(w.box[2] > 0 for w in page.words)
    assert {"load", "preprocess", "ocr"} <= page.timings.keys()
    assert doc.sha256 == hashlib.sha256(letter.read_bytes()).hexdigest()
    assert doc.media_type == "image/png" and "tesseract" in doc.engine


def test_upside_down_page_is_turned_and_read(tmp_path: Path) -> None:
    img = render_lines(BODY, width=1600)
    path = save(img.rotate(180), tmp_path / "upside-down.png")
    page = ocr_page(
        PageInput(number=1, kind=PageKind.IMAGE, path=str(path), dpi=200, workdir=str(tmp_path)), CTX
    )
    assert page.preprocessing.get("rotation") == 180
    _assert_reads(page.text, "\n".join(BODY))
    assert list(tmp_path.iterdir()) == [path]  # no temp files left


def test_multipage_tiff_with_blank_and_broken_page(tmp_path: Path) -> None:
    text = rotated(render_lines(BODY[:2], width=1600), 2.0)
    blank = Image.new("L", text.size, 250)
    path = tmp_path / "dossier.tif"
    text.save(path, save_all=True, append_images=[blank], dpi=(200, 200))
    doc = ocr_file(path, CTX, jobs=2)
    assert [p.source for p in doc.pages] == [PageSource.OCR, PageSource.BLANK]
    assert abs(float(doc.pages[0].preprocessing["skew_angle"]) - 2.0) <= 0.5  # type: ignore[arg-type]
    assert "Ngoại vụ" in doc.pages[0].text
    assert "blank page" in doc.pages[1].warnings
    # a page that fails is reported, the document is not lost
    missing = PageInput(number=3, kind=PageKind.IMAGE, path=str(tmp_path / "gone.png"), workdir=str(tmp_path))
    failed = ocr_page(missing, CTX)
    assert failed.source is PageSource.FAILED and failed.error is not None


def test_searchable_pdf_has_text_and_original_is_untouched(tmp_path: Path) -> None:
    src = save(render_lines(BODY[:2], width=1600), tmp_path / "scan.png")
    before = src.read_bytes()
    out = tmp_path / "out" / "scan.pdf"
    doc = searchable_pdf(src, out, CTX, jobs=1)
    assert src.read_bytes() == before
    extracted = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Ngoại" in unicodedata.normalize("NFC", extracted)
    page = doc.pages[0]
    assert page.source is PageSource.OCR
    # Tesseract read a black-and-white page; the archive copy shows the grayscale scan under the text
    images = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(images) == 1 and images[0].split()[5:8] == ["gray", "1", "8"]
    # ... and every word of the text layer sits over its pixels
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    page_w = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))  # type: ignore[union-attr]
    first_x = float(re.search(r'<word xMin="([\d.]+)"', bbox).group(1))  # type: ignore[union-attr]
    assert abs(first_x / page_w - page.words[0].box[0] / page.width) < 0.01
    # the scan fills the page: its pixels over the page's width in points give its resolution
    cols = images[0].split()
    assert int(cols[3]) == page.width and abs(int(cols[12]) - page.width * 72 / page_w) <= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scan.png"]


def test_cli_json_lines_go_on_after_a_bad_file(tmp_path: Path) -> None:
    good = save(render_lines(BODY[1:2], width=1600), tmp_path / "good.png")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    result = CliRunner().invoke(app, ["ocr", "--json", str(bad), str(good)])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.exit_code == 3
    assert [Path(line["file"]).name for line in lines] == ["bad.jpg", "good.png"]
    assert lines[0]["error"]["type"] == "EmptyFileError" and lines[0]["pages"] == []
    page = lines[1]["pages"][0]
    assert lines[1]["error"] is None
    assert page["number"] == 1 and page["source"] == "ocr" and page["confidence"] > 50
    assert "Ngoại" in page["text"] and isinstance(page["warnings"], list)


def test_red_seal_over_the_signer_is_removed_and_the_name_read(tmp_path: Path) -> None:
    path = save(render_signed(), tmp_path / "signed.png")
    page = ocr_file(path, CTX).pages[0]
    assert page.preprocessing["red_seal_removed"] > 0.001
    lines = page.text.splitlines()
    assert SIGNER_NAME in lines
    assert "PHÓ GIÁM ĐỐC" in lines
    assert URGENT in lines  # red text that is not a seal is still read
    # the same page with the step switched off: the seal hides part of the name
    off = ocr_file(path, CTX.with_(remove_red_seals=False)).pages[0]
    assert "red_seal_removed" not in off.preprocessing
    assert SIGNER_NAME not in off.text.splitlines()
