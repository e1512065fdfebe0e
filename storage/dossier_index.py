"""The dossiers index (``<prefix>-dossiers``): one record per dossier for the list, its filters and reports.

Rebuildable at any time from ``dossiers/*.json`` (``pipeline.dossiers.DossierService.reindex``); the
records are built by ``pipeline.dossiers`` (they carry facts derived from the documents). Elasticsearch
errors go through ``storage.index._translate``, the one boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk

from sohoa.settings import ElasticsearchSettings
from storage.index import _translate, make_client

__all__ = ["DossierFilter", "DossierIndex"]

log = logging.getLogger(__name__)

_K: dict[str, Any] = {"type": "keyword", "ignore_above": 1024}
_PROPERTIES: dict[str, Any] = {
    "code": _K,
    "kind": _K,
    "title": {"type": "text", "fields": {"raw": _K}},
    "title_key": _K,
    "year": {"type": "short"},
    "maintenance": _K,
    "mode": _K,
    "procedure_code": _K,
    "procedure_name": _K,
    "reception_date": {"type": "date", "format": "strict_date"},
    "start_date": {"type": "date", "format": "strict_date"},
    "end_date": {"type": "date", "format": "strict_date"},
    "retention_until": {"type": "date", "format": "strict_date"},
    "total_doc": {"type": "integer"},
    "number_of_page": {"type": "integer"},
    "components_digitized": {"type": "boolean"},
    "has_result": {"type": "boolean"},
    "results": {"type": "integer"},
    "results_reused": {"type": "integer"},
    "complete": {"type": "boolean"},
    "disposed": {"type": "boolean"},
    "disposal_approved": {"type": "boolean"},
    "access_level": _K,
    "created_at": {"type": "date"},
}


@dataclass(frozen=True)
class DossierFilter:
    """What the dossier list can be narrowed by (every field optional)."""

    kind: str | None = None
    year: int | None = None
    maintenance: str | None = None
    procedure_code: str | None = None
    complete: bool | None = None
    text_key: str | None = None  # folded words of the title or code
    received_from: str | None = None
    received_to: str | None = None
    retention_before: str | None = None  # maintenance period ends on or before this ISO date
    disposed: bool | None = None
    codes: tuple[str, ...] = field(default_factory=tuple)


class DossierIndex:
    """The dossiers index of one prefix."""

    def __init__(self, client: Elasticsearch, *, prefix: str = "sohoa") -> None:
        """Wrap a client; the index is ``<prefix>-dossiers``."""
        self.client = client
        self.name = f"{prefix}-dossiers"
        self._ready = False

    @classmethod
    def from_settings(cls, settings: ElasticsearchSettings) -> DossierIndex:
        """The dossiers index of sohoa's settings."""
        return cls(make_client(settings), prefix=settings.index_prefix)

    def ensure(self) -> None:
        """Create the index if it is missing (explicit mappings, never guessed ones)."""
        if self._ready:
            return
        with _translate(f"create index {self.name}"):
            if not self.client.indices.exists(index=self.name):
                try:
                    self.client.indices.create(
                        index=self.name,
                        settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                        mappings={"dynamic": "strict", "properties": _PROPERTIES},
                    )
                    log.info("created index %s", self.name)
                except Exception as e:
                    if "resource_already_exists" not in str(e):
                        raise
        self._ready = True

    def put(self, record: dict[str, Any], *, refresh: bool = True) -> None:
        """Index one dossier record (its ``_id`` is the code)."""
        self.ensure()
        with _translate(f"index dossier {record['code']}"):
            self.client.index(
                index=self.name, id=record["code"], document=record, refresh="true" if refresh else None
            )

    def put_many(self, records: Iterable[dict[str, Any]]) -> int:
        """Bulk-index records; returns how many were indexed."""
        self.ensure()
        actions = ({"_index": self.name, "_id": r["code"], "_source": r} for r in records)
        with _translate("bulk index dossiers"):
            done, _ = bulk(self.client, actions, chunk_size=500, refresh="true")
        return int(done)

    def _query(self, flt: DossierFilter) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        for name in ("kind", "year", "maintenance", "procedure_code", "complete"):
            value = getattr(flt, name)
            if value is not None and value != "":
                must.append({"term": {name: value}})
        if flt.text_key:
            for word in flt.text_key.split():
                pattern = f"*{word}*"
                should = [{"wildcard": {"title_key": pattern}}, {"wildcard": {"code": pattern}}]
                must.append({"bool": {"should": should}})
        if flt.received_from or flt.received_to:
            rng = {k: v for k, v in (("gte", flt.received_from), ("lte", flt.received_to)) if v}
            must.append({"range": {"reception_date": rng}})
        if flt.retention_before:
            must.append({"range": {"retention_until": {"lte": flt.retention_before}}})
        if flt.disposed is not None:
            must.append({"term": {"disposed": flt.disposed}})
        if flt.codes:
            must.append({"terms": {"code": list(flt.codes)}})
        return {"bool": {"filter": must}} if must else {"match_all": {}}

    def search(
        self, flt: DossierFilter, *, size: int = 200, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        """``(total, records)`` of the dossiers matching ``flt``, newest year first then by code."""
        self.ensure()
        with _translate("search dossiers"):
            resp = self.client.search(
                index=self.name,
                query=self._query(flt),
                size=size,
                from_=offset,
                sort=[{"year": {"order": "desc", "missing": "_last"}}, {"code": "asc"}],
                track_total_hits=True,
            )
        hits = resp["hits"]
        return int(hits["total"]["value"]), [h["_source"] for h in hits["hits"]]

    def all(self, flt: DossierFilter | None = None) -> list[dict[str, Any]]:
        """Every matching record, by code (paged with ``search_after``)."""
        self.ensure()
        query = self._query(flt or DossierFilter())
        out: list[dict[str, Any]] = []
        after: list[Any] | None = None
        while True:
            with _translate("list dossiers"):
                resp = self.client.search(
                    index=self.name, query=query, size=1000, sort=[{"code": "asc"}], search_after=after
                )
            hits = resp["hits"]["hits"]
            out.extend(h["_source"] for h in hits)
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]

    def facet(self, name: str) -> dict[str, int]:
        """Value counts of one keyword field (for the list's filter choices)."""
        self.ensure()
        with _translate("dossier facets"):
            resp = self.client.search(
                index=self.name, size=0, aggs={"f": {"terms": {"field": name, "size": 200}}}
            )
        return {str(b["key"]): int(b["doc_count"]) for b in resp["aggregations"]["f"]["buckets"]}

    def delete(self, code: str) -> None:
        """Remove a dossier's record."""
        self.ensure()
        with _translate(f"delete dossier {code}"):
            try:
                self.client.delete(index=self.name, id=code, refresh="true")
            except NotFoundError:
                pass

    def drop(self) -> None:
        """Delete the index (tests, rebuilds)."""
        with _translate(f"delete index {self.name}"):
            self.client.indices.delete(index=self.name, ignore_unavailable=True)
        self._ready = False
