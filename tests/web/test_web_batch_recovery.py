"""A dead batch told by its Prefect flow run's state (real Prefect server, MinIO), and retries that keep the
upload's options."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from prefect import flow
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import State
from prefect.states import Cancelled, Crashed, Failed, Running

from flows.progress import ProgressTracker
from sohoa.model.report import BatchProgress, BatchState, FileResult, FileStatus
from tests.web.conftest import PASSWORD, WebWorld

pytestmark = pytest.mark.services


def _staff() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"staff1:{PASSWORD}".encode()).decode()}


@flow(name="sohoa-test-batch-run", persist_result=False)
def _placeholder_run() -> None:
    """Never run: the flow the test's flow runs belong to."""


_CREATED: list[uuid.UUID] = []  # flow runs this module made, deleted at the end


@pytest.fixture(scope="module")
def prefect(world: WebWorld) -> Iterator[SyncPrefectClient]:
    """A client of the real Prefect server; the flow runs the tests made are deleted afterwards."""
    with SyncPrefectClient(world.settings.prefect.api_url) as client:
        yield client
        for run_id in _CREATED:
            client.delete_flow_run(run_id)


def _run_in(client: SyncPrefectClient, *states: State) -> str:
    """A flow run in the Prefect server, taken through ``states`` (forced, as a worker would report)."""
    run = client.create_flow_run(_placeholder_run, name=f"batch-{uuid.uuid4().hex[:8]}", state=Running())
    _CREATED.append(run.id)
    for state in states:
        client.set_flow_run_state(run.id, state, force=True)
    return str(run.id)


def _running(world: WebWorld, batch: str, flow_run: str) -> None:
    """A running batch, 2 of 5 files done, heartbeat fresh, worker on another host (no pid to check)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    done = [FileResult(path="a.png", status=FileStatus.STORED, pages=1, document_id="a" * 64),
            FileResult(path="b.png", status=FileStatus.STORED, pages=2, document_id="b" * 64)]  # fmt: skip
    world.store.put_batch_json(batch, "status.json", BatchProgress(
        batch=batch, state=BatchState.RUNNING, files_total=5, files_done=2, pages_done=3, files=done,
        updated_at=now, heartbeat_at=now, worker="another-host:4242", source=f"s3://x/uploads/{batch}/",
        uploader="staff1", flow_run=flow_run))  # fmt: skip


@pytest.mark.parametrize(
    ("ended", "word"),
    [
        (Crashed(message="Flow run infrastructure exited with non-zero status code -9."), "CRASHED"),
        (Failed(message="Flow run encountered an exception: MemoryError"), "FAILED"),
        (Cancelled(message="cancelled from the Prefect UI"), "CANCELLED"),
    ],
)
def test_a_batch_whose_flow_run_ended_in_prefect_is_failed_with_what_was_done(
    world: WebWorld, prefect: SyncPrefectClient, ended: State, word: str
) -> None:
    """GIVEN a running batch with a fresh heartbeat WHEN its flow run is alive, then ends badly in Prefect
    THEN it shows running, then failed with the two files it had done."""
    batch = f"20990505-000000-{uuid.uuid4().hex[:4]}"
    run = _run_in(prefect)
    _running(world, batch, run)
    assert world.client().get(f"/api/batches/{batch}", headers=_staff()).json()["state"] == "running"
    prefect.set_flow_run_state(uuid.UUID(run), ended, force=True)
    status = world.client().get(f"/api/batches/{batch}", headers=_staff()).json()
    assert status["state"] == "failed" and status["error"]["type"] == "worker_lost"
    assert word in status["error"]["message"] and "2 of 5 files" in status["error"]["message"]
    report = world.client().get(f"/api/batches/{batch}/report", headers=_staff()).json()
    assert report["state"] == "failed" and [f["path"] for f in report["files"]] == ["a.png", "b.png"]


def test_a_completed_or_unknown_flow_run_leaves_a_fresh_batch_running(
    world: WebWorld, prefect: SyncPrefectClient
) -> None:
    from prefect.states import Completed

    for run in (_run_in(prefect, Completed()), str(uuid.uuid4())):  # the second one Prefect never saw
        batch = f"20990606-000000-{uuid.uuid4().hex[:4]}"
        _running(world, batch, run)
        assert world.client().get(f"/api/batches/{batch}", headers=_staff()).json()["state"] == "running"


def test_a_flow_run_that_raised_records_its_id_and_is_failed_though_its_process_lives(
    world: WebWorld, prefect: SyncPrefectClient
) -> None:
    """GIVEN a real flow run whose batch tracker published one file, then raised WHEN the web app reads the
    batch (worker process alive: this one; heartbeat fresh) THEN Prefect's FAILED state fails it."""
    batch = f"20990707-000000-{uuid.uuid4().hex[:4]}"
    trackers: list[ProgressTracker] = []

    @flow(name="sohoa-test-dying-batch", persist_result=False)
    def dying() -> None:
        tracker = ProgressTracker(world.store, batch, files_total=3)
        trackers.append(tracker)
        tracker.file_done(FileResult(path="a.png", status=FileStatus.STORED, pages=1, document_id="a" * 64))
        raise RuntimeError("the OCR engine stopped")

    state = dying(return_state=True)
    trackers[0].stop()  # this process lives on, unlike a real worker's
    assert state.is_failed() and state.state_details.flow_run_id is not None
    _CREATED.append(state.state_details.flow_run_id)
    status = world.store.get_batch_json(batch, "status.json")
    assert status["state"] == "running" and status["flow_run"] == str(state.state_details.flow_run_id)
    shown = world.client().get(f"/api/batches/{batch}", headers=_staff()).json()
    assert shown["state"] == "failed" and "FAILED" in shown["error"]["message"]
    report = world.client().get(f"/api/batches/{batch}/report", headers=_staff()).json()
    assert [f["path"] for f in report["files"]] == ["a.png"]


