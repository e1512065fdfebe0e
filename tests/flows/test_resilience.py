"""Crashes and outages on the real services: kill -9 mid-batch, Elasticsearch down, then reindex."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.services.elasticsearch import Elasticsearch as LocalElasticsearch
from flows.ingest import ingest_batch
from flows.maintenance import reindex
from sohoa.model.document import AccessLevel
from sohoa.model.search import SearchQuery
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore

pytestmark = [pytest.mark.services, pytest.mark.slow]

GOOD = {"cv-215-sngv.jpg", "qd-1340-ubnd.png", "tb-07-cls.pdf"}


def _documents(store: ObjectStore) -> set[str]:
    return {sha for sha in store.iter_documents() if "document.json" in store.list_artifacts(sha)}


def test_killed_batch_resumes_without_reocr_or_duplicates(archive: Settings, sample_batch: Path) -> None:
    """GIVEN a batch killed with SIGKILL after its first document was finished
    WHEN the same batch runs again
    THEN finished documents are not OCR'd again and every page is indexed exactly once."""
    store = ObjectStore.from_settings(archive.minio)
    argv = [sys.executable, "-m", "cli", "--quiet", "ingest", str(sample_batch), "--batch-id", "killed"]
    proc = subprocess.Popen(argv, env=os.environ.copy(), start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 180
    try:
        while not _documents(store) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done_before = _documents(store)
    assert done_before, "the batch finished no document before the deadline"
    assert len(done_before) < 3 or proc.returncode == -signal.SIGKILL

    report = ingest_batch(source=str(sample_batch), batch_id="resumed")
    by_path = {f.path: f for f in report.files}
    for f in by_path.values():
        if f.document_id in done_before:
            assert f.status.value == "duplicate", f  # not OCR'd again
    assert {p for p, f in by_path.items() if f.status.value in ("stored", "duplicate") and p in GOOD} == GOOD
    for sha in _documents(store):
        assert len(store.list_versions(f"derived/{sha}/document.json")) == 1
    index = SearchIndex.from_settings(archive.elasticsearch)
    index.refresh()
    assert index.count() == 3
    result = index.search(SearchQuery(text="lanh su", access_levels=list(AccessLevel), size=50))
    assert len({h.id for h in result.hits}) == len(result.hits)


def test_index_outage_keeps_originals_and_reindex_completes(archive: Settings, tmp_path: Path) -> None:
    """GIVEN Elasticsearch stopped WHEN a batch runs THEN originals and OCR are stored and marked pending;
    AFTER a restart, reindex makes everything searchable and clears the pending marks."""
    from cli.samples import write_sample_batch

    batch = tmp_path / "outage"
    write_sample_batch(batch, bad_files=False)
    (batch / "qd-1340-ubnd_copy.png").unlink()
    es = LocalElasticsearch(archive)
    store = ObjectStore.from_settings(archive.minio)
    assert es.stop()
    try:
        report = ingest_batch(source=str(batch), batch_id="during-outage", searchable_pdf=False)
    finally:
        es.start()
    assert report.totals.not_indexed == report.totals.files - report.totals.failed > 0
    assert all(not f.indexed for f in report.files)
    assert set(store.pending_index()) >= {f.document_id for f in report.files}
    result = reindex()
    assert result["indexed"] >= 3
    assert store.pending_index() == []
    index = SearchIndex.from_settings(archive.elasticsearch)
    hits = index.search(SearchQuery(text="1340/QĐ-SNgV", access_levels=list(AccessLevel))).hits
    assert hits and hits[0].fields["so_ky_hieu"] == "1340/QĐ-SNgV"


def test_storage_down_stops_the_batch_before_ocr_or_indexing(
    archive: Settings, sample_batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN MinIO unreachable WHEN a batch starts THEN it fails at once (StorageError), indexing nothing."""
    from sohoa.errors import StorageError
    from sohoa.settings import get_settings

    index = SearchIndex.from_settings(archive.elasticsearch)
    before = index.count() if index.exists() else 0
    monkeypatch.setenv("SOHOA_MINIO__ENDPOINT", "127.0.0.1:9")  # nothing listens on the discard port
    get_settings.cache_clear()
    try:
        started = time.monotonic()
        with pytest.raises(StorageError, match="cannot reach the server.*is MinIO running"):
            ingest_batch(source=str(sample_batch), batch_id="minio-down")
        assert time.monotonic() - started < 120
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert (index.count() if index.exists() else 0) == before


def test_fixity_audit_flags_a_tampered_original(archive: Settings, sample_batch: Path) -> None:
    from flows.maintenance import fixity_audit

    store = ObjectStore.from_settings(archive.minio)
    store.put_original(sample_batch / "qd-1340-ubnd.png", media_type="image/png")
    store.put_original(sample_batch / "cv-215-sngv.jpg", media_type="image/jpeg")
    shas = sorted(store.iter_originals())
    clean = fixity_audit()
    assert clean["problems"] == [] and clean["checked"] >= len(shas)
    victim = shas[0]
    store.put_bytes(f"originals/{victim[:2]}/{victim[2:4]}/{victim}", b"not the scanned bytes")
    result = fixity_audit()
    assert [(p["document"], p["problem"]) for p in result["problems"]] == [(victim, "checksum mismatch")]
    # Versioning kept the original bytes: the archive can restore them.
    versions = store.list_versions(f"originals/{victim[:2]}/{victim[2:4]}/{victim}")
    assert len(versions) == 2
