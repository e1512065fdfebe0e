"""The "signed by" and "signature valid" filters and facets, on a real Elasticsearch index.

Three documents of the test's own: one signed by a provincial People's Committee and intact, one whose
signature no longer verifies (the file was changed after signing), one without any signature.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator

import pytest

from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata
from sohoa.model.search import SearchQuery
from sohoa.model.signature import PdfSignature
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.query import filter_clauses
from storage.records import build_record
from tests.storage.conftest import found_keys, records_index

pytestmark = pytest.mark.services

UBND = "Ủy ban nhân dân tỉnh Quảng Ngãi"
PERSON = "Trần Phước Hiền"


def _doc(key: str, signatures: list[PdfSignature]) -> Document:
    sha = hashlib.sha256(key.encode()).hexdigest()
    meta = Metadata(fields={"trich_yeu": ExtractedField(value=f"kế hoạch số hóa {key}", confidence=0.9)})
    return Document(id=sha, source_file=f"{key}.pdf", media_type="application/pdf", size=1,
                    access_level=AccessLevel.PUBLIC, metadata=meta, signatures=signatures)  # fmt: skip


DOCS = {
    "intact": _doc("intact", [PdfSignature(field_name="Sig1", signer=UBND, intact=True, valid=True)]),
    "modified": _doc(
        "modified",
        [PdfSignature(field_name="Sig1", signer=PERSON, intact=False, valid=True, modified=True)],
    ),
    "unsigned": _doc("unsigned", []),
}


@pytest.fixture(scope="module")
def index(services: Settings) -> Iterator[SearchIndex]:
    with records_index(services, "sig-", (build_record(d) for d in DOCS.values()), 3) as idx:
        yield idx


def found(index: SearchIndex, **kw: object) -> set[str]:
    return found_keys(index, DOCS, **kw)


def test_signed_by_filters_on_the_signers_name_as_stored(index: SearchIndex) -> None:
    assert found(index) == {"intact", "modified", "unsigned"}
    assert found(index, signed_by=[UBND]) == {"intact"}
    assert found(index, signed_by=[UBND, PERSON]) == {"intact", "modified"}
    # decomposed input (NFD, as some keyboards send it) is the same name
    assert found(index, signed_by=[unicodedata.normalize("NFD", PERSON)]) == {"modified"}
    assert found(index, signed_by=["Nguyễn Văn Khác"]) == set()


def test_signature_valid_separates_intact_from_modified_and_skips_unsigned(index: SearchIndex) -> None:
    assert found(index, signature_valid=True) == {"intact"}
    assert found(index, signature_valid=False) == {"modified"}
    assert found(index, signature_valid=True, signed_by=[PERSON]) == set()


def test_facets_count_signers_and_validity(index: SearchIndex) -> None:
    result = index.search(SearchQuery(text="số hóa", size=10))
    assert result.facets["signed_by"] == {UBND: 1, PERSON: 1}
    assert result.facets["signature_valid"] == {"true": 1, "false": 1}


def test_no_signature_filter_adds_no_clause() -> None:
    assert filter_clauses(SearchQuery()) == [{"terms": {"access_level": ["public"]}}]
