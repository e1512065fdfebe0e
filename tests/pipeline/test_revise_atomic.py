"""A save is atomic under kill -9: the stored document is the old version or the new one, never a mix.

The commit point of a save is one PUT of ``document.json`` (see :mod:`pipeline.revise`). A child process
(``revise_child.py``) saves corrections against the real MinIO and Elasticsearch; it is killed with
SIGKILL (1) while the body of that PUT is half sent, and (2) at random moments of a tight save loop.
After each kill every stored version of document.json is read back and checked whole.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.model.document import Document
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.pipeline.revise_child import values
from tests.review_support import add_flagged
from tests.support import remove_bucket

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("revise_child.py")


@pytest.fixture
def stores(services: Settings, run_id: str) -> Iterator[tuple[ObjectStore, SearchIndex]]:
    store = ObjectStore.from_settings(services.minio, bucket=f"sohoa-atomic-{run_id}")
    index = SearchIndex.from_settings(services.elasticsearch, prefix=f"sohoa-atomic-{run_id}")
    index.ensure()
    yield store, index
    index.drop()
    index.client.close()
    remove_bucket(store)


def _child(store: ObjectStore, index: SearchIndex, sha: str, mode: str, k: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # noqa: S603
        [sys.executable, str(CHILD), store.bucket, index.prefix, sha, mode, str(k)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for(proc: subprocess.Popen[str], word: str, timeout: float = 60) -> list[str]:
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline().strip()
        if not line and proc.poll() is not None:
            raise AssertionError(
                f"child exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
            )
        seen.append(line)
        if line.startswith(word):
            return seen
    raise AssertionError(f"no {word!r} from the child in {timeout}s")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _consistent(doc: Document) -> int:
    """The k of the correction this stored document holds; fails if its fields come from different saves."""
    if doc.version == 1:
        assert not doc.metadata.corrections and not doc.history
        return 0
    k = int(doc.metadata.value("so_ky_hieu").split("/")[0])
    assert {n: doc.metadata.value(n) for n in values(k)} == values(k), doc.metadata.corrections
    assert len(doc.history) == doc.version - 1
    assert doc.history[-1].changes["so_ky_hieu"].after == f"{k}/QĐ-UBND"
    return k


def _check_all_versions(store: ObjectStore, sha: str) -> Document:
    key = f"derived/{sha}/document.json"
    versions = store.list_versions(key)
    docs = [Document.model_validate_json(store.get_bytes(key, version_id=v.version_id)) for v in versions]
    for d in docs:
        _consistent(d)
    # newest first, one version per save, no gaps
    assert [d.version for d in docs] == list(range(len(docs), 0, -1))
    return Document.model_validate(store.get_json(sha, "document.json"))


def test_kill_9_in_the_middle_of_the_commit_write_keeps_the_old_version(
    stores: tuple[ObjectStore, SearchIndex],
) -> None:
    store, index = stores
    d = add_flagged(store, index, "atomic", number="1/QĐ-UBND", date="2025-01-01")
    for k in (1, 2):
        proc = _child(store, index, d.id, "slow", k)
        _wait_for(proc, "mid-put")
        _kill(proc)
        current = _check_all_versions(store, d.id)
        assert current.version == 1 and current.metadata.value("so_ky_hieu") == "1/QĐ-UBND"
    # the save works once nothing kills it
    proc = _child(store, index, d.id, "loop", 5)
    _wait_for(proc, "saved 5")
    _kill(proc)
    assert _consistent(_check_all_versions(store, d.id)) >= 5


def test_kill_9_at_random_moments_of_a_save_loop_never_leaves_a_mix(
    stores: tuple[ObjectStore, SearchIndex],
) -> None:
    store, index = stores
    d = add_flagged(store, index, "atomic-loop", number="1/QĐ-UBND", date="2025-01-01")
    rng = random.Random(14)
    k = 2  # correction 1 would repeat the stored number
    last = 0
    for _ in range(4):
        proc = _child(store, index, d.id, "loop", k)
        _wait_for(proc, f"saved {k}")
        time.sleep(rng.uniform(0.0, 0.4))
        _kill(proc)
        current = _check_all_versions(store, d.id)
        got = _consistent(current)
        assert got >= max(last, k)  # every save the child reported finished is there
        last = got
        k = got + 1
    # the index was updated for every version it reports (a kill before indexing leaves a pending mark)
    rec = index.get(d.id)
    assert rec is not None
    stored = Document.model_validate(store.get_json(d.id, "document.json"))
    assert rec["version"] == stored.version or d.id in store.pending_index()
