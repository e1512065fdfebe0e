"""The document page shows the archive copy's veraPDF verdict and signature, and links the signed copy."""

from __future__ import annotations

import pytest

from sohoa.model.archive import (
    ARTIFACT_ARCHIVE_PDF,
    ARTIFACT_ARCHIVE_RECORD,
    ArchiveRecord,
    PdfaCheck,
    SignatureCheck,
)
from tests.web.conftest import WebWorld, login

pytestmark = pytest.mark.services


def test_document_page_shows_archive_result(world: WebWorld) -> None:
    ok_id = world.docs["qd"].id
    world.store.put_artifact(ok_id, ARTIFACT_ARCHIVE_PDF, b"%PDF-1.7 test")
    world.store.put_json(
        ok_id,
        ARTIFACT_ARCHIVE_RECORD,
        ArchiveRecord(
            document_id=ok_id,
            compliant=True,
            signed=True,
            pdfa=PdfaCheck(compliant=True, profile="PDF/A-2B validation profile", validator="veraPDF 1.28.2"),
            signature=SignatureCheck(
                signer="Trung tâm Lưu trữ (TEST)", signing_time="2026-12-01T09:30:00+07:00", intact=True
            ),
        ),
    )
    c = world.client()
    login(c, "clerk1")
    r = c.get(f"/documents/{ok_id}")
    assert r.status_code == 200
    assert (
        'data-archive="ok"' in r.text and "veraPDF 1.28.2" in r.text and "Trung tâm Lưu trữ (TEST)" in r.text
    )
    assert f'href="/documents/{ok_id}/archive.pdf"' in r.text
    link = c.get(f"/documents/{ok_id}/archive.pdf", follow_redirects=False)
    assert link.status_code == 303 and "archive.pdf" in link.headers["location"]
    other = next(
        d.id for d in world.docs.values() if d.id != ok_id and c.get(f"/documents/{d.id}").status_code == 200
    )
    world.store.put_json(
        other,
        ARTIFACT_ARCHIVE_RECORD,
        ArchiveRecord(document_id=other, compliant=False, problems=["PDF/A (signed): 6.2.4.3-2 <b>bad</b>"]),
    )
    r = c.get(f"/documents/{other}")
    assert 'data-archive="failed"' in r.text and "&lt;b&gt;bad&lt;/b&gt;" in r.text  # escaped
    assert f'href="/documents/{other}/archive.pdf"' not in r.text
