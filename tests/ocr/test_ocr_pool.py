"""The page pool: jobs by priority, and a worker that dies, hangs or runs out of memory fails only its job."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from ocr.pool import PagePool, PoolLimits, _mp_context
from sohoa.errors import OcrTimeoutError, ResourceLimitError, WorkerCrashedError


def square(x: int) -> int:
    return x * x


def pid(_: int) -> int:
    return os.getpid()


def kill_self(_: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def hog(mb: int) -> int:
    return len(bytearray(mb * 2**20))


def dies_first_time(marker: str) -> str:
    """Kills its worker unless ``marker`` exists; creates it first (so the retry succeeds)."""
    if not Path(marker).exists():
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return "survived"


@pytest.fixture(scope="module")
def pool() -> Iterator[PagePool]:
    p = PagePool(2, PoolLimits(memory_mb=1024, job_seconds=3))
    yield p
    p.close()


def test_workers_are_not_forked_from_a_threaded_caller() -> None:
    # flows call the engine from processes with background threads: forking those copies held locks
    assert _mp_context().get_start_method() in ("forkserver", "spawn")


def test_jobs_run_and_higher_priority_goes_first() -> None:
    single = PagePool(1)  # one worker: jobs finish in the order they were handed out
    try:
        blocker = single.submit(sleep, 1.0)
        # the others are queued only once the blocker runs: queued beside it, priority 1 would beat it
        deadline = time.monotonic() + 120
        while not single.busy() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert single.busy(), "the blocker never started"
        order: list[int] = []
        futures: list[Future[int]] = []
        for prio in (1, 5, 3):
            f = single.submit(square, prio, priority=prio)
            f.add_done_callback(lambda f: order.append(f.result()))
            futures.append(f)
        assert [f.result(timeout=120) for f in futures] == [1, 25, 9]
        assert blocker.result(timeout=120) == 1.0
        assert order == [25, 9, 1]
    finally:
        single.close()


def test_a_killed_worker_fails_only_its_job_and_is_replaced(pool: PagePool) -> None:
    """GIVEN a job that kills its worker every time WHEN it runs THEN it is tried twice and fails with
    WorkerCrashedError, the dead workers are replaced, and the next jobs run."""
    before = pool.replaced
    doomed = pool.submit(kill_self, 0, label="poison.tif page 1")
    others = [pool.submit(square, i) for i in range(6)]
    with pytest.raises(WorkerCrashedError, match="poison.tif page 1: the worker process died 2 times"):
        doomed.result(timeout=120)
    assert [f.result(timeout=120) for f in others] == [i * i for i in range(6)]
    assert pool.replaced - before == 2
    assert len(set(pool.submit(pid, 0).result(timeout=120) for _ in range(2))) >= 1


def test_a_job_that_killed_one_worker_succeeds_in_the_next(pool: PagePool, tmp_path: Path) -> None:
    assert pool.submit(dies_first_time, str(tmp_path / "m")).result(timeout=120) == "survived"


def test_the_watchdog_stops_a_hung_job(pool: PagePool) -> None:
    started = time.monotonic()
    with pytest.raises(OcrTimeoutError, match="took longer than 3 s"):
        pool.submit(sleep, 60, label="slow page").result(timeout=120)
    assert time.monotonic() - started < 60  # 3 s, plus a new worker started on a loaded machine
    assert pool.submit(square, 7).result(timeout=120) == 49


def test_the_memory_limit_fails_the_job_not_the_machine(pool: PagePool) -> None:
    with pytest.raises(ResourceLimitError, match="more than 1024 MB"):
        pool.submit(hog, 4096).result(timeout=120)
    assert pool.submit(hog, 16).result(timeout=120) == 16 * 2**20
