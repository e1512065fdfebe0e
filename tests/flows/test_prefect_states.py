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
    state = ingest_batch(source=str(tmp_path), batch_id="prefect-states", return_state=True)
    report = state.result()
    assert report.totals.files == 3 and report.totals.stored == 2  # type: ignore[union-attr]
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["batch-progress"])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
        )
    files = sorted(r.name for r in runs if r.name.startswith("ingest "))
    # the empty file is refused at preflight, before a file's task: it is in the report, not a task run
    assert files == sorted(f"ingest {d.file.rsplit('.', 1)[0]}.png" for d in SAMPLE_DOCS[:2])
    assert all(r.state is not None and r.state.is_completed() for r in runs)
    assert [a.data for a in artifacts] == [100.0]
