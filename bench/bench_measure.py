"""Timing and peak memory of a benchmark step (this process and its children), shared by the benches."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psutil


def measure(fn: Callable[[], object], *, every: float = 0.5) -> tuple[float, float]:
    """Seconds and peak tree RSS (MB) of fn(), the tree sampled every ``every`` seconds.

    Each sample walks every process of the machine (psutil finds children by their parent ids): at 20 a
    second that took a tenth of a core from the system being measured, so sample no more than needed.
    """
    me = psutil.Process()
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, total)
            done.wait(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t = time.perf_counter()
    try:
        fn()
    finally:
        seconds = time.perf_counter() - t
        done.set()
        thread.join()
    return seconds, peak / 2**20


#: the local services, found by their command lines (their CPU counts against the system that uses them)
SERVICES = {
    "Elasticsearch": "org.elasticsearch.bootstrap.Elasticsearch",
    "MinIO": "minio server",
    "Prefect server": "prefect server start",
}


def _cpu(p: psutil.Process) -> tuple[float, float]:
    """(own, waited-for children's) CPU seconds of one process; zeros when it is gone."""
    try:
        t = p.cpu_times()
    except psutil.Error:
        return 0.0, 0.0
    return t.user + t.system, t.children_user + t.children_system


def cpu_split() -> dict[str, float]:
    """CPU seconds so far by part: this process, its descendants and their finished children, each service.

    Take one before and one after a step and subtract (:func:`cpu_delta`). The page workers' Tesseract
    calls are their finished children, so "tesseract" is every descendant's children's time; a descendant
    that has exited itself (a replaced worker) is not counted.
    """
    me = psutil.Process()
    own, waited = _cpu(me)
    out = {"this process": own, "its finished children": waited, "descendants": 0.0, "tesseract": 0.0}
    for child in me.children(recursive=True):
        own, waited = _cpu(child)
        out["descendants"] += own
        out["tesseract"] += waited
    for name in SERVICES:
        out[name] = 0.0
    for p in psutil.process_iter(["cmdline"]):
        line = " ".join(p.info["cmdline"] or [])
        for name, needle in SERVICES.items():
            if needle in line:
                out[name] += _cpu(p)[0]
    return out


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """after - before, part by part."""
    return {k: after[k] - before.get(k, 0.0) for k in after}
