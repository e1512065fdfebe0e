"""A save is atomic under kill -9: the stored document is the old version or the new one, never a mix.

The commit point of a save is one PUT of ``document.json`` (see :mod:`pipeline.revise`). A child process
(``revise_child.py``) saves corrections against the real MinIO and Elasticsearch; it is killed with
SIGKILL while the body of that PUT is half sent. Then a real ``python -m cli web`` process is killed with
SIGKILL at a random moment of a stream of PATCH requests. After each kill every stored version of
document.json is read back and checked whole, and every save the server acknowledged is there.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sohoa.model.document import Document
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.pipeline.revise_child import values
from tests.review_support import add_flagged
from tests.support import remove_bucket
from tests.web.conftest import PASSWORD, SECRET
from web.users import Role, UserStore

pytestmark = [pytest.mark.services, pytest.mark.slow]

log = logging.getLogger(__name__)

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


def _web_env(services: Settings, store: ObjectStore, index: SearchIndex, home: Path) -> dict[str, str]:
    """The environment of a `sohoa web` on this run's bucket, index and users (credentials as the tests')."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SOHOA_HOME": str(home),
        "SOHOA_WEB__SECRET_KEY": SECRET,
        "SOHOA_MINIO__BUCKET": store.bucket,
        "SOHOA_ELASTICSEARCH__INDEX_PREFIX": index.prefix,
        "SOHOA_MINIO__ENDPOINT": services.minio.endpoint,
        "SOHOA_ELASTICSEARCH__URL": services.elasticsearch.url,
    }
    secrets = {
        "SOHOA_MINIO__ACCESS_KEY": services.minio.access_key,
        "SOHOA_MINIO__SECRET_KEY": services.minio.secret_key,
        "SOHOA_ELASTICSEARCH__PASSWORD": services.elasticsearch.password,
        "SOHOA_ELASTICSEARCH__API_KEY": services.elasticsearch.api_key,
    }
    env.update({k: v.get_secret_value() for k, v in secrets.items() if v is not None})
    if services.elasticsearch.username:
        env["SOHOA_ELASTICSEARCH__USERNAME"] = services.elasticsearch.username
    return env


def test_kill_9_of_the_web_process_during_saves_loses_no_acknowledged_save_and_mixes_none(
    services: Settings, stores: tuple[ObjectStore, SearchIndex], tmp_path: Path
) -> None:
    store, index = stores
    d = add_flagged(store, index, "atomic-web", number="1/QĐ-UBND", date="2025-01-01")
    UserStore(tmp_path / "web" / "sohoa-web.sqlite3").add("staff1", PASSWORD, role=Role.STAFF)
    env = _web_env(services, store, index, tmp_path)
    rng = random.Random(14)
    k = 2  # correction 1 would repeat the stored number
    for _ in range(2):
        port = _free_port()
        web = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "cli", "web", "--port", str(port)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        acked: list[int] = []
        tried: list[int] = []
        with httpx.Client(base_url=url, auth=("staff1", PASSWORD), timeout=10) as client:
            _wait_up(client, web)

            loader = threading.Thread(target=_saves, args=(client, d.id, k, tried, acked), daemon=True)
            loader.start()
            deadline = time.monotonic() + 60
            while not acked:
                assert time.monotonic() < deadline, "no save acknowledged"
                time.sleep(0.02)
            time.sleep(rng.uniform(0.1, 1.0))
            os.kill(web.pid, signal.SIGKILL)
            web.wait(timeout=10)
            loader.join(timeout=15)
        got = _consistent(_check_all_versions(store, d.id))
        log.warning("web killed after %d acknowledged saves; stored correction %d", len(acked), got)
        assert max(acked) <= got <= max(tried), (acked[-3:], tried[-3:], got)  # none lost, none invented
        k = got + 1
    rec = index.get(d.id)
    stored = Document.model_validate(store.get_json(d.id, "document.json"))
    assert rec is not None and (rec["version"] == stored.version or d.id in store.pending_index())


def _saves(client: httpx.Client, doc_id: str, first: int, tried: list[int], acked: list[int]) -> None:
    """PATCH corrections first, first+1, ... until the server is gone; note what was sent and acknowledged."""
    n = first
    while True:
        tried.append(n)
        try:
            r = client.patch(f"/api/documents/{doc_id}/metadata", json={"fields": values(n)})
        except httpx.HTTPError:
            return
        assert r.status_code == 200, r.text
        acked.append(n)
        n += 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(client: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"sohoa web exited {proc.returncode}"
        try:
            if client.get("/api/me").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("sohoa web did not start in 60 s")
