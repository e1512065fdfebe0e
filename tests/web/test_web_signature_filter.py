"""Search by signer and signature validity: the API parameters and the search page's facets (real ES)."""

from __future__ import annotations

import uuid

from sohoa.model.document import Document
from sohoa.model.signature import PdfSignature
from tests.web.conftest import WebWorld, login, publish


def _signed(world: WebWorld, signer: str, *, ok: bool) -> Document:
    sig = PdfSignature(field_name="Sig1", signer=signer, intact=ok, valid=True, modified=not ok)
    return publish(world, "signed", signatures=[sig])


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
