"""Search by signer and signature validity: the API parameters and the search page's facets (real ES)."""

from __future__ import annotations

import hashlib
import uuid

from sohoa.model.document import AccessLevel, Document
from sohoa.model.signature import PdfSignature
from storage.objects import ARTIFACT_DOCUMENT
from tests.web.conftest import WebWorld, login


def _signed(world: WebWorld, signer: str, *, ok: bool) -> Document:
    doc = Document(
        id=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        source_file=f"signed-{uuid.uuid4().hex[:6]}.pdf",
        media_type="application/pdf",
        size=1,
        page_count=1,
        access_level=AccessLevel.PUBLIC,
        signatures=[PdfSignature(field_name="Sig1", signer=signer, intact=ok, valid=True, modified=not ok)],
    )
    world.store.put_json(doc.id, ARTIFACT_DOCUMENT, doc)
    world.index.index_document(doc, None, refresh=True)
    return doc


def test_signed_by_and_signature_filters_in_the_api_and_on_the_page(world: WebWorld) -> None:
    signer = f"Sở Nội vụ {uuid.uuid4().hex[:6]}"
    good = _signed(world, signer, ok=True)
    bad = _signed(world, signer, ok=False)
    c = world.client()
    login(c, "clerk1")
    ids = lambda **p: {h["id"] for h in c.get("/api/search", params=p).json()["hits"]}  # noqa: E731
    assert ids(signed_by=signer) == {good.id, bad.id}
    assert ids(signed_by=signer, signature="true") == {good.id}
    assert ids(signed_by=signer, signature="false") == {bad.id}
    assert c.get("/api/search", params={"signature": "maybe"}).status_code == 422
    page = c.get("/search", params={"signed_by": signer})
    assert page.status_code == 200
    assert good.source_file in page.text and bad.source_file in page.text
    # the facets: the signer (active) and the validity, with their Vietnamese labels
    assert "Người ký số" in page.text and signer in page.text
    assert "Hợp lệ" in page.text and "Không hợp lệ" in page.text
