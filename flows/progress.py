"""Live progress of a batch: a Prefect progress artifact, ``status.json`` in MinIO, and in-process listeners.

The CLI registers a listener to drive its progress bar; the web app polls ``status.json``; the Prefect UI
shows the progress artifact. Progress is best effort: failing to publish it never fails the batch.
A heartbeat in ``status.json`` (and the worker's pid) lets the web app tell a dead batch from a slow one
(:func:`is_lost`) and close it with the last known report (:func:`stop_batch`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast
from uuid import UUID

from prefect.artifacts import create_progress_artifact
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import ArtifactUpdate

from pipeline.chain import totals
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


#: how often a running batch's worker refreshes ``heartbeat_at`` (lost after ``web.batch_stale_seconds``)
HEARTBEAT_SECONDS = 20.0
#: file updates closer together than this are coalesced into one status.json write
_MIN_INTERVAL = 1.0


def worker_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ProgressTracker:
    """Counts files and pages of one running batch and publishes each change, with a heartbeat.

    ``status.json`` keeps every finished file, so a batch whose worker dies still shows what was done;
    the source and uploader written there by :func:`flows.launch.start_batch` are kept, so it can be
    retried. Writes are coalesced (at most one a second, plus the heartbeat) to keep large batches cheap.
    """

    def __init__(self, store: ObjectStore, batch: str, *, files_total: int) -> None:
        self.store = store
        earlier = _read_status(store, batch)
        now = _now()
        self.progress = BatchProgress(
            batch=batch,
            state=BatchState.RUNNING,
            files_total=files_total,
            updated_at=now,
            source=earlier.source if earlier else None,
            uploader=earlier.uploader if earlier else None,
            worker=worker_id(),
            heartbeat_at=now,
            attempts=earlier.attempts if earlier else 1,
        )
        self._artifact: UUID | None = None
        #: one client for the batch's artifact updates (Prefect's helper builds a client, TLS context
        #: included, on every call: most of the flow process's own CPU on a large batch)
        self._client: SyncPrefectClient | None = None
        self._write_lock = threading.Lock()
        self._last_write = 0.0
        self._dirty = False
        self._stop = threading.Event()
        try:
            artifact = create_progress_artifact(
                progress=0.0, key="batch-progress", description=f"Batch {batch}"
            )
            self._artifact = cast(UUID, artifact)  # a sync call inside a flow run: a UUID, not a coroutine
            self._client = get_client(sync_client=True)
        except Exception:  # noqa: BLE001 - outside a flow run or server hiccup: progress is optional
            log.debug("no Prefect progress artifact", exc_info=True)
        self._publish(force=True)
        self._beat = threading.Thread(target=self._heartbeat, name=f"heartbeat-{batch}", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.progress.heartbeat_at = _now()
            self._publish(force=True)

    def file_done(self, result: FileResult) -> None:
        """Record one finished file (any status)."""
        p = self.progress
        p.files_done += 1
        if result.status in (FileStatus.STORED, FileStatus.NEEDS_REVIEW):
            p.pages_done += result.pages
        if result.status is FileStatus.FAILED:
            p.failures.append(result)
        p.files.append(result)
        p.updated_at = p.heartbeat_at = _now()
        self._publish(force=p.files_done >= p.files_total)

    def finish(self, report: BatchReport) -> None:
        """Mark the batch finished (and stop the heartbeat)."""
        self._stop.set()
        self.progress.state = report.state
        self.progress.error = report.error
        self.progress.updated_at = _now()
        self._publish(force=True)

    def _publish(self, *, force: bool = False) -> None:
        p = self.progress
        with _lock:
            listeners = list(_listeners)
        for listener in listeners:
            listener(p)
        with self._write_lock:
            now = time.monotonic()
            if not force and now - self._last_write < _MIN_INTERVAL:
                self._dirty = True  # the next write (a file, the heartbeat or the end) carries it
                return
            self._last_write, self._dirty = now, False
            try:
                self.store.put_batch_json(p.batch, "status.json", p)
            except Exception:  # noqa: BLE001 - never fail a batch for its progress display
                log.warning("batch %s: could not store status.json", p.batch, exc_info=True)
        if self._artifact is not None and self._client is not None and p.files_total:
            try:
                update = ArtifactUpdate(data=round(100.0 * p.files_done / p.files_total, 1))
                self._client.update_artifact(artifact_id=self._artifact, artifact=update)
            except Exception:  # noqa: BLE001
                log.debug("progress artifact update failed", exc_info=True)


def _read_status(store: ObjectStore, batch: str) -> BatchProgress | None:
    try:
        return BatchProgress.model_validate(store.get_batch_json(batch, "status.json"))
    except Exception:  # noqa: BLE001 - a missing or unreadable earlier status only loses the retry data
        return None


def _alive(worker: str | None) -> bool | None:
    """Whether the worker process runs (None: not on this machine, or unknown)."""
    if not worker or ":" not in worker:
        return None
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_lost(progress: BatchProgress, *, stale_seconds: float, now: datetime | None = None) -> bool:
    """Whether a queued or running batch has no live worker: its process is gone, or it went silent.

    A local worker is checked directly (its pid); any other one by its heartbeat (or, queued, by
    when it was queued) being older than ``stale_seconds``.
    """
    if progress.state not in (BatchState.QUEUED, BatchState.RUNNING):
        return False
    if _alive(progress.worker) is False:
        return True
    seen = progress.heartbeat_at or progress.updated_at
    try:
        last = datetime.fromisoformat(seen)
    except ValueError:
        return False
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - last).total_seconds() > stale_seconds


def last_report(progress: BatchProgress, *, state: BatchState, error: dict[str, str]) -> BatchReport:
    """The report of a batch that stopped before its end: every file finished so far, and why it stopped."""
    results = list(progress.files) or list(progress.failures)
    return BatchReport(
        batch=progress.batch,
        source=progress.source or "",
        state=state,
        started_at=progress.updated_at,
        finished_at=_now(),
        uploader=progress.uploader,
        files=results,
        totals=totals(results, 0.0),
        error=error,
    )


def stop_batch(
    store: ObjectStore, progress: BatchProgress, *, state: BatchState, error: dict[str, str]
) -> BatchReport:
    """Mark a batch stopped (failed: its worker died; cancelled: staff stopped it) with its last report.

    The report and the status are written together, so the batch page shows the last known report.
    """
    report = last_report(progress, state=state, error=error)
    progress.state = state
    progress.error = error
    progress.updated_at = _now()
    store.put_report(progress.batch, report)
    store.put_batch_json(progress.batch, "status.json", progress)
    log.warning("batch %s: marked %s (%s)", progress.batch, state.value, error.get("message", ""))
    return report
