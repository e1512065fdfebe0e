"""Live progress of a batch: a Prefect progress artifact, ``status.json`` in MinIO, and in-process listeners.

The CLI registers a listener to drive its progress bar; the web app polls ``status.json``; the Prefect UI
shows the progress artifact. Progress is best effort: failing to publish it never fails the batch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from sohoa.model.report import BatchProgress, BatchReport, BatchState, FileResult, FileStatus
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

Listener = Callable[[BatchProgress], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def add_listener(listener: Listener) -> None:
    """Call ``listener`` with every progress update of batches run in this process."""
    with _lock:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling ``listener``."""
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ProgressTracker:
    """Counts files and pages of one running batch and publishes each change."""

    def __init__(self, store: ObjectStore, batch: str, *, files_total: int) -> None:
        self.store = store
        self.progress = BatchProgress(
            batch=batch, state=BatchState.RUNNING, files_total=files_total, updated_at=_now()
        )
        self._artifact: UUID | None = None
        try:
            artifact = create_progress_artifact(
                progress=0.0, key="batch-progress", description=f"Batch {batch}"
            )
            self._artifact = cast(UUID, artifact)  # a sync call inside a flow run: a UUID, not a coroutine
        except Exception:  # noqa: BLE001 - outside a flow run or server hiccup: progress is optional
            log.debug("no Prefect progress artifact", exc_info=True)
        self._publish()

    def file_done(self, result: FileResult) -> None:
        """Record one finished file (any status)."""
        p = self.progress
        p.files_done += 1
        if result.status in (FileStatus.STORED, FileStatus.NEEDS_REVIEW):
            p.pages_done += result.pages
        if result.status is FileStatus.FAILED:
            p.failures.append(result)
        p.updated_at = _now()
        self._publish()

    def finish(self, report: BatchReport) -> None:
        """Mark the batch finished."""
        self.progress.state = report.state
        self.progress.updated_at = _now()
        self._publish()

    def _publish(self) -> None:
        p = self.progress
        with _lock:
            listeners = list(_listeners)
        for listener in listeners:
            listener(p)
        try:
            self.store.put_batch_json(p.batch, "status.json", p)
        except Exception:  # noqa: BLE001 - never fail a batch for its progress display
            log.warning("batch %s: could not store status.json", p.batch, exc_info=True)
        if self._artifact is not None and p.files_total:
            try:
                update_progress_artifact(self._artifact, progress=100.0 * p.files_done / p.files_total)
            except Exception:  # noqa: BLE001
                log.debug("progress artifact update failed", exc_info=True)
