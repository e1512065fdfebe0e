"""Review index queries (pure bodies) and the in-place upgrade of an index made before mapping v3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sohoa.model.document import AccessLevel
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.review import build_queue_body
from tests.storage.conftest import index_before

REVIEW_FIELDS = (
    "review_reasons",
    "review_fields",
    "corrected_fields",
    "reviewed_at",
    "reviewed_by",
    "version",
)


def test_the_queue_body_filters_clearance_and_normalizes_reason_strings() -> None:
    body = build_queue_body(
        access_levels=[AccessLevel.PUBLIC], reason="so_ky_hieu: not found", field="so_ky_hieu"
    )
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"access_level": ["public"]}} in filters
    assert {"term": {"review_reasons": "so_ky_hieu.missing"}} in filters
    assert {"term": {"review_fields": "so_ky_hieu"}} in filters
    assert body["sort"][0] == {"batch": {"order": "desc", "missing": "_last"}}
    back = build_queue_body(access_levels=[AccessLevel.PUBLIC], reverse=True, after=["b", "a.png", "x"])
    assert back["sort"][0] == {"batch": {"order": "asc", "missing": "_first"}}
    assert back["search_after"] == ["b", "a.png", "x"]


@pytest.fixture
def old_index(services: Settings, run_id: str) -> Iterator[SearchIndex]:
    index = index_before(services, f"sohoa-v2-{run_id}", 2, REVIEW_FIELDS)
    yield index
    index.drop()
    index.client.close()


@pytest.mark.services
def test_ensure_adds_the_review_fields_to_an_index_made_before_them(old_index: SearchIndex) -> None:
    record = {
        "sha256": "b" * 64,
        "source_file": "x.png",
        "review_reasons": ["so_ky_hieu.missing"],
        "version": 2,
    }
    stats = old_index.index_records([record])
    assert stats.failed == 1  # a strict v2 index refuses the new fields
    old_index.ensure()
    assert old_index.index_records([record]).failed == 0
    mapping = next(iter(old_index.client.indices.get_mapping(index=old_index.alias).values()))["mappings"]
    assert set(REVIEW_FIELDS) <= set(mapping["properties"])
