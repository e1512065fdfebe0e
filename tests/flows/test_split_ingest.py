"""Ingesting a box scanned as one file (real MinIO, Elasticsearch and Prefect): the gate and the split."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from flows.ingest import ingest_batch
from pipeline.resplit import load_split
from pipeline.sheets import separator_sheet
from sohoa.model.document import AccessLevel, Document
from sohoa.model.qa import QaCode
from sohoa.model.report import FileStatus, to_markdown
from sohoa.model.search import SearchQuery
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ObjectStore, thumbnail_name
from tests.pipeline import qa_pages as gen

pytestmark = [pytest.mark.services, pytest.mark.slow]

DPI = 200  # the archival minimum: only low.png is under it


def _box_pages() -> list[Image.Image]:
    pages = [
        separator_sheet("HS-2024-001", dpi=DPI),  # 1
        gen.document_page(dpi=DPI, number="12/QĐ-SNgV", title="QUYẾT ĐỊNH"),  # 2
        gen.document_page(dpi=DPI, page_number=2, signer=True),  # 3
        gen.blank_back(DPI),  # 4
        separator_sheet("HS-2024-002", dpi=DPI),  # 5
        gen.document_page(dpi=DPI, number="40/TB-SNgV", title="THÔNG BÁO", signer=True),  # 6
    ]
    return [p.convert("RGB") for p in pages]


@pytest.fixture(scope="module")
def box_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GIVEN a batch: a box TIFF with two QR separator sheets, a 100-dpi page, and a manifest."""
    root = tmp_path_factory.mktemp("box")
    gen.save_tiff(_box_pages(), root / "box.tif")
    gen.document_page(dpi=100, number="7/SNgV-VP").save(root / "low.png", dpi=(100, 100))
    (root / "manifest.csv").write_text("file,expected_pages\nbox.tif,7\nlow.png,1\n", encoding="utf-8")
    return root


def test_separator_split_with_quality_gate(archive: Settings, box_batch: Path) -> None:
    report = ingest_batch(str(box_batch), split="separator")
    files = {f.path: f for f in report.files}
    box, low = files["box.tif"], files["low.png"]
    # THEN the box became two documents with their dossiers; the separator sheets are in no document
    assert [p.pages for p in box.documents] == [[2, 3, 4], [6]]
    assert [p.dossier_code for p in box.documents] == ["HS-2024-001", "HS-2024-002"]
    assert box.separator_pages == [1, 5] and box.original is not None and box.pages == 6
    assert report.reconciliation.page_mismatches == [{"path": "box.tif", "expected": 7, "found": 6}]
    store = ObjectStore.from_settings(archive.minio)
    split = load_split(store, box.original)
    assert split is not None and split.documents == [p.document_id for p in box.documents]
    first = Document.model_validate(store.get_json(box.documents[0].document_id, ARTIFACT_DOCUMENT))
    assert first.source is not None and first.source.pages == [2, 3, 4] and first.page_count == 3
    assert first.dossier_code == "HS-2024-001" and first.metadata.value("so_ky_hieu") == "12/QĐ-SNgV"
    thumbs = {a for a in store.list_artifacts(first.id) if a.startswith("thumbnails/")}
    assert thumbs == {thumbnail_name(n) for n in (1, 2, 3)}  # the part's own pages, numbered as the part
    # THEN the quality gate: the blank back reported, the 100-dpi page and the short box to rescan
    assert {f.code for f in box.qa} == {QaCode.BLANK_PAGE, QaCode.PAGE_COUNT}
    assert [(f.code, f.value) for f in low.qa] == [(QaCode.LOW_DPI, 100)]
    assert low.status is FileStatus.NEEDS_REVIEW
    assert report.qa.counts["low_dpi"] == 1 and report.qa.counts["blank_page"] == 1
    assert {r.path for r in report.qa.rescan} == {"box.tif", "low.png"}
    markdown = to_markdown(report)
    assert "Scan quality" in markdown and "low.png | 1 | low_dpi" in markdown and "pages 2-4" in markdown
    # THEN the index filters documents to rescan
    index = SearchIndex.from_settings(archive.elasticsearch)
    index.refresh()
    query = SearchQuery(needs_rescan=True, access_levels=list(AccessLevel), facets=False)
    rescan = {h.id for h in index.search(query).hits}
    assert low.document_id in rescan
    assert box.documents[1].document_id in rescan  # page count finding of its file
    query = SearchQuery(dossier_code="HS-2024-002", access_levels=list(AccessLevel), facets=False)
    assert [h.id for h in index.search(query).hits] == [box.documents[1].document_id]
    # WHEN the batch runs again THEN the split file is a duplicate (no new OCR)
    again = {f.path: f for f in ingest_batch(str(box_batch), split="separator").files}
    assert again["box.tif"].status is FileStatus.DUPLICATE


def test_cli_split_none_leaves_the_file_whole(archive: Settings, tmp_path: Path) -> None:
    pages = _box_pages()
    whole = tmp_path / "whole.tif"  # other bytes than box.tif (compression): not a duplicate
    pages[0].save(whole, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate",
                  dpi=(DPI, DPI))  # fmt: skip
    argv = [sys.executable, "-m", "cli", "--quiet", "ingest", str(whole), "--split", "none", "--json"]
    done = subprocess.run(  # noqa: S603
        argv, env=os.environ.copy(), capture_output=True, text=True, timeout=600, check=True
    )
    (result,) = json.loads(done.stdout)["files"]
    assert result["pages"] == 6 and result["documents"] == [] and result["separator_pages"] == []
    assert len(result["document_id"]) == 64 and result["original"] is None
