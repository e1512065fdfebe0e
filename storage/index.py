"""The Elasticsearch documents index: explicit creation, bulk indexing, search, alias swaps.

Physical indices are named ``<prefix>-documents-v<MAPPING_VERSION>[-<UTC timestamp>]`` and always used
through the alias ``<prefix>-documents``; writes go through the alias with ``require_alias`` so a missing
index is an error, never an index Elasticsearch invents with guessed mappings.

Every elasticsearch/elastic_transport exception is translated to ``SearchIndexError`` in
:func:`_translate`, the one boundary; nothing else in sohoa should import elasticsearch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import elastic_transport
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.helpers import parallel_bulk, streaming_bulk

from sohoa.errors import SearchIndexError
from sohoa.model.document import AccessLevel, Document
from sohoa.model.ocr import OcrDocument
from sohoa.model.search import SearchQuery, SearchResult
from sohoa.settings import ElasticsearchSettings
from storage.mapping import FOLDING_FILTERS, MAPPING_VERSION, index_body
from storage.query import (
    FACETS,
    FUZZY_BELOW,
    build_facets_body,
    build_labels_body,
    build_more_like_this_body,
    build_search_body,
    parse_labels,
    parse_response,
)
from storage.records import build_record

__all__ = ["BulkStats", "SearchIndex", "make_client"]

log = logging.getLogger(__name__)

_PLUGIN_NAME = "sohoa-analysis"
_BULK_CHUNK = 500
_BULK_BYTES = 20 * 1024 * 1024
# The folding check every new index must pass before it is used.
_PROBE_TEXT = "Quyết Định số 1340/QĐ-UBND"
_PROBE_TOKENS = ["quyet", "dinh", "so", "1340", "qd", "ubnd"]
#: seconds the facet label table is kept before it is read again (a key it lacks reads it at once)
LABELS_TTL = 300.0


@contextmanager
def _translate(action: str) -> Iterator[None]:
    """The one boundary where Elasticsearch client exceptions become SearchIndexError."""
    try:
        yield
    except ApiError as e:
        reason = e.message
        info = e.body.get("error") if isinstance(e.body, dict) else None
        if isinstance(info, dict):
            reason = f"{info.get('type')}: {info.get('reason')}"
        hint = " (run `sohoa reindex` to create the index)" if isinstance(e, NotFoundError) else ""
        raise SearchIndexError(f"search index: {action} failed ({e.meta.status}): {reason}{hint}") from e
    except elastic_transport.TransportError as e:
        raise SearchIndexError(
            f"search index: {action}: cannot reach Elasticsearch ({type(e).__name__}); is it running? "
            "(`sohoa services status`)"
        ) from e


def make_client(settings: ElasticsearchSettings, *, fast_json: bool = False) -> Elasticsearch:
    """An Elasticsearch client from sohoa's settings.

    Args:
        settings: Where Elasticsearch is and how to authenticate.
        fast_json: Parse and write JSON with orjson (the web app: a search response is a few hundred KB
            of page text, which the standard library parses at half the speed).
    """
    kwargs: dict[str, Any] = {
        "request_timeout": settings.request_timeout,
        "retry_on_timeout": True,
        "max_retries": 2,
    }
    if fast_json:
        from elasticsearch.serializer import OrjsonSerializer

        kwargs["serializer"] = OrjsonSerializer()
    if settings.api_key:
        kwargs["api_key"] = settings.api_key.get_secret_value()
    elif settings.username:
        kwargs["basic_auth"] = (
            settings.username,
            settings.password.get_secret_value() if settings.password else "",
        )
    if settings.ca_certs:
        kwargs["ca_certs"] = str(settings.ca_certs)
    return Elasticsearch(settings.url, **kwargs)


@dataclass(frozen=True)
class BulkStats:
    """What a bulk indexing run did."""

    indexed: int
    pages: int
    failed: int
    errors: tuple[str, ...] = ()


class SearchIndex:
    """The documents index of one prefix, used through its alias."""

    def __init__(self, client: Elasticsearch, *, prefix: str = "sohoa") -> None:
        """Wrap a client.

        Args:
            client: An Elasticsearch client (see :func:`make_client`).
            prefix: Index name prefix (``ElasticsearchSettings.index_prefix``; unique per test run).
        """
        self.client = client
        self.prefix = prefix
        self.alias = f"{prefix}-documents"
        self._folding: str | None = None
        self._labels: dict[str, dict[str, str]] = {}
        self._labels_read = -LABELS_TTL
        self._labels_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ElasticsearchSettings, *, prefix: str | None = None) -> SearchIndex:
        """The index named by sohoa's settings."""
        return cls(make_client(settings), prefix=prefix or settings.index_prefix)

    # -- lifecycle -------------------------------------------------------------------------------

    def folding_filter(self) -> str:
        """The folding filter type this cluster offers: ``sohoa_folding`` if the plugin is installed.

        Raises:
            SearchIndexError: neither the plugin nor the built-in ``asciifolding`` is available.
        """
        if self._folding:
            return self._folding
        with _translate("list plugins"):
            nodes = self.client.nodes.info(node_id="_all", metric="plugins")["nodes"]
        plugins = {p["name"] for n in nodes.values() for p in n.get("plugins", [])}
        modules = {m["name"] for n in nodes.values() for m in n.get("modules", [])}
        if _PLUGIN_NAME in plugins:
            self._folding = FOLDING_FILTERS[0]
        elif "analysis-common" in modules:
            self._folding = FOLDING_FILTERS[1]
        else:
            raise SearchIndexError(
                "search index: Elasticsearch has no ASCII folding filter: install sohoa's analysis plugin "
                "(`sohoa services up` does) or use a distribution with the analysis-common module"
            )
        log.info("folding filter: %s", self._folding)
        return self._folding

    def exists(self) -> bool:
        """Whether the alias exists."""
        with _translate("check alias"):
            return bool(self.client.indices.exists_alias(name=self.alias))

    def current_indices(self) -> list[str]:
        """Physical indices behind the alias (normally one)."""
        with _translate("read alias"):
            try:
                return sorted(self.client.indices.get_alias(name=self.alias))
            except NotFoundError:
                return []

    def ensure(self) -> str:
        """Create the first versioned index and its alias if the alias is missing.

        Returns:
            The physical index behind the alias.
        """
        current = self.current_indices()
        if current:
            self._warn_if_outdated(current[0])
            return current[0]
        name = self.create_index()
        with _translate("create alias"):
            self.client.indices.put_alias(index=name, name=self.alias)
        log.info("alias %s → %s", self.alias, name)
        return name

    def create_index(self, name: str | None = None, *, bulk_load: bool = False) -> str:
        """Create a physical index with the current mapping and check it folds Vietnamese.

        Args:
            name: Default ``<prefix>-documents-v<N>``, with a timestamp when that name is taken.
            bulk_load: Create it with refresh off for a large load (see :meth:`finish_bulk_load`).

        Returns:
            The new index's name.
        """
        if name is None:
            name = f"{self.alias}-v{MAPPING_VERSION}"
            with _translate("check index"):
                if self.client.indices.exists(index=name):
                    name = f"{name}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        body = index_body(self.folding_filter())
        if bulk_load:
            body["settings"]["refresh_interval"] = "-1"
        with _translate(f"create index {name}"):
            resp = self.client.indices.create(
                index=name, settings=body["settings"], mappings=body["mappings"]
            )
            if not resp.get("acknowledged"):
                raise SearchIndexError(f"search index: creating {name} was not acknowledged")
            tokens = self.client.indices.analyze(index=name, analyzer="vi_folded", text=_PROBE_TEXT)["tokens"]
        got = [t["token"] for t in tokens]
        if got != _PROBE_TOKENS:
            raise SearchIndexError(
                f"search index: {name} folds {_PROBE_TEXT!r} to {got}, expected {_PROBE_TOKENS}"
            )
        log.info("created index %s (mapping v%d, folding %s)", name, MAPPING_VERSION, self._folding)
        return name

    def finish_bulk_load(self, name: str) -> None:
        """Turn refresh back on after a bulk load and make everything searchable."""
        with _translate(f"finish load of {name}"):
            self.client.indices.put_settings(index=name, settings={"index": {"refresh_interval": "1s"}})
            self.client.indices.refresh(index=name)

    def swap_alias(self, new_index: str, *, delete_old: bool = True) -> list[str]:
        """Point the alias at ``new_index`` in one atomic step (searches never see a gap).

        Returns:
            The indices the alias pointed at before.
        """
        old = [i for i in self.current_indices() if i != new_index]
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": new_index, "alias": self.alias}})
        with _translate("swap alias"):
            self.client.indices.update_aliases(actions=actions)
        log.info("alias %s → %s (was %s)", self.alias, new_index, ", ".join(old) or "nothing")
        if delete_old and old:
            with _translate("delete old indices"):
                self.client.indices.delete(index=",".join(old))
            log.info("deleted old indices %s", ", ".join(old))
        return old

    def drop(self) -> None:
        """Delete the alias and every index of this prefix (tests and benchmarks)."""
        with _translate("delete indices"):
            names = list(self.client.indices.get(index=f"{self.alias}*", expand_wildcards="all"))
            if names:
                self.client.indices.delete(index=",".join(names))

    def refresh(self, index: str | None = None) -> None:
        """Make recent writes searchable."""
        with _translate("refresh"):
            self.client.indices.refresh(index=index or self.alias)

    def count(self, index: str | None = None) -> int:
        """Number of documents in the index."""
        with _translate("count"):
            return int(self.client.count(index=index or self.alias)["count"])

    def _warn_if_outdated(self, name: str) -> None:
        with _translate("read mapping"):
            meta = self.client.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
        if meta.get("sohoa_mapping_version") != MAPPING_VERSION:
            self._add_new_fields(name)
            log.warning(
                "index %s has mapping v%s, code expects v%d: run `sohoa reindex`",
                name,
                meta.get("sohoa_mapping_version"),
                MAPPING_VERSION,
            )

    def _add_new_fields(self, name: str) -> None:
        # Fields a newer mapping added can be put on an older index in place (changed ones cannot), so
        # documents carrying them are not refused before the reindex the warning asks for.
        wanted = index_body(self.folding_filter())["mappings"]["properties"]
        try:
            with _translate(f"add fields to {name}"):
                have = self.client.indices.get_mapping(index=name)[name]["mappings"].get("properties", {})
                missing = {k: v for k, v in wanted.items() if k not in have}
                if missing:
                    self.client.indices.put_mapping(index=name, properties=missing)
            log.info(
                "index %s: added fields of mapping v%d in place: %s", name, MAPPING_VERSION, sorted(missing)
            )
        except SearchIndexError as e:
            log.warning("index %s: cannot add the fields of mapping v%d: %s", name, MAPPING_VERSION, e)

    # -- writing ---------------------------------------------------------------------------------

    def index_records(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        index: str | None = None,
        refresh: bool = True,
        on_indexed: Callable[[int], None] | None = None,
        threads: int = 1,
    ) -> BulkStats:
        """Bulk-index records built by :func:`storage.records.build_record` (``_id`` = sha256).

        Indexing the same document again replaces it (idempotent). Refresh happens once at the end.

        Args:
            records: Records; each must carry ``sha256``.
            index: A physical index (reindexing); default the alias (which must exist).
            refresh: Refresh once at the end so the batch is searchable.
            on_indexed: Called with the running count of documents processed.
            threads: Parallel bulk requests. 2 keeps both cores of a small node busy during a bulk
                load (one request is parsed while the other is indexed); parallel requests are not
                retried on rejection (429), so keep 1 for interactive batches.

        Returns:
            Counts of indexed and failed documents, with the first error messages.
        """
        target = index or self.alias
        pages = 0

        def actions() -> Iterator[dict[str, Any]]:
            nonlocal pages
            for rec in records:
                pages += len(rec.get("pages", ()))
                yield {"_index": target, "_id": rec["sha256"], "_source": rec}

        ok = failed = 0
        errors: list[str] = []
        with _translate(f"bulk index into {target}"):
            common: dict[str, Any] = {
                "chunk_size": _BULK_CHUNK,
                "max_chunk_bytes": _BULK_BYTES,
                "raise_on_error": False,
                "raise_on_exception": True,
                # Writing to the alias must never auto-create a concrete index with guessed mappings.
                "require_alias": index is None,
            }
            results = (
                parallel_bulk(self.client, actions(), thread_count=threads, queue_size=threads, **common)
                if threads > 1
                else streaming_bulk(self.client, actions(), max_retries=3, initial_backoff=1, **common)
            )
            for success, item in results:
                if success:
                    ok += 1
                else:
                    failed += 1
                    info = item.get("index", {})
                    if len(errors) < 10:
                        errors.append(f"{info.get('_id')}: {info.get('error')}")
                    log.error("%s: not indexed: %s", str(info.get("_id"))[:12], info.get("error"))
                if on_indexed is not None:
                    on_indexed(ok + failed)
            if refresh:
                self.client.indices.refresh(index=target)
        return BulkStats(ok, pages, failed, tuple(errors))

    def index_document(
        self, document: Document, ocr: OcrDocument | None = None, *, refresh: bool = False
    ) -> None:
        """Index (or re-index) one document; for batches prefer :meth:`index_records`.

        Raises:
            SearchIndexError: Elasticsearch refused it.
        """
        stats = self.index_records([build_record(document, ocr)], refresh=refresh)
        if stats.failed:
            raise SearchIndexError(f"search index: document {document.id} was refused: {stats.errors[0]}")

    def delete_document(self, doc_id: str, *, refresh: bool = False) -> bool:
        """Remove a document from the index; False when it was not there."""
        with _translate("delete document"):
            try:
                self.client.delete(index=self.alias, id=doc_id, refresh=refresh)
            except NotFoundError as e:
                if isinstance(e.body, dict) and e.body.get("result") == "not_found":
                    return False
                raise
        return True

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """A document's indexed record (with pages), or None."""
        with _translate("get document"):
            try:
                return dict(self.client.get(index=self.alias, id=doc_id)["_source"])
            except NotFoundError as e:
                if isinstance(e.body, dict) and e.body.get("found") is False:
                    return None
                raise

    # -- searching -------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a search (access levels enforced inside the query).

        With facets, one ``_msearch`` runs the hits request (ranked, highlighted, not counting every
        match) beside the facets request (unscored: exact total and facet counts); without facets, the
        total is counted up to :data:`storage.query.TOTAL_HITS_CAP` (``total_is_lower_bound`` beyond).
        When fewer than :data:`storage.query.FUZZY_BELOW` documents match, the search is run again with
        typo tolerance.

        Raises:
            SearchIndexError: Elasticsearch failed or the index is missing.
        """
        with _translate("search"):
            result = self._search(query, fuzzy=False)
            if query.text.strip() and result.total < FUZZY_BELOW and not result.total_is_lower_bound:
                # Few exact matches: retry with typo tolerance (fuzzy hits rank below exact ones).
                took = result.took_ms
                result = self._search(query, fuzzy=True)
                result = result.model_copy(update={"took_ms": result.took_ms + took})
        return result

    def _search(self, query: SearchQuery, *, fuzzy: bool) -> SearchResult:
        if not query.facets:
            resp = self.client.search(index=self.alias, **build_search_body(query, fuzzy=fuzzy))
            return parse_response(resp.body, query=query.text)
        # Hits (skipping what cannot reach the top) and facets + exact total (unscored) side by side.
        both = self.client.msearch(
            searches=[
                {"index": self.alias},
                build_search_body(query, fuzzy=fuzzy, count=False),
                {"index": self.alias},
                build_facets_body(query, fuzzy=fuzzy),
            ]
        )
        hits, facets = both["responses"]
        for r in (hits, facets):
            if "error" in r:
                err = r["error"] if isinstance(r["error"], dict) else {"reason": r["error"]}
                missing = err.get("type") == "index_not_found_exception"
                hint = " (run `sohoa reindex` to create the index)" if missing else ""
                reason = f"{err.get('type')}: {err.get('reason')}{hint}"
                raise SearchIndexError(f"search index: search failed ({r.get('status')}): {reason}")
        return parse_response(hits, facets, query=query.text, labels=self._facet_labels(facets))

    def _facet_labels(self, facets: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        """The label table, read again when it is older than :data:`LABELS_TTL` or lacks a key shown."""
        aggs = facets.get("aggregations", {})
        wanted = {
            name: {str(b["key"]) for b in aggs.get(name, {}).get("buckets", [])}
            for name, (_, display, _) in FACETS.items()
            if display
        }
        with self._labels_lock:
            fresh = time.monotonic() - self._labels_read < LABELS_TTL
            if fresh and all(keys <= self._labels.get(name, {}).keys() for name, keys in wanted.items()):
                return self._labels
            labels = parse_labels(self.client.search(index=self.alias, **build_labels_body()).body)
            for name, keys in wanted.items():  # keys past the table's size: shown as they are, once
                for key in keys - labels.setdefault(name, {}).keys():
                    labels[name][key] = key
            self._labels, self._labels_read = labels, time.monotonic()
            return labels

    def more_like_this(
        self, doc_id: str, *, access_levels: list[AccessLevel] | None = None, size: int = 10
    ) -> SearchResult:
        """Documents similar to one (the caller's clearance applies to the document and to the hits).

        Raises:
            SearchIndexError: the document is not in the index, or not visible at these access levels.
        """
        levels = access_levels if access_levels is not None else [AccessLevel.PUBLIC]
        source = self.get(doc_id)
        if source is None or source.get("access_level") not in {AccessLevel(a).value for a in levels}:
            raise SearchIndexError(f"search index: document {doc_id} not found")
        body = build_more_like_this_body(doc_id, source, levels, size)
        with _translate("more like this"):
            resp = self.client.search(index=self.alias, **body)
        return parse_response(resp.body)
