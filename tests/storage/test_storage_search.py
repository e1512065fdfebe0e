"""Search on a real Elasticsearch index: accents, numbers, filters, facets, pages, paging, access, reindex."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from sohoa.errors import SearchIndexError
from sohoa.model.document import AccessLevel
from sohoa.model.search import SearchQuery, SearchResult, Sort
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore
from storage.records import build_record
from storage.reindex import reindex_from_store
from tests.storage.conftest import records_index

pytestmark = pytest.mark.services

ALL = [AccessLevel.PUBLIC, AccessLevel.INTERNAL, AccessLevel.CONFIDENTIAL]


@pytest.fixture(scope="module")
def index(services: Settings, corpus: dict[str, Any]) -> Iterator[SearchIndex]:
    """The corpus indexed the way flows index (one bulk call, one refresh at the end)."""
    records = (build_record(it.document, it.ocr) for it in corpus.values())
    with records_index(services, "", records, len(corpus)) as idx:
        yield idx


def _keys(result: SearchResult, corpus: dict[str, Any]) -> list[str]:
    by_id = {it.document.id: k for k, it in corpus.items()}
    return [by_id[h.id] for h in result.hits]


def search(index: SearchIndex, corpus: dict[str, Any], text: str = "", **kw: object) -> list[str]:
    return _keys(
        index.search(SearchQuery(text=text, access_levels=kw.pop("access_levels", ALL), **kw)), corpus
    )


def test_accent_free_query_finds_accented_text(index: SearchIndex, corpus: dict[str, Any]) -> None:
    assert search(index, corpus, "ho chieu cong vu")[0] == "qd1340"
    assert search(index, corpus, "thi thuc")[0] == "cv215"
    assert "luutru" in search(index, corpus, "luu tru") and "luutru_cu" in search(index, corpus, "luu tru")


def test_exact_accents_rank_first(index: SearchIndex, corpus: dict[str, Any]) -> None:
    """ "lưu trữ" (archives) and "lưu trú" (residence) fold alike; the exact spelling wins each time."""
    archives = search(index, corpus, "lưu trữ hồ sơ")
    residence = search(index, corpus, "lưu trú")
    assert archives[0] == "luutru" and "luutru_cu" in archives
    assert residence[0] == "luutru_cu" and "luutru" in residence


@pytest.mark.parametrize(
    "typed", ["1340/QĐ-UBND", "1340/QD-UBND", "1340/qđ-ubnd", "1340 QĐ UBND", "số 1340 qd ubnd"]
)
def test_document_number_variants_find_the_document_first(
    index: SearchIndex, corpus: dict[str, Any], typed: str
) -> None:
    hits = search(index, corpus, typed)
    assert hits[0] == "qd1340"
    result = index.search(SearchQuery(text=typed, access_levels=ALL))
    assert result.hits[0].fields["so_ky_hieu"] == "1340/QĐ-UBND"
    assert (result.hits[0].score or 0) > 2 * (result.hits[1].score or 0) if len(result.hits) > 1 else True


def test_typos_are_tolerated_without_swamping_exact_hits(index: SearchIndex, corpus: dict[str, Any]) -> None:
    exact = search(index, corpus, "visa")
    assert exact[0] == "cv215"  # "visa" itself beats "Vina" (one edit away)
    assert search(index, corpus, "vsia")[:1] == ["cv215"]  # transposed letters still find it
    assert search(index, corpus, "giám đôc sở ngoai vụ")[0] == "qd1340"


def test_filters(index: SearchIndex, corpus: dict[str, Any]) -> None:
    assert set(search(index, corpus, "", loai_van_ban=["cong van"], size=50)) == {"cv215"}
    issuer = set(search(index, corpus, "", co_quan_ban_hanh=["Sở Ngoại vụ"], size=50))
    assert issuer == {
        k for k, it in corpus.items() if it.document.metadata.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    }
    ranged = set(search(index, corpus, "", date_from=date(2021, 1, 1), date_to=date(2022, 12, 31), size=50))
    expected = {
        k
        for k, it in corpus.items()
        if "2021-01-01" <= (it.document.metadata.value("ngay_ban_hanh") or "") <= "2022-12-31"
    }
    assert ranged == expected and {"cv215", "qd134"} <= ranged
    assert set(search(index, corpus, "", year=2019, size=50)) >= {"luutru", "luutru_cu"}
    assert all(
        corpus[k].document.metadata.value("ngay_ban_hanh").startswith("2019")
        for k in search(index, corpus, "", year=2019, size=50)
    )
    assert search(index, corpus, "hộ chiếu", dossier_code="HS-2023-015") == ["qd1340"]
    assert set(search(index, corpus, "", batch="lo-2", size=50)) == {
        k for k, it in corpus.items() if it.document.batch == "lo-2"
    }


def test_facets_count_types_issuers_and_years(index: SearchIndex, corpus: dict[str, Any]) -> None:
    result = index.search(SearchQuery(text="số hóa", access_levels=ALL, size=1))
    matching = [corpus[k] for k in search(index, corpus, "số hóa", size=200)]
    assert result.total == len(matching) >= 30
    types: dict[str, int] = {}
    years: dict[str, int] = {}
    for it in matching:
        kind = it.document.metadata.value("loai_van_ban")
        types[kind] = types.get(kind, 0) + 1
        if d := it.document.metadata.value("ngay_ban_hanh"):
            years[d[:4]] = years.get(d[:4], 0) + 1
    assert result.facets["loai_van_ban"] == types
    assert result.facets["year"] == years
    assert sum(result.facets["co_quan_ban_hanh"].values()) == len(matching)


def test_hits_name_matching_pages_with_highlights(index: SearchIndex, corpus: dict[str, Any]) -> None:
    hit = index.search(SearchQuery(text="thi hành quyết định", access_levels=ALL)).hits[0]
    assert hit.id == corpus["qd1340"].document.id
    assert 2 in hit.pages and 3 not in hit.pages
    page2 = next(h for h in hit.highlights if h["page"] == 2)
    assert "<mark>thi</mark> <mark>hành</mark>" in page2["fragments"][0]
    accent_free = index.search(SearchQuery(text="danh muc ho so", access_levels=ALL)).hits[0]
    assert accent_free.pages == [2]
    fragment = accent_free.highlights[0]["fragments"][0]
    assert "<mark>danh" in fragment and "mục</mark>" in fragment and "<mark>cần" not in fragment


@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.DATE_DESC, Sort.DATE_ASC])
def test_search_after_pages_through_everything_once(
    index: SearchIndex, corpus: dict[str, Any], sort: Sort
) -> None:
    everything = index.search(SearchQuery(text="số hóa tài liệu", access_levels=ALL, sort=sort, size=200))
    seen: list[str] = []
    cursor = None
    while True:
        page = index.search(
            SearchQuery(
                text="số hóa tài liệu",
                access_levels=ALL,
                sort=sort,
                size=4,
                search_after=cursor,
                facets=False,
            )
        )
        if not page.hits:
            break
        seen.extend(h.id for h in page.hits)
        cursor = page.hits[-1].sort
    assert len(seen) == len(set(seen)) == everything.total >= 30
    assert seen == [h.id for h in everything.hits]


def test_access_levels_are_enforced_in_the_query(index: SearchIndex, corpus: dict[str, Any]) -> None:
    public = search(index, corpus, "hộ chiếu ngoại giao", access_levels=[AccessLevel.PUBLIC])
    internal = search(
        index, corpus, "hộ chiếu ngoại giao", access_levels=[AccessLevel.PUBLIC, AccessLevel.INTERNAL]
    )
    everyone = search(index, corpus, "hộ chiếu ngoại giao")
    assert "mat" not in public and "noibo" not in public
    assert "noibo" in internal and "mat" not in internal
    assert {"mat", "noibo"} <= set(everyone)
    assert search(index, corpus, "hộ chiếu", access_levels=[]) == []
    default = index.search(SearchQuery(text="số hóa", size=200))  # default clearance: public only
    assert default.hits and all(h.access_level is AccessLevel.PUBLIC for h in default.hits)


def test_more_like_this(index: SearchIndex, corpus: dict[str, Any]) -> None:
    """A report on diplomatic passports is most like the notice on diplomatic passports, if cleared for it."""
    similar = _keys(index.more_like_this(corpus["noibo"].document.id, access_levels=ALL), corpus)
    assert similar[:2] == ["mat", "qd1340"] and "noibo" not in similar
    cleared = [AccessLevel.PUBLIC, AccessLevel.INTERNAL]
    assert (
        _keys(index.more_like_this(corpus["noibo"].document.id, access_levels=cleared), corpus)[0] == "qd1340"
    )
    with pytest.raises(SearchIndexError):
        index.more_like_this(corpus["mat"].document.id, access_levels=[AccessLevel.PUBLIC])


def test_writes_never_create_an_index_with_guessed_mappings(
    search_index: SearchIndex, corpus: dict[str, Any]
) -> None:
    item = corpus["qd1340"]
    with pytest.raises(SearchIndexError):
        search_index.index_document(item.document, item.ocr)
    assert search_index.client.indices.get(index=f"{search_index.alias}*", expand_wildcards="all").body == {}
    search_index.ensure()
    search_index.index_document(item.document, item.ocr)
    search_index.index_document(item.document, item.ocr, refresh=True)  # idempotent: same _id
    assert search_index.count() == 1
    refused = search_index.index_records([{**build_record(item.document, item.ocr), "unexpected": 1}])
    assert refused.failed == 1


def test_reindex_from_storage_reproduces_the_results(
    index: SearchIndex, corpus: dict[str, Any], module_store: ObjectStore
) -> None:
    """GIVEN the corpus in MinIO and an index built by flows WHEN rebuilt from MinIO THEN same answers."""
    for it in corpus.values():
        module_store.put_artifact(it.document.id, "original.bin", it.original)
        module_store.put_json(it.document.id, ARTIFACT_DOCUMENT, it.document)
        module_store.put_json(it.document.id, ARTIFACT_OCR, it.ocr)
    module_store.put_artifact("f" * 64, "searchable.pdf", b"%PDF")  # artifacts but no document.json: skipped
    queries = [
        SearchQuery(text=t, access_levels=ALL, size=50)
        for t in ("ho chieu", "lưu trú", "1340 qd ubnd", "số hóa tài liệu", "", "visa")
    ]
    before = [index.search(q) for q in queries]
    old = index.current_indices()
    progress: list[tuple[int, int]] = []

    report = reindex_from_store(module_store, index, progress=lambda d, t: progress.append((d, t)))

    assert (report.indexed, report.skipped, report.failed) == (len(corpus), 1, 0)
    assert index.current_indices() == [report.index] and list(report.previous) == old
    assert progress[-1] == (len(corpus) + 1, len(corpus) + 1)
    after = [index.search(q) for q in queries]
    for b, a in zip(before, after, strict=True):
        assert [(h.id, h.pages, h.score) for h in a.hits] == [(h.id, h.pages, h.score) for h in b.hits]
        assert (a.total, a.facets) == (b.total, b.facets)


def test_facets_merge_spellings_and_count_access_batch_and_dossier(
    search_index: SearchIndex, corpus: dict[str, Any]
) -> None:
    """ "Quyết định" and "QUYẾT ĐỊNH" are one bucket, shown in the most frequent spelling; filtering on
    that spelling matches both."""
    search_index.ensure()
    keys = ["qd1340", "qd134", "mat", "cv215"]
    records = [build_record(corpus[k].document, corpus[k].ocr) for k in keys]
    records[2].update(loai_van_ban="QUYẾT ĐỊNH", loai_van_ban_key="quyet dinh")  # was Thông báo
    assert search_index.index_records(records).failed == 0
    result = search_index.search(SearchQuery(access_levels=ALL))
    assert result.facets["loai_van_ban"] == {"Quyết định": 3, "Công văn": 1}
    assert result.facets["access_level"] == {"public": 3, "confidential": 1}
    assert result.facets["batch"] == {"lo-1": 4}
    assert result.facets["dossier_code"] == {"HS-2023-015": 1}
    assert (result.total, result.total_is_lower_bound) == (4, False)
    shown = search_index.search(SearchQuery(loai_van_ban=["Quyết định"], access_levels=ALL))
    assert shown.total == 3
