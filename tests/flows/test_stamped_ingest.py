"""End to end on the real services: a signature stamp drawn into a scanned page is kept with its document.

The batch is one box scanned as a single TIFF and split at QR separator sheets into two documents. The
first document's last page carries a signing service's stamp in its image (rendered by
``tests.pipeline.qa_pages.draw_stamp``); the second carries none. The real OCR reads the page; the stamp
must reach ``document.json`` in MinIO (with the part's own page number), the index (``stamp_signed_by``,
never ``signed_by``: no signature verifies it), the new filter, and survive an index rebuilt from MinIO.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import ingest_batch
from pipeline.chain import load_document
from pipeline.sheets import separator_sheet
from sohoa.model.document import AccessLevel
from sohoa.model.search import SearchQuery
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from storage.reindex import reindex_from_store
from tests.pipeline import qa_pages as gen

pytestmark = [pytest.mark.services, pytest.mark.slow]

DPI = 200
SIGNER = "SỞ NGOẠI VỤ"  # the ``Ký bởi`` value of gen.STAMP


@pytest.fixture(scope="module")
def stamped_box(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GIVEN a box: separator, a two-page decision whose second page is stamped, separator, a notice."""
    root = tmp_path_factory.mktemp("stamped")
    pages = [
        separator_sheet("HS-2024-011", dpi=DPI),
        gen.document_page(dpi=DPI, number="12/QĐ-SNgV", title="QUYẾT ĐỊNH"),
        gen.draw_stamp(gen.document_page(dpi=DPI, page_number=2, signer=True)),
        separator_sheet("HS-2024-012", dpi=DPI),
        gen.document_page(dpi=DPI, number="40/TB-SNgV", title="THÔNG BÁO", signer=True),
    ]
    gen.save_tiff([p.convert("RGB") for p in pages], root / "box.tif")
    return root


def _stamp_search(index: SearchIndex, **kw: object) -> list[str]:
    query = SearchQuery(access_levels=list(AccessLevel), facets=False, **kw)  # type: ignore[arg-type]
    return [h.id for h in index.search(query).hits]


def test_a_drawn_stamp_is_stored_indexed_and_found_by_its_filter(
    archive: Settings, stamped_box: Path
) -> None:
    report = ingest_batch(str(stamped_box), split="separator")
    (box,) = report.files
    assert [p.pages for p in box.documents] == [[2, 3], [5]], box.error
    decision_id, notice_id = (p.document_id for p in box.documents)
    assert decision_id is not None and notice_id is not None
    store = ObjectStore.from_settings(archive.minio)
    decision, notice = load_document(store, decision_id), load_document(store, notice_id)
    assert decision is not None and notice is not None
    # THEN the decision keeps its stamp, on its own page 2 (the box's page 3), as read from the page
    (stamp,) = decision.metadata.stamps
    assert stamp.page == 2
    assert stamp.signer == SIGNER and stamp.organization == "Tỉnh Khánh Hòa"
    assert stamp.signing_time == "2024-03-12T10:15:22+07:00"
    assert stamp.email == "songv@khanhhoa.gov.vn"
    assert decision.signatures == []  # a drawn stamp is no signature
    # the stamp is not the document's text: the header still gives the issuer
    assert decision.metadata.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert decision.metadata.value("so_ky_hieu") == "12/QĐ-SNgV"
    # the other document of the box has none of it
    assert notice.metadata.stamps == []
    # THEN the index holds the stamp apart from verified signatures, and the new filter finds it
    index = SearchIndex.from_settings(archive.elasticsearch)
    index.refresh()
    record = index.get(decision_id)
    assert record is not None
    assert record["stamp_signed_by"] == [SIGNER]
    assert record["stamp_signed_at"] == ["2024-03-12T10:15:22+07:00"]
    assert "signed_by" not in record and "signature_valid" not in record
    assert _stamp_search(index, stamp_signed_by=[SIGNER]) == [decision_id]
    assert _stamp_search(index, signed_by=[SIGNER]) == []
    # THEN an index rebuilt from MinIO alone keeps it
    rebuilt = reindex_from_store(store, index)
    assert rebuilt.failed == 0 and rebuilt.indexed >= 2
    assert _stamp_search(index, stamp_signed_by=[SIGNER]) == [decision_id]
