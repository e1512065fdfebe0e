"""The nightly inbox ingestion on the real services: only new objects, never twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.samples import write_sample_batch
from flows.nightly import nightly_ingest
from sohoa.settings import Settings
from storage.objects import ObjectStore

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _drop(inbox: ObjectStore, path: Path, key: str) -> None:
    inbox.put_bytes(key, path.read_bytes())


def test_nightly_picks_up_only_new_inbox_objects(archive: Settings, tmp_path: Path) -> None:
    files = tmp_path / "scans"
    write_sample_batch(files, bad_files=False)
    inbox = ObjectStore.from_settings(archive.minio, bucket=archive.minio.inbox_bucket)
    _drop(inbox, files / "qd-1340-ubnd.png", "scans/qd-1340-ubnd.png")
    _drop(inbox, files / "cv-215-sngv.jpg", "scans/cv-215-sngv.jpg")

    first = nightly_ingest()
    assert first["files"] == 2 and first["moved"] == 2
    assert [k for k in inbox.list_keys() if not k.startswith("_")] == []
    assert len([k for k in inbox.list_keys("_processed/") if k.endswith((".png", ".jpg"))]) == 2

    assert nightly_ingest()["files"] == 0  # nothing new

    _drop(inbox, files / "tb-07-cls.pdf", "tb-07-cls.pdf")
    third = nightly_ingest()
    assert third["files"] == 1 and third["totals"]["stored"] == 1


def test_two_nightly_runs_at_once_process_each_object_once(archive: Settings, tmp_path: Path) -> None:
    files = tmp_path / "scans"
    write_sample_batch(files, bad_files=False)
    inbox = ObjectStore.from_settings(archive.minio, bucket=archive.minio.inbox_bucket)
    (files / "new.png").write_bytes((files / "qd-1340-ubnd.png").read_bytes()[:-1] + b"\x00")
    _drop(inbox, files / "new.png", "new.png")
    argv = [sys.executable, "-m", "cli", "--quiet", "nightly"]
    procs = [
        subprocess.Popen(argv, env=os.environ.copy(), stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]  # noqa: S603
    outputs = [json.loads(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in procs]
    assert sorted(o["files"] for o in outputs) == [0, 1]
