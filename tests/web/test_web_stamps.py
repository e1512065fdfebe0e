"""Signature stamps read off the pages, in the web app (real MinIO and Elasticsearch).

The document view shows them escaped, under a note that they were read from the page and not verified;
the API and the search page filter on them (``stamp_signed_by``) apart from verified signatures.
"""

from __future__ import annotations

import uuid

from sohoa.model.document import Document, Metadata
from sohoa.model.signature import PageStamp
from tests.web.conftest import WebWorld, login, publish

HOSTILE = "<script>alert('stamp')</script>"


def _stamped(world: WebWorld, signer: str, *, organization: str | None = None) -> Document:
    stamp = PageStamp(
        page=1,
        signer=signer,
        organization=organization,
        signing_time="2024-03-12T10:15:22+07:00",
        lines=(f"Ký bởi: {signer}", "Thời gian ký: 12.03.2024 10:15:22 +07:00"),
    )
    return publish(world, "stamped", metadata=Metadata(stamps=[stamp]))


def test_the_document_view_shows_the_stamp_escaped_and_not_as_verified(world: WebWorld) -> None:
    doc = _stamped(world, "SỞ NGOẠI VỤ", organization=HOSTILE)
    c = world.client()
    login(c, "clerk1")
    page = c.get(f"/documents/{doc.id}")
    assert page.status_code == 200
    html = page.text
    assert "Dấu chữ ký trên trang" in html
    assert "Đọc từ ảnh trang (OCR), không phải chữ ký số đã được xác minh." in html
    assert "SỞ NGOẠI VỤ" in html and "2024-03-12T10:15:22+07:00" in html
    assert "&lt;script&gt;alert(&#39;stamp&#39;)&lt;/script&gt;" in html and HOSTILE not in html
    assert 'class="fields signatures"' not in html  # no verified-signature block for it
    english = c.get(f"/documents/{doc.id}", params={"lang": "en"}).text
    assert "Read from the page image (OCR), not a verified digital signature." in english
    # the API gives it with the document's metadata
    body = c.get(f"/api/documents/{doc.id}").json()
    assert body["document"]["metadata"]["stamps"][0]["signer"] == "SỞ NGOẠI VỤ"
    assert body["document"]["signatures"] == []


def test_the_stamp_filter_in_the_api_and_on_the_search_page(world: WebWorld) -> None:
    signer = f"Sở Tư pháp {uuid.uuid4().hex[:6]}"
    stamped = _stamped(world, signer)
    other = _stamped(world, f"Sở Nội vụ {uuid.uuid4().hex[:6]}")
    c = world.client()
    login(c, "clerk1")
    ids = lambda **p: {h["id"] for h in c.get("/api/search", params=p).json()["hits"]}  # noqa: E731
    assert ids(stamp_signed_by=signer) == {stamped.id}
    assert ids(signed_by=signer) == set()  # a stamp is no verified signature
    page = c.get("/search", params={"stamp_signed_by": signer})
    assert page.status_code == 200
    assert stamped.source_file in page.text and other.source_file not in page.text
    # the facet, with its label, and the filter kept when the form is sent again
    assert "Ký bởi (dấu trên trang, chưa xác minh)" in page.text
    assert f'<input type="hidden" name="stamp_signed_by" value="{signer}">' in page.text
