"""Corrections survive ``sohoa reindex`` and ``sohoa reextract`` (real MinIO and Elasticsearch).

GIVEN documents whose stored extraction is an "old engine" result and that a person corrected,
WHEN the index is rebuilt from MinIO, or metadata extraction runs again from the stored ocr.json,
THEN every corrected value is still what readers see and search finds, and uncorrected fields take the
new extraction.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.metadata import extract
from pipeline.revise import correct_document, reextract_document
from sohoa.model.document import Document
from sohoa.model.search import SearchQuery
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from storage.reindex import reindex_from_store
from tests.review_support import Flagged, add_flagged
from tests.support import remove_bucket

pytestmark = [pytest.mark.services]

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "Về việc cấp hộ chiếu công vụ"


@pytest.fixture
def stores(services: Settings, run_id: str) -> Iterator[tuple[ObjectStore, SearchIndex]]:
    store = ObjectStore.from_settings(services.minio, bucket=f"sohoa-revise-{run_id}")
    index = SearchIndex.from_settings(services.elasticsearch, prefix=f"sohoa-revise-{run_id}")
    index.ensure()
    yield store, index
    index.drop()
    index.client.close()
    remove_bucket(store)


def _old_engine(store: ObjectStore, index: SearchIndex, key: str, batch: str) -> Flagged:
    """A document whose page says 8/QĐ-UBND and 02/05/2025, stored with an older, poorer extraction."""
    return add_flagged(store, index, key, number="8/QĐ-UBND", date="2025-05-02", batch=batch,
                       extra_lines=(SUBJECT,))  # fmt: skip


def _find(index: SearchIndex, text: str) -> list[str]:
    return [h.id for h in index.search(SearchQuery(text=text, access_levels=["public", "internal"])).hits]


def test_reindex_from_minio_keeps_every_correction(stores: tuple[ObjectStore, SearchIndex]) -> None:
    store, index = stores
    docs = [_old_engine(store, index, f"doc-{i}", "b1") for i in range(3)]
    for i, d in enumerate(docs):
        fix = {"so_ky_hieu": f"{90 + i}/QĐ-UBND", "co_quan_ban_hanh": "SỞ NỘI VỤ"}
        correct_document(store, index, d.id, fix, by="staff1", approve=i == 0)
    report = reindex_from_store(store, index)
    assert report.indexed == 3 and report.failed == 0
    for i, d in enumerate(docs):
        rec = index.get(d.id)
        assert rec is not None
        assert rec["so_ky_hieu"] == f"{90 + i}/QĐ-UBND" and rec["so"] == 90 + i
        assert rec["co_quan_ban_hanh"] == "SỞ NỘI VỤ" and rec["version"] == 2
        assert rec["needs_review"] is (i != 0)
        assert _find(index, f"{90 + i}/QĐ-UBND")[0] == d.id
    facets = index.search(SearchQuery(access_levels=["internal"])).facets["co_quan_ban_hanh"]
    assert facets == {"SỞ NỘI VỤ": 3}


def test_reextraction_never_overwrites_a_corrected_field(stores: tuple[ObjectStore, SearchIndex]) -> None:
    store, index = stores
    d = _old_engine(store, index, "reex", "b2")
    assert d.document.metadata.value("trich_yeu") is None  # the "old engine" did not read the subject
    correct_document(store, index, d.id, {"so_ky_hieu": "88/QĐ-UBND"}, by="staff1")
    saved = reextract_document(store, index, d.id, extract=extract, engine="test engine 2")
    doc = saved.document
    fresh = extract(d.ocr)
    assert saved.changed and saved.indexed
    assert doc.metadata.value("so_ky_hieu") == "88/QĐ-UBND"  # the correction
    assert doc.metadata.fields["so_ky_hieu"].value == fresh.value("so_ky_hieu") == "8/QĐ-UBND"  # kept apart
    assert (
        doc.metadata.value("trich_yeu") == fresh.value("trich_yeu") == "cấp hộ chiếu công vụ"
    )  # new reading
    assert doc.metadata.corrections["so_ky_hieu"].by == "staff1"
    assert doc.history[-1].action.value == "reextract" and doc.history[-1].engine == "test engine 2"
    assert "so_ky_hieu" not in doc.history[-1].changes
    assert _find(index, "88/QĐ-UBND")[0] == d.id
    # running it again changes nothing
    assert not reextract_document(store, index, d.id, extract=extract, engine="test engine 2").changed


def test_sohoa_reextract_command_keeps_corrections(
    services: Settings, stores: tuple[ObjectStore, SearchIndex]
) -> None:
    store, index = stores
    a = _old_engine(store, index, "cli-a", "b3")
    b = _old_engine(store, index, "cli-b", "b3")
    other = _old_engine(store, index, "cli-c", "b4")
    fix = {"so_ky_hieu": "77/QĐ-UBND", "ngay_ban_hanh": "ngày 06 tháng 05 năm 2025"}
    correct_document(store, index, a.id, fix, by="staff1", approve=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOHOA_MINIO__BUCKET": store.bucket,
           "SOHOA_ELASTICSEARCH__INDEX_PREFIX": index.prefix}  # fmt: skip
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cli", "reextract", "--batch", "b3"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"documents": 2' in done.stdout and '"changed": 2' in done.stdout, done.stdout
    got = {
        k: Document.model_validate(store.get_json(x.id, "document.json"))
        for k, x in (("a", a), ("b", b), ("c", other))
    }
    assert got["a"].metadata.value("so_ky_hieu") == "77/QĐ-UBND"
    assert got["a"].metadata.value("ngay_ban_hanh") == "2025-05-06"
    assert got["a"].metadata.needs_review is False  # approved, and no uncorrected key field changed
    assert got["a"].metadata.value("trich_yeu") == "cấp hộ chiếu công vụ"
    assert got["b"].metadata.value("trich_yeu") == "cấp hộ chiếu công vụ" and got["b"].version == 2
    assert got["c"].version == 1  # another batch: untouched
    rec = index.get(a.id)
    assert (
        rec is not None and rec["so_ky_hieu"] == "77/QĐ-UBND" and rec["trich_yeu"] == "cấp hộ chiếu công vụ"
    )
