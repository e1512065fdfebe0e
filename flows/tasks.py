"""Prefect tasks: thin wrappers that give the chain's steps names, states and retries in the Prefect UI.

Each task is a step of ``pipeline/chain.py`` as it is. Whether a failed run is tried again is the error's
own ``retryable`` attribute (``sohoa.errors``): a service that is down is retried with exponential
backoff; a bad file, an OCR failure or a missing object never is, because it cannot succeed later.
No task caches (its inputs are files and services, not values worth hashing on every call).
"""

from __future__ import annotations

import logging
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import exponential_backoff

from pipeline import chain
from storage.index import SearchIndex
from storage.objects import ObjectStore
from storage.reindex import load_record

__all__ = ["RETRIES", "STEPS", "index_documents", "retry_if_retryable"]

log = logging.getLogger(__name__)


def retry_if_retryable(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry when the error says it may succeed later (``retryable``: MinIO or Elasticsearch down)."""
    try:
        state.result()
    except Exception as e:  # noqa: BLE001 - the error's own attribute decides
        return bool(getattr(e, "retryable", False))
    return False


RETRIES: dict[str, Any] = {
    "retries": 4,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_if_retryable,
    "cache_policy": NO_CACHE,
    "persist_result": False,
}

#: the chain's steps as Prefect tasks, for ``chain.run_files``
STEPS = chain.Steps(
    preflight=task(name="preflight", task_run_name="preflight {item.name}", **RETRIES)(chain.preflight),
    store_original=task(name="store-original", task_run_name="store {admitted.item.name}", **RETRIES)(
        chain.store_original
    ),
    prepare=task(name="prepare", task_run_name="prepare {admitted.item.name}", **RETRIES)(chain.prepare),
    recognize=task(name="ocr", task_run_name="ocr {prepared.admitted.item.name}", **RETRIES)(chain.recognize),
    extract=task(name="extract", task_run_name="extract {admitted.item.name}", **RETRIES)(chain.extract),
    derive=task(name="derive", task_run_name="derive {admitted.item.name}", **RETRIES)(chain.derive),
    store=task(name="store", task_run_name="store {draft.document.source_file}", **RETRIES)(chain.store),
    index=task(name="index", task_run_name="index {draft.document.source_file}", **RETRIES)(chain.index),
)


@task(name="index-documents", task_run_name="index {count} documents", **RETRIES)
def index_documents(store: ObjectStore, index: SearchIndex, shas: list[str], count: int) -> list[str]:
    """Index documents from what is stored (duplicates of this batch, documents pending since an outage)."""
    index.ensure()
    records = [r for sha in shas if (r := load_record(store, sha)) is not None]
    stats = index.index_records(records)
    if stats.failed:
        log.error("%d documents refused by the index: %s", stats.failed, "; ".join(stats.errors[:3]))
    refused = {e.split(":", 1)[0] for e in stats.errors}
    return [r["sha256"] for r in records if r["sha256"] not in refused]
