"""Rebuild the search index from MinIO alone (no re-OCR), then swap the alias.

A document is indexable when ``derived/<sha>/document.json`` (a ``sohoa.model.document.Document``) exists;
``derived/<sha>/ocr.json`` (an ``sohoa.model.ocr.OcrDocument``) adds its page text — without it only the
metadata is searchable (logged). Documents are fetched with a small thread pool (MinIO latency, not CPU,
is the limit) and streamed into a new index that has refresh turned off until the end.

Documents written while a reindex runs go to the old index and are not copied: run it while ingestion is
paused, or run it again afterwards (it is idempotent).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from sohoa.errors import ObjectNotFoundError, SearchIndexError
from sohoa.model.document import Document
from sohoa.model.ocr import OcrDocument
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore
from storage.records import build_record

__all__ = ["ReindexReport", "load_record", "reindex_from_store"]

log = logging.getLogger(__name__)

#: progress(done, total)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReindexReport:
    """What a reindex did."""

    index: str
    previous: tuple[str, ...]
    listed: int
    indexed: int
    pages: int
    skipped: int
    failed: int
    seconds: float


def load_record(store: ObjectStore, sha256: str) -> dict[str, Any] | None:
    """The index record of one stored document, or None when it has no ``document.json``.

    Raises:
        ValueError: document.json or ocr.json is not valid (the caller counts it as failed).
    """
    try:
        raw = store.get_artifact(sha256, ARTIFACT_DOCUMENT)
    except ObjectNotFoundError:
        return None
    try:
        document = Document.model_validate_json(raw)
    except ValidationError as e:
        raise ValueError(f"{sha256}: document.json is not a Document: {e.error_count()} errors") from e
    if document.id != sha256:
        raise ValueError(f"{sha256}: document.json names another document ({document.id})")
    ocr: OcrDocument | None = None
    try:
        ocr = OcrDocument.model_validate_json(store.get_artifact(sha256, ARTIFACT_OCR))
    except ObjectNotFoundError:
        log.warning("%s: no ocr.json; indexing metadata only", sha256[:12])
    except (ValidationError, json.JSONDecodeError) as e:
        raise ValueError(f"{sha256}: ocr.json is not an OcrDocument: {e}") from e
    return build_record(document, ocr)


def reindex_from_store(
    store: ObjectStore,
    index: SearchIndex,
    *,
    progress: Progress | None = None,
    workers: int = 8,
    delete_old: bool = True,
) -> ReindexReport:
    """Build a new index from every indexable document in the store and swap the alias to it.

    Args:
        store: The object store (source of truth).
        index: The search index (its alias is swapped at the end).
        progress: Called with ``(documents done, documents listed)``.
        workers: Parallel MinIO reads.
        delete_old: Delete the indices the alias pointed at before.

    Returns:
        Counts and the new index's name.

    Raises:
        SearchIndexError: the new index could not be built; the alias still points at the old one.
    """
    started = time.perf_counter()
    shas = list(store.iter_documents())
    total = len(shas)
    log.info("reindex: %d documents listed in %s", total, store.bucket)
    new_index = index.create_index(bulk_load=True)
    skipped = failed_reads = 0

    def fetch(sha: str) -> dict[str, Any] | None:
        try:
            return load_record(store, sha)
        except ValueError as e:
            log.error("reindex: %s", e)
            return {"_failed": sha}

    indexed = 0

    def report_progress() -> None:
        if progress:
            progress(indexed + skipped + failed_reads, total)

    def records() -> Iterator[dict[str, Any]]:
        nonlocal skipped, failed_reads
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reindex") as pool:
            # Chunks of the listing keep the number of records held in memory bounded.
            for start in range(0, total, 1000):
                for rec in pool.map(fetch, shas[start : start + 1000]):
                    if rec is None:
                        skipped += 1
                        report_progress()
                    elif "_failed" in rec:
                        failed_reads += 1
                        report_progress()
                    else:
                        yield rec

    def on_indexed(n: int) -> None:
        nonlocal indexed
        indexed = n
        if n % 200 == 0:
            report_progress()

    try:
        # Two bulk streams keep both cores of a small node busy (parallel requests are not retried:
        # a rejected document is counted as failed and reported).
        stats = index.index_records(
            records(), index=new_index, refresh=False, on_indexed=on_indexed, threads=2
        )
        index.finish_bulk_load(new_index)
    except Exception:
        log.exception("reindex into %s failed; the alias is unchanged", new_index)
        index.client.indices.delete(index=new_index, ignore_unavailable=True)
        raise
    if stats.failed:
        log.error("reindex: %d documents refused by Elasticsearch, first: %s", stats.failed, stats.errors[:1])
    count = index.count(new_index)
    if count != stats.indexed:
        raise SearchIndexError(
            f"search index: {new_index} holds {count} documents, {stats.indexed} were indexed"
        )
    previous = index.swap_alias(new_index, delete_old=delete_old)
    if progress:
        progress(total, total)
    report = ReindexReport(
        index=new_index,
        previous=tuple(previous),
        listed=total,
        indexed=stats.indexed,
        pages=stats.pages,
        skipped=skipped,
        failed=stats.failed + failed_reads,
        seconds=round(time.perf_counter() - started, 2),
    )
    log.info("reindex: %s", report)
    return report
