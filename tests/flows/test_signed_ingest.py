"""End to end on the real services: a signed scan is ingested with its signature, which is searchable.

The batch is the demo's Thông báo (``tb-07-cls.pdf``), signed with a certificate made by the test and a
visible stamp in the top margin, as published PDFs of state bodies carry one.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cli.samples import write_sample_batch
from flows.ingest import ingest_batch
from pipeline.chain import load_document
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.signing import SIGNER, certificate, sign_pdf

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture(scope="module")
def signed_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # untrusted test root: chain tracebacks
    work = tmp_path_factory.mktemp("signed-src")
    write_sample_batch(work, bad_files=False)
    batch = tmp_path_factory.mktemp("signed-batch")
    key, cert = certificate(work)
    sign_pdf(work / "tb-07-cls.pdf", batch / "tb-07-cls.signed.pdf", key, cert)
    return batch


def test_signed_scan_is_stored_and_indexed_with_its_signature(archive: Settings, signed_batch: Path) -> None:
    report = ingest_batch(source=str(signed_batch), batch_id="test-signed", uploader="tester")
    (entry,) = report.files
    assert entry.status.value == "stored", entry.error
    assert entry.document_id is not None
    doc = load_document(ObjectStore.from_settings(archive.minio), entry.document_id)
    assert doc is not None
    (sig,) = doc.signatures
    assert sig.signer == SIGNER and sig.ok and sig.page == 1
    # the stamp is not the issuer: the header of the page is
    assert doc.metadata.value("so_ky_hieu") == "07/TB-CLS"
    assert doc.metadata.value("co_quan_ban_hanh") == "CỤC LÃNH SỰ"
    record = SearchIndex.from_settings(archive.elasticsearch).get(entry.document_id)
    assert record is not None
    assert record["signed_by"] == [SIGNER] and record["signature_valid"] is True
