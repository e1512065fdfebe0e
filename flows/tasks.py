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
from prefect.utilities.annotations import quote

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


class _Quoted:
    """A task called with its large arguments quoted, so Prefect does not walk them.

    Prefect inspects every argument of a task call, element by element, looking for futures; an OCR result
    holds thousands of words, and that walk cost about 30 ms of CPU per call, most of the flow's own
    overhead. ``quote`` skips it; the step still receives the plain value.
    """

    def __init__(self, task: Task[Any, Any], heavy: tuple[int, ...]) -> None:
        self.task, self.heavy = task, heavy

    def _args(self, args: tuple[Any, ...]) -> list[Any]:
        return [quote(a) if i in self.heavy else a for i, a in enumerate(args)]

    def __call__(self, *args: Any) -> Any:
        return self.task(*self._args(args))

    def submit(self, *args: Any) -> Any:
        """Submit to the flow's task runner (Dask): plain arguments, as quotes do not survive the trip."""
        return self.task.submit(*args)


def _task(step: Any, name: str, run_name: str, heavy: tuple[int, ...] = ()) -> Any:
    return _Quoted(task(name=name, task_run_name=run_name, **RETRIES)(step), heavy)


#: the chain's steps as Prefect tasks, for ``chain.run_files``
STEPS = chain.Steps(
    preflight=_task(chain.preflight, "preflight", "preflight {item.name}"),
    prepare=_task(chain.prepare, "prepare", "prepare {admitted.item.name}"),
    store_original=_task(chain.store_original, "store-original", "store {admitted.item.name}"),
    recognize=_task(chain.recognize, "ocr", "ocr {prepared.admitted.item.name}"),
    extract=_task(chain.extract, "extract", "extract {admitted.item.name}", heavy=(0,)),
    derive=_task(chain.derive, "derive", "derive {admitted.item.name}", heavy=(0,)),
    store=_task(chain.store, "store", "store document", heavy=(0, 1)),
    index=_task(chain.index, "index", "index document", heavy=(0,)),
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
