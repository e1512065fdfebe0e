"""What the Prefect server shows of a batch: one task run per file, named for it, and the progress at 100 %.

Real flow, real Prefect server, real services.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId

from cli.samples import SAMPLE_DOCS, render_page
from flows.ingest import ingest_batch
from sohoa.settings import Settings

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_one_task_run_per_file_and_the_progress_artifact(archive: Settings, tmp_path: Path) -> None:
    for doc in SAMPLE_DOCS[:2]:
        render_page(doc).save(tmp_path / f"{doc.file.rsplit('.', 1)[0]}.png")
    (tmp_path / "empty.pdf").write_bytes(b"")
    full = (tmp_path / f"{SAMPLE_DOCS[0].file.rsplit('.', 1)[0]}.png").read_bytes()
    mid = len(full) // 2  # bytes garbled inside the image data: it passes preflight and fails in its task
    (tmp_path / "garbled.png").write_bytes(
        full[:mid] + bytes(b ^ 0x5A for b in full[mid : mid + 64]) + full[mid + 64 :]
    )
    state = ingest_batch(source=str(tmp_path), batch_id="prefect-states", return_state=True)
    report = state.result()
    assert report.totals.files == 4 and report.totals.stored == 2  # type: ignore[union-attr]
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["batch-progress"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
        )
    states = {r.name: r.state for r in runs if r.name.startswith("ingest ")}
    # the empty file is refused at preflight, before a file's task: it is in the report, not a task run
    good = {f"ingest {d.file.rsplit('.', 1)[0]}.png" for d in SAMPLE_DOCS[:2]}
    assert set(states) == good | {"ingest garbled.png"}
    assert all(states[name] is not None and states[name].is_completed() for name in good)  # type: ignore[union-attr]
    bad = states["ingest garbled.png"]
    failed = next(f for f in report.files if f.path == "garbled.png")  # type: ignore[union-attr]
    assert (
        bad is not None and bad.is_failed() and failed.error and failed.error["type"] in (bad.message or "")
    )
    assert [a.data for a in artifacts] == [100.0]
