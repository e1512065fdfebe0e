"""The task runner of the ingest flow, from the settings: threads on this machine, or Dask.

With Dask, each document's OCR task runs on a Dask worker (its pages on that worker's cores), so more
machines in the cluster means more documents at once. Dask workers must not be daemonic, because the OCR
engine starts its own page processes.
"""

from __future__ import annotations

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from sohoa.settings import PrefectSettings

__all__ = ["make_task_runner"]


def make_task_runner(settings: PrefectSettings) -> TaskRunner[Any]:
    """ThreadPoolTaskRunner, or a DaskTaskRunner on ``dask_address`` or a local cluster."""
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=settings.task_workers)
    import dask
    from prefect_dask import DaskTaskRunner

    dask.config.set({"distributed.worker.daemon": False})
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.task_workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "host": "127.0.0.1",
        }
    )
