"""One pool of worker processes per process, fed the page jobs of every document, largest first.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies, every job in flight
fails, the pool is broken for good, and nothing says which job killed it. Here each worker runs one job at
a time and the pool knows which, so:

- a worker that dies (the kernel's OOM killer, a crash in a C decoder, ``kill -9``) fails only its own
  job: the job is tried once more in a fresh worker, and a job that killed two workers fails with
  :class:`~sohoa.errors.WorkerCrashedError`. The dead worker is replaced; the other jobs go on.
- a job that runs longer than ``job_seconds`` (the watchdog) has its worker killed and replaced, and fails
  with :class:`~sohoa.errors.OcrTimeoutError`.
- each worker runs under an address-space limit (``RLIMIT_AS`` of ``memory_mb``), which the Tesseract and
  poppler processes it starts inherit: a page too big for the limit fails with a ``MemoryError`` in its
  worker instead of taking the machine down.

Jobs wait in one queue ordered by priority (higher first), then by submission. Workers start through a
fork server that has the OCR modules imported (not ``fork``: callers run threads, whose locks a forked
child would inherit mid-use).
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import logging
import multiprocessing
import multiprocessing.connection as mpc
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sohoa.errors import OcrError, OcrTimeoutError, ResourceLimitError, WorkerCrashedError

__all__ = ["PagePool", "PoolLimits", "default_jobs", "shared_pool"]

log = logging.getLogger(__name__)

#: a job that killed this many workers is given up (the file is quarantined by the nightly run)
MAX_KILLS = 2


def default_jobs(jobs: int | None = None) -> int:
    """Worker count: ``jobs`` if positive, else one per usable core."""
    if jobs and jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class PoolLimits:
    """What one job may use: ``memory_mb`` of address space per worker, ``job_seconds`` of wall time.

    0 means no limit.
    """

    memory_mb: int = 0
    job_seconds: float = 0.0


def _start_method() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if getattr(main, "__spec__", None) is None and path is not None and not Path(path).is_file():
        # a script read from stdin (`python - <<EOF`): new workers could not re-import it; fork instead
        return "fork"
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _mp_context() -> multiprocessing.context.BaseContext:
    mp = multiprocessing.get_context(_start_method())
    if mp.get_start_method() == "forkserver":
        # only effective before the server starts; later calls are no-ops
        mp.set_forkserver_preload(["ocr.page", "ocr.derive"])
    return mp


def _serve(conn: mpc.Connection, memory_mb: int) -> None:
    """A worker's loop: run one job at a time and send back ``(ok, value or exception)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_mb > 0:
        limit = memory_mb * 2**20
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args, kwargs = message
        try:
            reply: tuple[bool, Any] = (True, fn(*args, **kwargs))
        except MemoryError:
            reply = (False, ResourceLimitError(f"the job needed more than {memory_mb} MB of memory"))
        except BaseException as e:  # noqa: BLE001 - delivered to the caller's future
            reply = (False, e)
        try:
            conn.send(reply)
        except Exception as e:  # noqa: BLE001 - an unpicklable result or exception
            conn.send((False, OcrError(f"a worker could not send its result back ({type(e).__name__}: {e})")))


@dataclass(order=True)
class _Job:
    order: tuple[float, int]
    fn: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    kwargs: dict[str, Any] = field(compare=False)
    future: Future[Any] = field(compare=False)
    label: str = field(compare=False)
    kills: int = field(default=0, compare=False)


class _Worker:
    def __init__(self, mp: multiprocessing.context.BaseContext, memory_mb: int, number: int) -> None:
        self.conn, child = mp.Pipe()
        self.process = mp.Process(  # type: ignore[attr-defined]
            target=_serve, args=(child, memory_mb), daemon=True, name=f"sohoa-page-{number}"
        )
        self.process.start()
        child.close()
        self.job: _Job | None = None
        self.started = 0.0

    def stop(self, *, kill: bool) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        elif self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()


