"""Starting a batch in the background (for the web app): a local process or a deployment run.

``SOHOA_PREFECT__LAUNCH=subprocess`` (default) runs ``sohoa ingest`` as a detached process on this machine;
``deployment`` asks the Prefect server for a run of the ingest deployment, which any worker of the work pool
picks up. Either way the batch is a Prefect flow run, and its progress appears in ``status.json``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from flows.ingest import new_batch_id
from flows.progress import stop_batch
from sohoa.errors import InputError
from sohoa.model.report import BatchProgress, BatchReport, BatchState
from sohoa.settings import get_settings
from storage.objects import ObjectStore

__all__ = ["cancel_batch", "new_batch_id", "retry_batch", "start_batch"]

log = logging.getLogger(__name__)


def start_batch(
    source: str,
    *,
    batch_id: str,
    manifest: str | None = None,
    uploader: str | None = None,
    attempts: int = 1,
    split: str | None = None,
    expect_color: bool = False,
) -> str:
    """Queue the ingestion of ``source`` (a folder, zip or ``s3://`` prefix) and return at once.

    Returns:
        The batch id; poll ``batches/<id>/status.json`` and ``report.json`` for progress and the result.
    """
    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio)
    queued = BatchProgress(
        batch=batch_id,
        state=BatchState.QUEUED,
        updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=source,
        uploader=uploader,
        attempts=attempts,
        split=split,
        expect_color=expect_color,
    )
    store.put_batch_json(batch_id, "status.json", queued)
    if settings.prefect.launch == "deployment":
        from prefect.client.schemas.objects import FlowRun
        from prefect.deployments import run_deployment

        params: dict[str, object] = {
            "source": source,
            "batch_id": batch_id,
            "manifest": manifest,
            "uploader": uploader,
        }
        if split:
            params["split"] = split
        if expect_color:
            params["expect_color"] = True
        run = cast(FlowRun, run_deployment(settings.prefect.ingest_deployment, parameters=params, timeout=0))
        # The run's Prefect state tells the web app when its worker crashed (flows.progress.run_ended).
        queued.flow_run = str(run.id)
        store.put_batch_json(batch_id, "status.json", queued)
        log.info("batch %s: deployment run %s queued", batch_id, run.id)
        return batch_id
    argv = [sys.executable, "-m", "cli", "--quiet", "ingest", source, "--batch-id", batch_id]
    if manifest:
        argv += ["--manifest", manifest]
    if uploader:
        argv += ["--uploader", uploader]
    if split:
        argv += ["--split", split]
    if expect_color:
        argv += ["--expect-color"]
    logs = settings.home / "logs" / "batches"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"{batch_id}.log").open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed argument list
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=os.environ,
        )
    # Reap the child when it ends so a long-running web server collects no zombies.
    threading.Thread(target=proc.wait, name=f"reap-{batch_id}", daemon=True).start()
    # Until the flow's own heartbeat starts, the queued status names the process, so its death shows.
    queued.worker = f"{socket.gethostname()}:{proc.pid}"
    store.put_batch_json(batch_id, "status.json", queued)
    log.info("batch %s: started ingestion process %d", batch_id, proc.pid)
    return batch_id


def _status(store: ObjectStore, batch_id: str) -> BatchProgress:
    try:
        return BatchProgress.model_validate(store.get_batch_json(batch_id, "status.json"))
    except Exception as e:  # noqa: BLE001 - any unreadable status means there is nothing to act on
        raise InputError(f"batch {batch_id} has no status to act on") from e


def retry_batch(
    status: BatchProgress, *, uploader: str | None = None, start: Callable[..., str] | None = None
) -> str:
    """Run a stopped (failed or cancelled) batch again on the same source, batch id and options.

    Ingestion is idempotent by SHA-256: files already stored come back as duplicates at once, and only
    the remaining ones are OCR'd. The upload's split and colour options are those of the first run.

    Args:
        status: The batch's last status.
        uploader: Who asked for the retry (default: the original uploader).
        start: What starts it (default :func:`start_batch`).

    Raises:
        InputError: the batch is still running, finished, or its source is not known.
    """
    batch_id = status.batch
    if status.state not in (BatchState.FAILED, BatchState.CANCELLED):
        raise InputError(
            f"batch {batch_id} is {status.state.value}: only a failed or cancelled batch can be retried"
        )
    if not status.source:
        raise InputError(f"batch {batch_id} does not record its source; run `sohoa ingest` on it again")
    log.info("batch %s: retry %d of %s", batch_id, status.attempts + 1, status.source)
    return (start or start_batch)(
        status.source,
        batch_id=batch_id,
        manifest=None,
        uploader=uploader or status.uploader,
        attempts=status.attempts + 1,
        split=status.split,
        expect_color=status.expect_color,
    )


def cancel_batch(store: ObjectStore, status: BatchProgress) -> BatchReport:
    """Stop a queued or running batch: end its worker process if it runs here, and mark it cancelled.

    A worker on another machine (a deployment run) is only marked; its own next status write shows it
    still running, and the Prefect UI can cancel it.

    Returns:
        The last known report, marked cancelled.

    Raises:
        InputError: the batch is not queued or running.
    """
    batch_id = status.batch
    if status.state not in (BatchState.QUEUED, BatchState.RUNNING):
        raise InputError(f"batch {batch_id} is {status.state.value}: there is nothing to cancel")
    host, _, pid = (status.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            # A worker started here has a session of its own (start_new_session): end its whole group.
            os.killpg(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            try:
                os.kill(int(pid), signal.SIGTERM)  # a `sohoa ingest` run by hand leads no group
            except (ProcessLookupError, PermissionError):
                log.info("batch %s: worker %s already gone", batch_id, status.worker)
        except PermissionError:
            log.warning("batch %s: not allowed to stop worker %s", batch_id, status.worker)
    else:
        log.warning(
            "batch %s: worker %s is not on this machine; only marked cancelled", batch_id, status.worker
        )
    return stop_batch(
        store,
        status,
        state=BatchState.CANCELLED,
        error={"type": "batch_cancelled", "message": "the batch was cancelled"},
    )
