"""``sohoa reindex`` and ``sohoa search`` end to end (real services), with a bucket and index of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sohoa.settings import Settings, get_settings
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore

pytestmark = pytest.mark.services


SOHOA = Path(sys.executable).with_name("sohoa")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``sohoa`` as a user would; the environment names the bucket and index."""
    return subprocess.run(
        [str(SOHOA), *args], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )


@pytest.fixture
def cli_env(
    services: Settings, monkeypatch: pytest.MonkeyPatch, remove_bucket: Any
) -> Iterator[tuple[ObjectStore, SearchIndex]]:
    run = uuid.uuid4().hex[:12]
    monkeypatch.setenv("SOHOA_MINIO__BUCKET", f"sohoa-test-{run}")
    monkeypatch.setenv("SOHOA_ELASTICSEARCH__INDEX_PREFIX", f"sohoa-test-{run}")
    get_settings.cache_clear()
    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    yield store, index
    index.drop()
    remove_bucket(store)
    get_settings.cache_clear()


def test_reindex_then_search_json(cli_env: tuple[ObjectStore, SearchIndex], corpus: dict[str, Any]) -> None:
    store, index = cli_env
    for it in list(corpus.values())[:8]:
        store.put_json(it.document.id, ARTIFACT_DOCUMENT, it.document)
        store.put_json(it.document.id, ARTIFACT_OCR, it.ocr)
    done = _run("reindex", "--workers", "2")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["indexed"] == 8 and report["failed"] == 0

    found = _run("search", "1340 qd ubnd", "--json", "--limit", "3")
    assert found.returncode == 0, found.stderr
    out = json.loads(found.stdout)
    assert set(out) == {"total", "took_ms", "hits", "facets"}
    top = out["hits"][0]
    assert set(top) == {"id", "score", "fields", "source_file", "pages", "highlights"}
    assert top["id"] == corpus["qd1340"].document.id
    assert top["fields"] == {
        "so_ky_hieu": "1340/QĐ-UBND",
        "ngay_ban_hanh": "2023-03-03",
        "loai_van_ban": "Quyết định",
        "co_quan_ban_hanh": "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "trich_yeu": "Cấp hộ chiếu công vụ cho cán bộ đi công tác nước ngoài",
    }
    assert top["source_file"] == "qd1340.pdf" and top["pages"] == [1]

    filtered = _run("search", "thu tuc", "--type", "Công văn", "--from", "2021-01-01", "--json")
    assert [h["id"] for h in json.loads(filtered.stdout)["hits"]] == [corpus["cv215"].document.id]

    text = _run("search", "giám đốc thi hành")
    assert text.returncode == 0 and "1340/QĐ-UBND" in text.stdout and "p.2:" in text.stdout

    index.drop()
    missing = _run("search", "x", "--json")
    assert missing.returncode == 5 and "sohoa reindex" in missing.stderr
