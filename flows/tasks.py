"""Prefect tasks: one per source file, with the chain's steps inside, retried as each error says.

Each file of a batch is one Prefect task run (``ingest <file>``) around :func:`pipeline.chain.run_file`, so
the Prefect UI shows one state per file and the server records one task run per file instead of one per step
(a task run costs the Prefect server about 45 ms of CPU; eight per file were a sixth of a batch's CPU).
Inside, the steps that talk to a service are retried in place (:func:`retrying`): whether a failed call
is tried again is the error's own ``retryable`` attribute (``sohoa.errors``): a service that is down is
retried with exponential backoff; a bad file, an OCR failure or a missing object never is, because it
cannot succeed later. On a Dask task runner the page work (prepare, OCR, derive) stays a Prefect task of
its own, submitted to the cluster (:data:`REMOTE`).
No task caches (its inputs are files and services, not values worth hashing on every call).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import Failed, State
from prefect.tasks import exponential_backoff
from prefect.utilities.annotations import quote

from pipeline import chain
from pipeline.chain import Admitted, IngestContext, Services, Steps
from sohoa.model.report import FileResult, FileStatus
from storage.index import SearchIndex
from storage.objects import ObjectStore
from storage.reindex import load_record

__all__ = ["REMOTE", "RETRIES", "STEPS", "index_documents", "ingest_file", "retry_if_retryable", "retrying"]

log = logging.getLogger(__name__)


def retry_if_retryable(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry when the error says it may succeed later (``retryable``: MinIO or Elasticsearch down)."""
    try:
        state.result()
    except Exception as e:  # noqa: BLE001 - the error's own attribute decides
        return bool(getattr(e, "retryable", False))
    return False


#: tries after the first, first delay (doubled each time), jitter: one policy for tasks and in-place retries
_RETRY_COUNT, _RETRY_BASE_SECONDS, _RETRY_JITTER = 4, 2.0, 0.5

RETRIES: dict[str, Any] = {
    "retries": _RETRY_COUNT,
    "retry_delay_seconds": exponential_backoff(backoff_factor=_RETRY_BASE_SECONDS),
    "retry_jitter_factor": _RETRY_JITTER,
    "retry_condition_fn": retry_if_retryable,
    "cache_policy": NO_CACHE,
    "persist_result": False,
}


#: a file's task is not retried as a whole (its steps are, in place): OCR is never redone for a lost index
_ONE_RUN: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}

F = TypeVar("F", bound=Callable[..., Any])


def retrying(step: F, *, retries: int = _RETRY_COUNT, base_seconds: float = _RETRY_BASE_SECONDS) -> F:
    """``step``, tried again after an error whose ``retryable`` says it may succeed later (a service down).

    The delays double from ``base_seconds`` with up to 50 % jitter, as for the tasks (:data:`RETRIES`).
    """

    @wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(retries + 1):
            try:
                return step(*args, **kwargs)
            except Exception as e:
                if attempt == retries or not getattr(e, "retryable", False):
                    raise
                delay = base_seconds * 2**attempt * (1 + random.uniform(-_RETRY_JITTER, _RETRY_JITTER))  # noqa: S311
                log.warning(
                    "%s failed (%s); retry %d of %d in %.0f s", step.__name__, e, attempt + 1, retries, delay
                )
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    return run  # type: ignore[return-value]


#: the chain's steps, those that talk to MinIO or Elasticsearch retried in place
STEPS = chain.Steps(
    preflight=retrying(chain.preflight),
    store_original=retrying(chain.store_original),
    store=retrying(chain.store),
    index=retrying(chain.index),
)


@task(name="ingest-file", task_run_name="ingest {admitted.item.name}", **_ONE_RUN)
def _ingest_file(
    admitted: Admitted, ctx: IngestContext, services: Services, steps: Steps, work: Path
) -> FileResult | State[FileResult]:
    result = chain.run_file(admitted, ctx, services, steps, work)
    if result.status is FileStatus.FAILED and result.error:
        # the file's task run shows Failed with the error, in the Prefect UI; the batch goes on
        return Failed(message=f"{result.error['type']}: {result.error['message']}", data=result)
    return result


def ingest_file(
    admitted: Admitted, ctx: IngestContext, services: Services, steps: Steps, work: Path
) -> FileResult:
    """One file's chain as one Prefect task run (its services quoted: Prefect need not walk them)."""
    state = _ingest_file(admitted, ctx, quote(services), quote(steps), work, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, FileResult):
        return result
    raise result if isinstance(result, BaseException) else RuntimeError(f"{admitted.item.name}: no result")


def _remote(step: Any, name: str, run_name: str) -> Any:
    return task(name=name, task_run_name=run_name, **RETRIES)(step)


#: the page work as Prefect tasks, for a Dask task runner (``flows.ingest`` submits them to the cluster)
REMOTE = {
    "prepare": _remote(chain.prepare, "prepare", "prepare {admitted.item.name}"),
    "recognize": _remote(chain.recognize, "ocr", "ocr {prepared.admitted.item.name}"),
    "derive": _remote(chain.derive, "derive", "derive {admitted.item.name}"),
}


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
