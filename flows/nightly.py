"""``nightly_ingest``: ingest whatever landed in the inbox, once, even if two runs start together.

A global concurrency limit of one on the Prefect server serializes runs (the second waits, then finds
nothing new). Every object of the run leaves the inbox, so no poison file blocks the next night:
processed ones move to ``_processed/<batch>/``, failed ones to ``_failed/<batch>/`` with their error beside
them (``<name>.error.json``: type, message, what to do), and a file whose processing killed its worker
twice to ``_quarantine/<batch>/`` (also with its error). The next scan skips every ``_`` folder. Documents
stored while the index was down are indexed first.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists

from flows import tasks
from flows.ingest import ingest_batch, new_batch_id
from sohoa.errors import ServiceError, WorkerCrashedError
from sohoa.model.report import BatchReport, FileResult, FileStatus
from sohoa.settings import get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore, shared_store

__all__ = ["LOCK_NAME", "nightly_ingest"]

log = logging.getLogger(__name__)

LOCK_NAME = "sohoa-nightly-ingest"
PROCESSED = "_processed"
FAILED = "_failed"
QUARANTINE = "_quarantine"


def _folder(result: FileResult) -> str:
    if result.status is not FileStatus.FAILED:
        return PROCESSED
    if result.error and result.error.get("type") == WorkerCrashedError.__name__:
        return QUARANTINE
    return FAILED


def _ensure_lock() -> None:
    with get_client(sync_client=True) as client:
        try:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=LOCK_NAME, limit=1))
        except ObjectAlreadyExists:
            pass


def _inbox_keys(store: ObjectStore, prefix: str) -> list[str]:
    keys = []
    for key in store.list_keys(prefix):
        rel = key[len(prefix) :].lstrip("/")
        if rel and not rel.endswith("/") and not rel.split("/", 1)[0].startswith("_"):
            keys.append(key)
    return keys


@flow(name="nightly-ingest", log_prints=False, persist_result=False)
def nightly_ingest(bucket: str | None = None, prefix: str | None = None) -> dict[str, Any]:
    """Ingest new objects from the inbox bucket/prefix as one batch; move them out of the way after."""
    logger = get_run_logger()
    settings = get_settings()
    bucket = bucket or settings.minio.inbox_bucket
    prefix = settings.minio.inbox_prefix if prefix is None else prefix
    _ensure_lock()
    with concurrency(LOCK_NAME, occupy=1, strict=True, timeout_seconds=6 * 3600):
        archive = shared_store(settings.minio)
        pending = archive.pending_index()
        if pending:
            logger.info("indexing %d documents stored while the index was unavailable", len(pending))
            try:
                index = SearchIndex.from_settings(settings.elasticsearch)
                tasks.index_documents(archive, index, pending, len(pending))
                archive.clear_pending_index(pending)
            except ServiceError as e:
                logger.error("index still unavailable (%s); they stay pending", e)
        inbox = shared_store(settings.minio, bucket=bucket)
        inbox.ensure_bucket()
        keys = _inbox_keys(inbox, prefix)
        if not keys:
            logger.info("inbox s3://%s/%s: nothing new", bucket, prefix)
            return {"batch": None, "files": 0, "indexed_pending": len(pending)}
        batch_id = "nightly-" + new_batch_id()
        report: BatchReport = ingest_batch(
            source=f"s3://{bucket}/{prefix}", batch_id=batch_id, uploader="nightly"
        )
        base = prefix.rstrip("/") + "/" if prefix else ""
        moved = 0
        out: dict[str, list[str]] = {PROCESSED: [], FAILED: [], QUARANTINE: []}
        for f in report.files:
            key = base + f.path
            if key not in keys:
                continue  # arrived after the listing; the next run takes it
            folder = _folder(f)
            target = f"{base}{folder}/{batch_id}/{f.path}"
            inbox.move(key, target)
            if f.error is not None:
                error = json.dumps(
                    {"path": f.path, "batch": batch_id, **f.error}, ensure_ascii=False, indent=2
                )
                inbox.put_bytes(
                    f"{target}.error.json", error.encode("utf-8"), content_type="application/json"
                )
            out[folder].append(f.path)
            moved += 1
        if report.qa.rescan:
            logger.warning(
                "nightly batch %s: %d files to rescan (%s)",
                batch_id,
                len(report.qa.rescan),
                ", ".join(f"{code} {n}" for code, n in report.qa.counts.items()),
            )
        for name in out[QUARANTINE]:
            logger.error("nightly batch %s: %s quarantined (it killed its worker twice)", batch_id, name)
        logger.info(
            "nightly batch %s: %d files, moved %d out of the inbox (%d failed, %d quarantined)",
            batch_id,
            len(report.files),
            moved,
            len(out[FAILED]),
            len(out[QUARANTINE]),
        )
        return {
            "batch": batch_id,
            "files": len(report.files),
            "moved": moved,
            "failed": out[FAILED],
            "quarantined": out[QUARANTINE],
            "totals": report.totals.model_dump(),
            # the scan quality gate: findings per code and the files to rescan (batch report's QA section)
            "qa": report.qa.model_dump(mode="json"),
        }
