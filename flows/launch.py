"""Starting a batch in the background (for the web app): a local process or a deployment run.

``SOHOA_PREFECT__LAUNCH=subprocess`` (default) runs ``sohoa ingest`` as a detached process on this machine;
``deployment`` asks the Prefect server for a run of the ingest deployment, which any worker of the work pool
picks up. Either way the batch is a Prefect flow run, and its progress appears in ``status.json``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from typing import cast

from flows.ingest import new_batch_id
from sohoa.model.report import BatchProgress, BatchState
from sohoa.settings import get_settings
from storage.objects import ObjectStore

__all__ = ["new_batch_id", "start_batch"]

log = logging.getLogger(__name__)


def start_batch(
    source: str,
    *,
    batch_id: str,
    manifest: str | None = None,
    uploader: str | None = None,
    split: str | None = None,
    expect_color: bool = False,
) -> str:
    """Queue the ingestion of ``source`` (a folder, zip or ``s3://`` prefix) and return at once.

    Returns:
        The batch id; poll ``batches/<id>/status.json`` and ``report.json`` for progress and the result.
    """
    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio)
    queued = BatchProgress(batch=batch_id, state=BatchState.QUEUED, updated_at=datetime.now(UTC).isoformat())
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
    log.info("batch %s: started ingestion process %d", batch_id, proc.pid)
    return batch_id
