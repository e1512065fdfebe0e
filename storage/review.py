"""Index queries of review and correction: the review queue, value suggestions, correction figures.

Body builders are pure (testable without a server); :class:`ReviewIndex` runs them on the documents alias.
The queue is ordered newest batch first (batch ids sort by start time), then by file name, so a reviewer
works through a batch in the order it was scanned; ``search_after`` pages and steps through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sohoa.model.document import AccessLevel
from sohoa.model.review import reason_code
from storage.index import SearchIndex, _translate

__all__ = [
    "QUEUE_SORT",
    "QueuePage",
    "ReviewIndex",
    "build_figures_body",
    "build_queue_body",
    "build_suggest_body",
]

#: the queue's order, with the document id as the tie-breaker ``search_after`` needs
QUEUE_SORT: list[dict[str, Any]] = [
    {"batch": {"order": "desc", "missing": "_last"}},
    {"source_file": {"order": "asc"}},
    {"sha256": {"order": "asc"}},
]
_QUEUE_SOURCE = ["sha256", "source_file", "batch"]
#: facet keys a suggestion can come from: field → keyword to aggregate on
SUGGEST_FIELDS: dict[str, str] = {
    "co_quan_ban_hanh": "co_quan_ban_hanh",
    "nguoi_ky": "nguoi_ky",
    "co_quan_chu_quan": "co_quan_chu_quan",
    "chuc_vu_ky": "chuc_vu_ky",
    "noi_ban_hanh": "noi_ban_hanh",
    "dossier_code": "dossier_code",
}


@dataclass(frozen=True)
class QueuePage:
    """One page of the review queue: ids in queue order, the total, and the filter values with counts."""

    total: int
    ids: list[str]
    sorts: list[list[Any]]
    facets: dict[str, dict[str, int]]


def _filters(
    access_levels: Sequence[AccessLevel], batch: str | None, reason: str | None, field: str | None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"term": {"needs_review": True}},
        {"terms": {"access_level": [AccessLevel(a).value for a in access_levels]}},
    ]
    if batch:
        out.append({"term": {"batch": batch}})
    if reason:
        out.append({"term": {"review_reasons": reason_code(reason)}})
    if field:
        out.append({"term": {"review_fields": field}})
    return out


def build_queue_body(
    *,
    access_levels: Sequence[AccessLevel],
    batch: str | None = None,
    reason: str | None = None,
    field: str | None = None,
    size: int = 20,
    after: list[Any] | None = None,
    reverse: bool = False,
    facets: bool = True,
) -> dict[str, Any]:
    """The queue request: flagged documents the user may see, in queue order (``reverse`` for "previous")."""
    sort = QUEUE_SORT
    if reverse:
        flip = {"asc": "desc", "desc": "asc"}
        sort = [{k: {**v, "order": flip[v["order"]]} for k, v in s.items()} for s in QUEUE_SORT]
        sort[0]["batch"]["missing"] = "_first"
    body: dict[str, Any] = {
        "query": {"bool": {"filter": _filters(access_levels, batch, reason, field)}},
        "sort": sort,
        "size": size,
        "_source": _QUEUE_SOURCE,
        "track_total_hits": True,
    }
    if after:
        body["search_after"] = after
    if facets:
        # Filter choices over the whole queue the user may see (not narrowed by the chosen filters).
        body["aggs"] = {
            "all": {
                "global": {},
                "aggs": {
                    "q": {
                        "filter": {"bool": {"filter": _filters(access_levels, None, None, None)}},
                        "aggs": {
                            name: {"terms": {"field": name, "size": 100}}
                            for name in ("batch", "review_reasons", "review_fields")
                        },
                    }
                },
            }
        }
    return body


def build_suggest_body(
    field: str, prefix: str, access_levels: Sequence[AccessLevel], size: int = 10
) -> dict[str, Any]:
    """Values of ``field`` already in the archive (most used first), optionally starting like ``prefix``."""
    key = SUGGEST_FIELDS[field]
    terms: dict[str, Any] = {"field": key, "size": size}
    query: dict[str, Any] = {"terms": {"access_level": [AccessLevel(a).value for a in access_levels]}}
    if prefix.strip():
        query = {
            "bool": {
                "filter": [query],
                "must": [{"match_phrase_prefix": {f"{key}.folded": {"query": prefix, "max_expansions": 50}}}],
            }
        }
    return {"size": 0, "query": query, "aggs": {"values": {"terms": terms}}}


def build_figures_body(batches: int = 20) -> dict[str, Any]:
    """Per batch: documents, documents approved, and documents with each field corrected."""
    return {
        "size": 0,
        "aggs": {
            "batches": {
                "terms": {"field": "batch", "size": batches, "order": {"_key": "desc"}},
                "aggs": {
                    "reviewed": {"filter": {"exists": {"field": "reviewed_at"}}},
                    "corrected": {"terms": {"field": "corrected_fields", "size": 50}},
                },
            }
        },
    }


class ReviewIndex:
    """The review queries, run on a :class:`~storage.index.SearchIndex`'s alias."""

    def __init__(self, index: SearchIndex) -> None:
        """Wrap the documents index."""
        self.index = index

    def _search(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        with _translate(what):
            return dict(self.index.client.search(index=self.index.alias, **body).body)

    def queue(
        self,
        *,
        access_levels: Sequence[AccessLevel],
        batch: str | None = None,
        reason: str | None = None,
        field: str | None = None,
        size: int = 20,
        after: list[Any] | None = None,
        reverse: bool = False,
        facets: bool = True,
    ) -> QueuePage:
        """A page of the queue (``after``: the sort values of the document to continue from)."""
        resp = self._search(
            build_queue_body(access_levels=access_levels, batch=batch, reason=reason, field=field, size=size,
                             after=after, reverse=reverse, facets=facets),
            "review queue",
        )  # fmt: skip
        hits = resp["hits"]["hits"]
        aggs = resp.get("aggregations", {}).get("all", {}).get("q", {})
        found = {
            name: {str(b["key"]): int(b["doc_count"]) for b in aggs.get(name, {}).get("buckets", [])}
            for name in ("batch", "review_reasons", "review_fields")
        }
        return QueuePage(
            total=int(resp["hits"]["total"]["value"]),
            ids=[h["_id"] for h in hits],
            sorts=[list(h.get("sort", [])) for h in hits],
            facets=found if facets else {},
        )

    def count(self, access_levels: Sequence[AccessLevel]) -> int:
        """How many documents the user may see wait for review."""
        with _translate("review count"):
            query = {"bool": {"filter": _filters(access_levels, None, None, None)}}
            return int(self.index.client.count(index=self.index.alias, query=query)["count"])

    def batch_ids(self, batch: str, access_levels: Sequence[AccessLevel], limit: int) -> list[str]:
        """Ids of the documents of one batch at these access levels (at most ``limit``)."""
        levels = [AccessLevel(a).value for a in access_levels]
        body = {
            "query": {"bool": {"filter": [{"term": {"batch": batch}}, {"terms": {"access_level": levels}}]}},
            "size": limit,
            "_source": False,
            "sort": [{"sha256": "asc"}],
        }
        return [h["_id"] for h in self._search(body, "batch documents")["hits"]["hits"]]

    def sort_key(self, doc_id: str) -> list[Any] | None:
        """The queue sort values of one document (to step to its neighbours), or None if not indexed."""
        source = self.index.get(doc_id)
        if source is None:
            return None
        return [source.get("batch"), source.get("source_file"), source.get("sha256")]

    def suggestions(self, field: str, prefix: str, access_levels: Sequence[AccessLevel]) -> list[str]:
        """Values already in the archive for a field (most used first)."""
        if field not in SUGGEST_FIELDS:
            return []
        resp = self._search(build_suggest_body(field, prefix, access_levels), "suggestions")
        return [str(b["key"]) for b in resp["aggregations"]["values"]["buckets"]]

    def figures(self, batches: int = 20) -> list[dict[str, Any]]:
        """Per batch, newest first: documents, approved ones, share of documents with each field corrected."""
        resp = self._search(build_figures_body(batches), "correction figures")
        out = []
        for b in resp["aggregations"]["batches"]["buckets"]:
            docs = int(b["doc_count"])
            out.append(
                {
                    "batch": str(b["key"]),
                    "documents": docs,
                    "reviewed": int(b["reviewed"]["doc_count"]),
                    "corrected": {
                        str(c["key"]): round(int(c["doc_count"]) / docs, 3) for c in b["corrected"]["buckets"]
                    },
                }
            )
        return out
