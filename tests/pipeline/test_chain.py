"""The chain's steps without services: access levels, document records, thumbnails, totals, report."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ocr import OcrContext
from ocr.derive import page_thumbnails
from pipeline.batch import ManifestRow
from pipeline.chain import IngestContext, access_level_for, build_document, totals
from sohoa.model.document import AccessLevel
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource
from sohoa.model.report import BatchReport, FileResult, FileStatus, to_markdown
from sohoa.settings import OcrSettings
from tests.support import metadata_of


def test_access_level_manifest_beats_secrecy_mark_beats_default() -> None:
    secret = metadata_of(do_mat="Mật")
    assert access_level_for(secret, None, AccessLevel.PUBLIC) is AccessLevel.CONFIDENTIAL
    assert (
        access_level_for(metadata_of(do_mat="Tối mật"), None, AccessLevel.INTERNAL)
        is AccessLevel.CONFIDENTIAL
    )
    row = ManifestRow("x.png", access_level=AccessLevel.INTERNAL)
    assert access_level_for(secret, row, AccessLevel.PUBLIC) is AccessLevel.INTERNAL
    assert access_level_for(metadata_of(), None, AccessLevel.INTERNAL) is AccessLevel.INTERNAL


def test_build_document_takes_dossier_from_manifest_then_batch_then_page() -> None:
    ctx = IngestContext(batch="b1", ocr=OcrContext.from_settings(OcrSettings()), dossier_code="HS-BATCH")
    pages = [OcrPage(number=1, source=PageSource.OCR, text="x", confidence=80.0)]
    ocr_doc = OcrDocument(
        file_name="a.png", sha256="a" * 64, media_type="image/png", pages=pages, languages="vie"
    )
    common = {
        "sha256": "a" * 64,
        "name": "a.png",
        "media_type": "image/png",
        "size": 3,
        "ocr_doc": ocr_doc,
        "ctx": ctx,
    }
    meta = metadata_of(ma_ho_so="HS-PAGE")
    assert (
        build_document(**common, metadata=meta, row=ManifestRow("a.png", "HS-ROW")).dossier_code == "HS-ROW"
    )
    doc = build_document(**common, metadata=meta, row=None)
    assert doc.dossier_code == "HS-BATCH" and doc.page_count == 1 and doc.ocr_confidence == 80.0
    assert doc.batch == "b1" and doc.access_level is AccessLevel.INTERNAL


def test_thumbnails_of_multipage_tiff_are_scaled_jpegs(tmp_path: Path) -> None:
    frames = [Image.new("L", (2000, 2800), 255), Image.new("L", (600, 800), 0)]
    tiff = tmp_path / "two.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    thumbs = page_thumbnails(tiff, "image/tiff", OcrContext(), width=1000)
    assert [n for n, _ in thumbs] == [1, 2]
    sizes = []
    for _, jpeg in thumbs:
        (tmp_path / "t.jpg").write_bytes(jpeg)
        with Image.open(tmp_path / "t.jpg") as im:
            assert im.format == "JPEG"
            sizes.append(im.size)
    assert sizes == [(1000, 1400), (600, 800)]  # scaled down, never enlarged


def test_totals_and_markdown_report() -> None:
    results = [
        FileResult(path="a|b.png", status=FileStatus.STORED, document_id="a" * 64, pages=2, indexed=True),
        FileResult(
            path="c.png", status=FileStatus.NEEDS_REVIEW, document_id="c" * 64, pages=1, reasons=["no date"]
        ),
        FileResult(path="d.png", status=FileStatus.DUPLICATE, document_id="d" * 64, pages=5, indexed=True),
        FileResult(
            path="e.pdf", status=FileStatus.FAILED, error={"type": "EmptyFileError", "message": "0 bytes"}
        ),
    ]
    t = totals(results, 30.0)
    assert (t.files, t.stored, t.needs_review, t.duplicate, t.failed, t.pages) == (4, 1, 1, 1, 1, 3)
    assert t.pages_per_minute == 6.0 and t.not_indexed == 1
    md = to_markdown(BatchReport(batch="b", source="/x", started_at="now", files=results, totals=t))
    assert "a\\|b.png" in md and "EmptyFileError: 0 bytes" in md and "not yet indexed 1" in md