class PagePool:
    """Worker processes that run picklable ``fn(*args)`` jobs one at a time each; see the module doc.

    Thread-safe: any thread may :meth:`submit`; one dispatcher thread talks to the workers.
    """

    def __init__(self, workers: int, limits: PoolLimits = PoolLimits()) -> None:
        """Start ``workers`` processes under ``limits``."""
        self.limits = limits
        self._mp = _mp_context()
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._seq = itertools.count()
        self._numbers = itertools.count(1)
        self._closed = False
        self.replaced = 0  #: workers that died or were killed and replaced (for logs and tests)
        self._wake_r, self._wake_w = multiprocessing.Pipe(duplex=False)
        self._workers = [self._new_worker() for _ in range(max(1, workers))]
        self._thread = threading.Thread(target=self._run, name="sohoa-page-pool", daemon=True)
        self._thread.start()

    @property
    def size(self) -> int:
        """How many worker processes the pool keeps."""
        return len(self._workers)

    def pids(self) -> list[int]:
        """Process ids of the current workers (for peak-RSS sampling)."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def busy(self) -> list[tuple[int, str]]:
        """``(worker pid, job label)`` of the jobs running now (for logs, progress and tests)."""
        with self._lock:
            return [(w.process.pid or 0, w.job.label) for w in self._workers if w.job is not None]

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, priority: float = 0.0, label: str = "", **kwargs: Any
    ) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)``; higher ``priority`` runs first; ``label`` names it in logs."""
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the page pool is closed")
            job = _Job((-priority, next(self._seq)), fn, args, kwargs, future, label or fn.__name__)
            heapq.heappush(self._queue, job)
        self._wake()
        return future

    def close(self) -> None:
        """Stop the workers once the queued jobs are done."""
        with self._lock:
            self._closed = True
        self._wake()
        self._thread.join()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    # -- the dispatcher ------------------------------------------------------------------------

    def _new_worker(self) -> _Worker:
        return _Worker(self._mp, self.limits.memory_mb, next(self._numbers))

    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b".")
        except OSError:
            pass

    def _assign(self) -> None:
        with self._lock:
            for worker in self._workers:
                while worker.job is None and self._queue:
                    job = heapq.heappop(self._queue)
                    # a job tried again after a worker died is already running
                    if not job.future.running() and not job.future.set_running_or_notify_cancel():
                        continue  # cancelled while queued
                    try:
                        worker.conn.send((job.fn, job.args, job.kwargs))
                    except Exception as e:  # noqa: BLE001 - an unpicklable job fails alone
                        job.future.set_exception(OcrError(f"{job.label}: cannot hand the job over ({e})"))
                        continue
                    worker.job, worker.started = job, time.monotonic()

    def _run(self) -> None:
        while True:
            self._assign()
            with self._lock:
                if self._closed and not self._queue and all(w.job is None for w in self._workers):
                    break
            busy = [w for w in self._workers if w.job is not None]
            timeout = None
            if self.limits.job_seconds > 0 and busy:
                first_deadline = min(w.started for w in busy) + self.limits.job_seconds
                timeout = max(0.0, first_deadline - time.monotonic())
            waitables: list[Any] = [self._wake_r, *(w.conn for w in busy)]
            waitables += [w.process.sentinel for w in self._workers]
            ready = set(mpc.wait(waitables, timeout))
            if self._wake_r in ready:
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
            for worker in list(self._workers):
                dead = False
                if worker.job is not None and worker.conn in ready:
                    try:
                        ok, value = worker.conn.recv()
                    except (EOFError, OSError):
                        dead = True  # the pipe closed: the worker died before it could reply
                    else:
                        job, worker.job = worker.job, None
                        if ok:
                            job.future.set_result(value)
                        else:
                            job.future.set_exception(value)
                if dead or worker.process.sentinel in ready or not worker.process.is_alive():
                    self._replace(worker, timed_out=False)
                elif (
                    worker.job is not None
                    and self.limits.job_seconds > 0
                    and time.monotonic() - worker.started > self.limits.job_seconds
                ):
                    self._replace(worker, timed_out=True)
        for worker in self._workers:
            worker.stop(kill=False)

    def _replace(self, worker: _Worker, *, timed_out: bool) -> None:
        """Replace a dead (or hung) worker; its job fails, or runs again if it killed only one worker."""
        worker.stop(kill=True)
        code = worker.process.exitcode
        with self._lock:
            self._workers[self._workers.index(worker)] = self._new_worker()
            self.replaced += 1
            job = worker.job
            if job is None:
                log.warning(
                    "page worker %s exited (code %s) between jobs; replaced", worker.process.name, code
                )
                return
            if timed_out:
                log.error(
                    "%s: took longer than %.0f s; worker killed and replaced",
                    job.label,
                    self.limits.job_seconds,
                )
                job.future.set_exception(
                    OcrTimeoutError(
                        f"{job.label}: took longer than {self.limits.job_seconds:.0f} s "
                        "(SOHOA_OCR__JOB_SECONDS); the worker was stopped"
                    )
                )
                return
            job.kills += 1
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            if job.kills >= MAX_KILLS:
                log.error("%s: killed its worker %d times (%s); given up", job.label, job.kills, how)
                job.future.set_exception(
                    WorkerCrashedError(
                        f"{job.label}: the worker process died {job.kills} times while processing it "
                        f"(last: {how}; memory limit {self.limits.memory_mb or 'none'} MB)"
                    )
                )
                return
            log.warning("%s: its worker died (%s); trying once more in a new worker", job.label, how)
            heapq.heappush(self._queue, job)


_shared: dict[tuple[int, PoolLimits], PagePool] = {}
_shared_lock = threading.Lock()


def shared_pool(workers: int, limits: PoolLimits) -> PagePool:
    """The process's one pool of this size and limits, started on first use and stopped at exit."""
    with _shared_lock:
        key = (workers, limits)
        pool = _shared.get(key)
        if pool is None or pool.closed:
            pool = _shared[key] = PagePool(workers, limits)
            log.info("page pool: %d workers, %s", workers, limits)
        return pool


@atexit.register
def _close_shared() -> None:
    with _shared_lock:
        pools = list(_shared.values())
        _shared.clear()
    for pool in pools:
        try:
            pool.close()
        except Exception:  # noqa: BLE001 - shutting down anyway
            log.debug("page pool close failed", exc_info=True)