def test_a_retry_runs_with_the_uploads_split_and_colour_options(world: WebWorld) -> None:
    """GIVEN an upload with split=header and expect_color WHEN its batch dies and is retried THEN the retry
    is started with the same options."""
    r = world.client().post(
        "/api/batches",
        headers=_staff(),
        files=[("files", ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png"))],
        data={"split": "header", "expect_color": "true"},
    )
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]
    first = world.launched.calls[-1]
    assert first["split"] == "header" and first["expect_color"] is True
    # What flows.launch.start_batch writes in the queued status (the stand-in launcher does not).
    now = datetime.now(UTC).isoformat(timespec="seconds")
    world.store.put_batch_json(batch, "status.json", BatchProgress(
        batch=batch, state=BatchState.FAILED, updated_at=now, source=first["source"], uploader="staff1",
        split="header", expect_color=True))  # fmt: skip
    assert world.client().post(f"/api/batches/{batch}/retry", headers=_staff()).status_code == 202
    retried = world.launched.calls[-1]
    assert retried["batch_id"] == batch and retried["attempts"] == 2
    assert retried["split"] == "header" and retried["expect_color"] is True


def test_the_worker_keeps_the_queued_options_for_a_later_retry(world: WebWorld) -> None:
    batch = f"20990808-000000-{uuid.uuid4().hex[:4]}"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    world.store.put_batch_json(batch, "status.json", BatchProgress(
        batch=batch, state=BatchState.QUEUED, updated_at=now, source="s3://x/y/", uploader="staff1",
        split="separator", expect_color=True))  # fmt: skip
    tracker = ProgressTracker(world.store, batch, files_total=1)  # outside a flow run: no run id
    tracker.stop()
    status = BatchProgress.model_validate(world.store.get_batch_json(batch, "status.json"))
    assert status.state is BatchState.RUNNING and (status.split, status.expect_color) == ("separator", True)
    assert status.flow_run is None and status.source == "s3://x/y/"
    status.state = BatchState.FAILED
    calls: list[dict[str, object]] = []

    def start(source: str, **kwargs: object) -> str:
        calls.append({"source": source, **kwargs})
        return batch

    from flows.launch import retry_batch

    retry_batch(status, start=start)
    assert calls == [{"source": "s3://x/y/", "batch_id": batch, "manifest": None, "uploader": "staff1",
                      "attempts": 2, "split": "separator", "expect_color": True}]  # fmt: skip
