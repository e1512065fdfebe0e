"""sohoa.memory: freed native memory goes back to the system (glibc), a no-op elsewhere."""

from __future__ import annotations

import platform
import threading

import pytest

from sohoa import memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_frees_on_a_thread_are_given_back() -> None:
    def churn() -> None:
        blocks = [bytearray(64 * 1024) for _ in range(800)]  # ~50 MiB on this thread's arena
        del blocks

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    assert memory.release_free_memory() is True


def test_without_malloc_trim_it_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert memory.release_free_memory() is False
