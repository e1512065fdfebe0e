"""``nightly_ingest``: ingest whatever landed in the inbox, once, even if two runs start together.

A global concurrency limit of one on the Prefect server serializes runs (the second waits, then finds
nothing new). Processed objects move to ``_processed/<batch>/`` and failed ones to ``_failed/<batch>/``
inside the inbox, so the next scan skips them; documents stored while the index was down are indexed
first.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists

from flows import tasks
from flows.ingest import ingest_batch, new_batch_id
from sohoa.errors import ServiceError
from sohoa.model.report import BatchReport, FileStatus
from sohoa.settings import get_settings
from storage.objects import ObjectStore

__all__ = ["LOCK_NAME", "nightly_ingest"]

log = logging.getLogger(__name__)

LOCK_NAME = "sohoa-nightly-ingest"
PROCESSED = "_processed"
FAILED = "_failed"


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
        archive = ObjectStore.from_settings(settings.minio)
        pending = archive.pending_index()
        if pending:
            logger.info("indexing %d documents stored while the index was unavailable", len(pending))
            try:
                tasks.index_documents(settings, pending, len(pending))
                archive.clear_pending_index(pending)
            except ServiceError as e:
                logger.error("index still unavailable (%s); they stay pending", e)
        inbox = ObjectStore.from_settings(settings.minio, bucket=bucket)
        inbox.ensure_bucket()
        keys = _inbox_keys(inbox, prefix)
        if not keys:
            logger.info("inbox s3://%s/%s: nothing new", bucket, prefix)
            return {"batch": None, "files": 0, "indexed_pending": len(pending)}
        batch_id = "nightly-" + new_batch_id()
        report: BatchReport = ingest_batch(
            source=f"s3://{bucket}/{prefix}", batch_id=batch_id, uploader="nightly"
        )
        moved = 0
        for f in report.files:
            key = f"{prefix.rstrip('/') + '/' if prefix else ''}{f.path}"
            if key not in keys:
                continue  # arrived after the listing; the next run takes it
            folder = FAILED if f.status is FileStatus.FAILED else PROCESSED
            inbox.move(key, f"{prefix.rstrip('/') + '/' if prefix else ''}{folder}/{batch_id}/{f.path}")
            moved += 1
        logger.info(
            "nightly batch %s: %d files, moved %d out of the inbox", batch_id, len(report.files), moved
        )
        return {
            "batch": batch_id,
            "files": len(report.files),
            "moved": moved,
            "totals": report.totals.model_dump(),
        }
