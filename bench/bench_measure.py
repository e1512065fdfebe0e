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
