"""prefect.yaml's deployments register with the real Prefect server and run on a process worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.deployments import run_deployment

from sohoa.settings import Settings

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_then_a_worker_runs_the_fixity_deployment(archive: Settings) -> None:
    sohoa = [sys.executable, "-m", "cli", "--quiet"]
    subprocess.run([*sohoa, "deploy"], check=True, cwd=ROOT, env=os.environ.copy(), capture_output=True)  # noqa: S603
    worker = subprocess.Popen(  # noqa: S603
        [*sohoa, "worker"], cwd=ROOT, env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        run = run_deployment("fixity-audit/fixity-audit", timeout=180)
        assert run.state is not None and run.state.is_completed(), run.state
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # on a loaded machine the worker may take longer to wind down: the run was checked above
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
