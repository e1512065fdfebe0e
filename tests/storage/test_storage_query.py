"""Pure tests of query building and response parsing (no service)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from typing import Any

import pytest

from sohoa.model.document import AccessLevel
from sohoa.model.search import SearchQuery, Sort
from storage.query import (
    build_facets_body,
    build_search_body,
    doc_number_candidates,
    filter_clauses,
    page_highlights,
    parse_labels,
    parse_response,
    split_phrases,
)
from tests.storage.conftest import engine_highlight


def test_access_filter_is_always_first_and_empty_clearance_matches_nothing() -> None:
    assert filter_clauses(SearchQuery())[0] == {"terms": {"access_level": ["public"]}}
    levels = [AccessLevel.CONFIDENTIAL, AccessLevel.PUBLIC]
    assert filter_clauses(SearchQuery(access_levels=levels))[0] == {
        "terms": {"access_level": ["confidential", "public"]}
    }
    assert filter_clauses(SearchQuery(access_levels=[]))[0] == {"match_none": {}}
    body = build_search_body(SearchQuery(text="hộ chiếu", access_levels=[]))
    assert {"match_none": {}} in body["query"]["bool"]["filter"]


def test_filters_are_normalized_like_the_index_keys() -> None:
    q = SearchQuery(
        loai_van_ban=["Công văn"],
        co_quan_ban_hanh=["so ngoai vu", "SỞ NGOẠI VỤ"],
        date_from=date(2020, 1, 1),
        date_to=date(2021, 12, 31),
        year=2021,
    )
    clauses = filter_clauses(q)
    assert {"terms": {"loai_van_ban_key": ["cong van"]}} in clauses
    assert {"terms": {"co_quan_ban_hanh_key": ["so ngoai vu"]}} in clauses
    assert {"range": {"ngay_ban_hanh": {"gte": "2020-01-01", "lte": "2021-12-31"}}} in clauses
    assert {"term": {"year": 2021}} in clauses
    with pytest.raises(ValueError):
        filter_clauses(SearchQuery(date_from=date(2022, 1, 1), date_to=date(2021, 1, 1)))


def test_the_stamp_signer_filter_is_its_own_clause() -> None:
    nfd = unicodedata.normalize("NFD", " SỞ  NGOẠI VỤ")
    clauses = filter_clauses(SearchQuery(stamp_signed_by=[nfd, "SỞ NGOẠI VỤ"]))
    assert clauses[1:] == [{"terms": {"stamp_signed_by": ["SỞ NGOẠI VỤ"]}}]  # never signed_by
    assert "stamp_signed_by" in build_facets_body(SearchQuery())["aggs"]


def test_document_numbers_are_detected_in_queries() -> None:
    assert doc_number_candidates("quyết định 1340/QĐ-UBND về hộ chiếu") == ["1340-QD-UBND"]
    assert doc_number_candidates("1340 qđ ubnd") == ["1340-QD-UBND"]
    assert doc_number_candidates("25/2024/NĐ-CP") == ["25-2024-ND-CP"]
    assert doc_number_candidates("hộ chiếu công vụ") == []
    assert doc_number_candidates("năm 2024") == []


def test_phrases_are_split_out() -> None:
    assert split_phrases('cấp "hộ chiếu công vụ" nhanh') == (
        ["hộ chiếu công vụ"],
        "cấp hộ chiếu công vụ nhanh",
    )


def test_sort_has_a_stable_tiebreaker_and_no_text_sorts_by_date() -> None:
    assert build_search_body(SearchQuery(text="visa"))["sort"][-1] == {"sha256": "asc"}
    assert build_search_body(SearchQuery())["sort"][0] == {
        "ngay_ban_hanh": {"order": "desc", "missing": "_last"}
    }
    body = build_search_body(SearchQuery(text="visa", sort=Sort.DATE_ASC, search_after=["2020-01-01", "ab"]))
    assert body["sort"][0]["ngay_ban_hanh"]["order"] == "asc"
    assert body["search_after"] == ["2020-01-01", "ab"]
    assert body["track_scores"] is True


def test_queries_highlight_the_folded_field_only() -> None:
    # Exact spellings are told apart from folded ones by the text (storage.highlight), not a second field.
    def fields(text: str) -> list[str]:
        return sorted(build_search_body(SearchQuery(text=text))["highlight"]["fields"])

    assert fields("ho chieu") == fields("HO CHIEU") == ["pages.text.folded"]
    assert fields("hộ chiếu") == fields("đi") == ["pages.text.folded"]


def test_unscored_facets_query_matches_on_folded_fields_only() -> None:
    body = build_facets_body(SearchQuery(text="hộ chiếu công vụ", access_levels=[AccessLevel.PUBLIC]))
    text = json.dumps(body["query"], ensure_ascii=False)
    assert '"pages.text"' not in text and '"trich_yeu^3"' not in text and "pages.text.folded" in text


def test_parse_response_reads_pages_highlights_and_facets() -> None:
    resp: dict[str, Any] = {
        "took": 7,
        "hits": {
            "total": {"value": 10000, "relation": "gte"},
            "hits": [
                {
                    "_id": "a" * 64,
                    "_score": 2.5,
                    "sort": [2.5, "a" * 64],
                    "_source": {
                        "source_file": "x.pdf",
                        "access_level": "internal",
                        "so_ky_hieu": "1/QĐ-X",
                        "pages": [
                            {"number": 1, "text": "Lưu trữ hồ sơ & tài liệu"},
                            {"number": 2, "text": "không liên quan"},
                            {"number": 3, "text": "hồ sơ lưu trú"},
                        ],
                    },
                    # Whole matching values (raw text, marked), as the highlighter returns them.
                    "highlight": engine_highlight(
                        {
                            "pages.text": [
                                "<mark>Lưu</mark> <mark>trữ</mark> <mark>hồ</mark> <mark>sơ</mark> & tài liệu"
                            ],
                            "pages.text.folded": [
                                "<mark>Lưu</mark> <mark>trữ</mark> <mark>hồ</mark> <mark>sơ</mark> & tài liệu",  # noqa: E501
                                "<mark>hồ</mark> <mark>sơ</mark> <mark>lưu</mark> <mark>trú</mark>",
                            ],
                        }
                    ),
                }
            ],
        },
    }
    facets: dict[str, Any] = {
        "took": 9,
        "hits": {"total": {"value": 12345, "relation": "eq"}},
        "aggregations": {
            "year": {"buckets": [{"key": 2023, "doc_count": 4}]},
            "loai_van_ban": {
                "buckets": [{"key": "quyet dinh", "doc_count": 5}, {"key": "to trinh", "doc_count": 1}]
            },
        },
    }
    labels = parse_labels(
        {
            "aggregations": {
                "loai_van_ban": {
                    "buckets": [{"key": "quyet dinh", "display": {"buckets": [{"key": "Quyết định"}]}}]
                }
            }
        }
    )
    assert labels == {"loai_van_ban": {"quyet dinh": "Quyết định"}}
    result = parse_response(resp, facets, query="lưu trữ hồ sơ", labels=labels)
    hit = result.hits[0]
    assert (result.total, result.total_is_lower_bound, result.took_ms) == (12345, False, 9)
    assert hit.pages == [1, 3]  # page 3 holds all four folded words too; page 2 none
    assert hit.highlights[0] == {
        "page": 1,
        "field": "text",
        "fragments": ["<mark>Lưu</mark> <mark>trữ</mark> <mark>hồ</mark> <mark>sơ</mark> &amp; tài liệu"],
    }
    assert hit.fields["so_ky_hieu"] == "1/QĐ-X" and hit.fields["ngay_ban_hanh"] is None
    assert hit.access_level is AccessLevel.INTERNAL
    # a key the label table lacks is shown as the key
    assert result.facets == {"year": {"2023": 4}, "loai_van_ban": {"Quyết định": 5, "to trinh": 1}}
    capped = parse_response(resp, query="lưu trữ hồ sơ")
    assert (capped.total, capped.total_is_lower_bound) == (10000, True)


def test_page_highlights_cut_long_pages_into_snippets_around_the_marks() -> None:
    words = ["lorem"] * 200
    words[10], words[150] = "<mark>visa</mark>", "<mark>visa</mark>"
    page = " ".join(w.replace("<mark>", "").replace("</mark>", "") for w in words)
    pages, highlights = page_highlights(
        [{"number": 4, "text": page}], engine_highlight({"pages.text": [" ".join(words)]}), "visa"
    )
    assert pages == [4]
    fragments = highlights[0]["fragments"]
    assert len(fragments) == 2 and all(f.count("<mark>visa</mark>") == 1 for f in fragments)
    assert all(len(f) < 220 and not f.startswith("lore ") for f in fragments)


def test_a_page_must_hold_most_query_words_unless_none_does() -> None:
    pages = [{"number": 1, "text": "số một"}, {"number": 2, "text": "danh mục hồ sơ"}]
    hl = {
        "pages.text.folded": [
            "<mark>số</mark> một",
            "<mark>danh</mark> <mark>mục</mark> <mark>hồ</mark> <mark>sơ</mark>",
        ]
    }
    assert page_highlights(pages, engine_highlight(hl), "danh muc ho so")[0] == [2]
    alone = engine_highlight({"pages.text.folded": ["<mark>số</mark> một"]})
    assert page_highlights(pages, alone, "danh muc ho so")[0] == [1]
