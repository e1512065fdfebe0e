"""The nightly run never blocks on a poison file, and a file that kills its worker twice is quarantined.

Real flows on the real services. The worker is really killed (SIGKILL, from the test, on the pool worker
that is OCR'ing the victim's page), twice: once, then again on the retry.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cli.samples import SAMPLE_DOCS, render_page
from flows.nightly import nightly_ingest
from ocr import OcrContext, page_pool
from ocr.pool import PagePool
from sohoa.settings import Settings
from storage.objects import ObjectStore
from tests.flows.hostile import png_claiming

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _drop(inbox: ObjectStore, key: str, data: bytes) -> None:
    inbox.put_bytes(key, data)


def _page_png(tmp_path: Path, doc: int) -> bytes:
    path = tmp_path / f"p{doc}.png"
    render_page(SAMPLE_DOCS[doc]).save(path)
    return path.read_bytes()


def test_a_poison_file_moves_out_with_its_error_and_the_next_run_finds_nothing(
    archive: Settings, tmp_path: Path
) -> None:
    inbox = ObjectStore.from_settings(archive.minio, bucket=archive.minio.inbox_bucket)
    good = _page_png(tmp_path, 0)
    _drop(inbox, "scans/good.png", good)
    _drop(inbox, "scans/bomb.png", png_claiming(60_000, 60_000))
    _drop(inbox, "scans/half.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100)

    first = nightly_ingest()
    batch = first["batch"]
    assert first["files"] == 3 and first["moved"] == 3
    assert sorted(first["failed"]) == ["scans/bomb.png", "scans/half.jpg"] and first["quarantined"] == []
    keys = set(inbox.list_keys())
    assert not [k for k in keys if not k.startswith("_")]  # the inbox is empty: nothing blocks it
    assert f"_processed/{batch}/scans/good.png" in keys
    error = json.loads(inbox.get_bytes(f"_failed/{batch}/scans/bomb.png.error.json"))
    assert error["type"] == "DecompressionBombError" and "pixels" in error["message"] and error["advice"]
    assert f"_failed/{batch}/scans/half.jpg.error.json" in keys

    assert nightly_ingest()["files"] == 0  # the next run finds nothing


def _kill_worker_running(
    pool: PagePool, label: str, times: int, stop: threading.Event, killed: list[int]
) -> None:
    while len(killed) < times and not stop.is_set():
        for pid, running in pool.busy():
            if running == label and pid not in killed:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.005)


def test_a_file_that_kills_its_worker_twice_is_quarantined_and_the_batch_goes_on(
    archive: Settings, tmp_path: Path
) -> None:
    """GIVEN a file whose page's worker dies each time it runs (here: SIGKILL from outside)
    WHEN the nightly run ingests it with a good file THEN the good file is stored, the victim is reported
    (WorkerCrashedError) and moved to _quarantine/ with its error, the pool works on, the inbox is empty."""
    inbox = ObjectStore.from_settings(archive.minio, bucket=archive.minio.inbox_bucket)
    _drop(inbox, "victim.png", _page_png(tmp_path, 1))
    _drop(inbox, "good.png", _page_png(tmp_path, 2))
    pool = page_pool(OcrContext.from_settings(archive.ocr))
    assert isinstance(pool, PagePool)
    replaced = pool.replaced
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_worker_running, args=(pool, "victim.png page 1", 2, stop, killed))
    killer.start()
    try:
        result = nightly_ingest()
    finally:
        stop.set()
        killer.join()
    assert len(killed) == 2 and pool.replaced - replaced >= 2
    batch = result["batch"]
    assert result["quarantined"] == ["victim.png"] and result["totals"]["stored"] == 1
    keys = set(inbox.list_keys())
    assert {f"_quarantine/{batch}/victim.png", f"_processed/{batch}/good.png"} <= keys
    error = json.loads(inbox.get_bytes(f"_quarantine/{batch}/victim.png.error.json"))
    assert error["type"] == "WorkerCrashedError" and "died 2 times" in error["message"]
    assert not [k for k in keys if not k.startswith("_")]
    assert nightly_ingest()["files"] == 0
