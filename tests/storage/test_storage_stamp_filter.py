"""Page stamps in MinIO and Elasticsearch: stored with the document, rebuilt from it, filtered apart.

Three documents of the test's own: one whose page carries a drawn stamp of Sở Ngoại vụ (and no
signature), one signed with a PDF signature by the same body (and no stamp), one with neither. Every
record is read back from MinIO the way ``sohoa reindex`` reads it (``storage.reindex.load_record``), so
what is searched is what the source of truth holds.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator

import pytest

from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata
from sohoa.model.search import SearchQuery
from sohoa.model.signature import PageStamp, PdfSignature
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ObjectStore
from storage.reindex import load_record
from tests.storage.conftest import found_keys, index_before, records_index

pytestmark = pytest.mark.services

BODY = "SỞ NGOẠI VỤ"
STAMP = PageStamp(
    page=2,
    signer=BODY,
    organization="Tỉnh Khánh Hòa",
    email="songv@khanhhoa.gov.vn",
    signing_time="2024-03-12T10:15:22+07:00",
    lines=("Ký bởi: SỞ NGOẠI VỤ", "Cơ quan: Tỉnh Khánh Hòa", "Thời gian ký: 12.03.2024 10:15:22 +07:00"),
    box=(980, 1878, 535, 133),
)


def _doc(
    key: str, *, stamps: tuple[PageStamp, ...] = (), signatures: tuple[PdfSignature, ...] = ()
) -> Document:
    meta = Metadata(
        fields={"trich_yeu": ExtractedField(value=f"kế hoạch số hóa {key}", confidence=0.9)},
        stamps=list(stamps),
    )
    return Document(
        id=hashlib.sha256(key.encode()).hexdigest(), source_file=f"{key}.pdf", media_type="application/pdf",
        size=1, page_count=2, access_level=AccessLevel.PUBLIC, metadata=meta, signatures=list(signatures),
    )  # fmt: skip


DOCS = {
    "stamped": _doc("stamped", stamps=(STAMP,)),
    "signed": _doc(
        "signed", signatures=(PdfSignature(field_name="Sig1", signer=BODY, intact=True, valid=True),)
    ),
    "plain": _doc("plain"),
}


@pytest.fixture(scope="module")
def stored(module_store: ObjectStore, services: Settings) -> Iterator[SearchIndex]:
    """GIVEN the documents in MinIO, indexed from what MinIO holds."""
    for d in DOCS.values():
        module_store.put_json(d.id, ARTIFACT_DOCUMENT, d)
    records = [load_record(module_store, d.id) for d in DOCS.values()]
    with records_index(services, "stamp-", (r for r in records if r is not None), 3) as idx:
        yield idx


def found(index: SearchIndex, **kw: object) -> set[str]:
    return found_keys(index, DOCS, **kw)


def test_the_stamp_is_stored_with_the_document_in_minio(
    module_store: ObjectStore, stored: SearchIndex
) -> None:
    back = Document.model_validate(module_store.get_json(DOCS["stamped"].id, ARTIFACT_DOCUMENT))
    assert back.metadata.stamps == [STAMP] and back.signatures == []


def test_the_stamp_filter_finds_the_stamped_document_only(stored: SearchIndex) -> None:
    assert found(stored) == {"stamped", "signed", "plain"}
    assert found(stored, stamp_signed_by=[BODY]) == {"stamped"}
    assert found(stored, stamp_signed_by=[unicodedata.normalize("NFD", BODY)]) == {"stamped"}
    # the verified-signature filter does not take a stamp for a signature, nor the other way round
    assert found(stored, signed_by=[BODY]) == {"signed"}
    assert found(stored, stamp_signed_by=[BODY], signed_by=[BODY]) == set()
    assert found(stored, stamp_signed_by=["SỞ TƯ PHÁP"]) == set()


def test_the_stamp_facet_and_signing_time(stored: SearchIndex) -> None:
    result = stored.search(SearchQuery(text="số hóa", size=10))
    assert result.facets["stamp_signed_by"] == {BODY: 1}
    assert result.facets["signed_by"] == {BODY: 1}
    # the signing time is a date: 10:15 at +07:00 is 03:15 UTC
    hits = stored.client.search(
        index=stored.alias,
        query={"range": {"stamp_signed_at": {"gte": "2024-03-12T03:00:00Z", "lte": "2024-03-12T03:30:00Z"}}},
    )["hits"]["hits"]
    assert [h["_id"] for h in hits] == [DOCS["stamped"].id]


@pytest.fixture
def old_index(services: Settings, run_id: str) -> Iterator[SearchIndex]:
    """An index of mapping v4, made before the stamp fields."""
    index = index_before(services, f"sohoa-v4-{run_id}", 4, ("stamp_signed_by", "stamp_signed_at"))
    yield index
    index.drop()
    index.client.close()


def test_ensure_adds_the_stamp_fields_to_an_index_made_before_them(
    old_index: SearchIndex, module_store: ObjectStore, stored: SearchIndex
) -> None:
    record = load_record(module_store, DOCS["stamped"].id)
    assert record is not None
    assert old_index.index_records([record]).failed == 1  # a strict v4 index refuses the new fields
    old_index.ensure()
    assert old_index.index_records([record], refresh=True).failed == 0
    hits = old_index.search(SearchQuery(stamp_signed_by=[BODY], facets=False)).hits
    assert [h.id for h in hits] == [DOCS["stamped"].id]
