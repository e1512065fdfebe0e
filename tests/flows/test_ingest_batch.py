"""End to end on the real services: a mixed batch, its report, search, and a re-run that is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import ingest_batch
from sohoa.model.document import AccessLevel
from sohoa.model.report import BatchReport
from sohoa.model.search import SearchQuery
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore

pytestmark = [pytest.mark.services, pytest.mark.slow]

EXPECTED = {
    "cv-215-sngv.jpg": ("stored", None),
    "empty.pdf": ("failed", "EmptyFileError"),
    "encrypted.pdf": ("failed", "EncryptedPdfError"),
    "not-an-image.png": ("failed", "UnsupportedFileTypeError"),
    "qd-1340-ubnd.png": ("stored", None),
    "qd-1340-ubnd_copy.png": ("duplicate", None),
    "tb-07-cls.pdf": ("stored", None),
    "truncated.jpg": ("failed", "TruncatedFileError"),
}


@pytest.fixture(scope="module")
def first_run(archive: Settings, sample_batch: Path) -> BatchReport:
    return ingest_batch(source=str(sample_batch), batch_id="test-batch-1", uploader="tester")


def _everything(index: SearchIndex, text: str) -> list[str]:
    result = index.search(SearchQuery(text=text, access_levels=list(AccessLevel), size=20))
    return [h.fields.get("so_ky_hieu") for h in result.hits]


def test_report_lists_every_file_with_its_exact_outcome(first_run: BatchReport) -> None:
    got = {f.path: (f.status.value, f.error["type"] if f.error else None) for f in first_run.files}
    assert got == EXPECTED
    t = first_run.totals
    assert (t.files, t.stored, t.duplicate, t.failed, t.needs_review, t.pages) == (8, 3, 1, 4, 0, 4)
    assert t.not_indexed == 0 and t.pages_per_minute > 0
    failed = {f.path: f.error["message"] for f in first_run.files if f.error}
    assert "0 bytes" in failed["empty.pdf"] or "empty" in failed["empty.pdf"].lower()
    assert "password" in failed["encrypted.pdf"].lower()


def test_manifest_is_reconciled(first_run: BatchReport) -> None:
    r = first_run.reconciliation
    assert r.manifest == "manifest.csv"
    assert r.missing_files == ["bb-99-missing.tif"]
    assert r.unexpected_files == sorted(
        ["empty.pdf", "encrypted.pdf", "not-an-image.png", "qd-1340-ubnd_copy.png", "truncated.jpg"]
    )
    assert r.page_mismatches == []


def test_report_and_artifacts_are_stored(archive: Settings, first_run: BatchReport) -> None:
    store = ObjectStore.from_settings(archive.minio)
    assert store.get_report("test-batch-1")["totals"]["stored"] == 3
    stored = [f for f in first_run.files if f.status.value == "stored"]
    for f in stored:
        names = set(store.list_artifacts(f.document_id))
        assert {
            "document.json",
            "ocr.json",
            "metadata.json",
            "searchable.pdf",
            "thumbnails/page-1.jpg",
        } <= names
    pdf = next(f for f in stored if f.path == "tb-07-cls.pdf")
    assert "thumbnails/page-2.jpg" in store.list_artifacts(pdf.document_id)


def test_manifest_values_reach_the_documents(archive: Settings, first_run: BatchReport) -> None:
    index = SearchIndex.from_settings(archive.elasticsearch)
    by_path = {f.path: f.document_id for f in first_run.files}
    tb = index.get(by_path["tb-07-cls.pdf"])
    assert tb is not None and tb["access_level"] == "public" and tb["dossier_code"] == "HS-2025-0003"
    qd = index.get(by_path["qd-1340-ubnd.png"])
    assert qd is not None and qd["access_level"] == "internal" and qd["dossier_code"] == "HS-2023-0042"


def test_good_documents_are_found_by_number_and_accent_free_words(
    archive: Settings, first_run: BatchReport
) -> None:
    index = SearchIndex.from_settings(archive.elasticsearch)
    assert _everything(index, "1340/QD-SNgV")[:1] == ["1340/QĐ-SNgV"]
    assert "215/SNgV-VP" in _everything(index, "thi thuc doan cong tac")
    assert "07/TB-CLS" in _everything(index, "hop phap hoa lanh su truc tuyen")
    public_only = index.search(SearchQuery(text="lanh su", access_levels=[AccessLevel.PUBLIC]))
    assert {h.fields.get("so_ky_hieu") for h in public_only.hits} == {"07/TB-CLS"}


def test_rerun_is_a_no_op(archive: Settings, sample_batch: Path, first_run: BatchReport) -> None:
    store = ObjectStore.from_settings(archive.minio)
    stored_ids = [f.document_id for f in first_run.files if f.status.value == "stored"]
    versions_before = {sha: len(store.list_versions(f"derived/{sha}/document.json")) for sha in stored_ids}
    again = ingest_batch(source=str(sample_batch), batch_id="test-batch-2")
    statuses = {f.path: f.status.value for f in again.files}
    assert statuses == {p: ("failed" if s == "failed" else "duplicate") for p, (s, _) in EXPECTED.items()}
    assert again.totals.pages == 0 and again.totals.stored == 0
    versions_after = {sha: len(store.list_versions(f"derived/{sha}/document.json")) for sha in stored_ids}
    assert versions_after == versions_before == dict.fromkeys(stored_ids, 1)
    index = SearchIndex.from_settings(archive.elasticsearch)
    index.refresh()
    assert index.count() == 3
