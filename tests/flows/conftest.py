"""Fixtures of the flow tests: a sample batch on disk and an archive (bucket, inbox, index) of their own.

The flows read settings from the environment, so each module gets unique bucket and index names through
``SOHOA_*`` variables and a cleared settings cache; everything is deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.samples import write_sample_batch
from sohoa.settings import Settings, get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.support import remove_bucket


@pytest.fixture(scope="module")
def archive(services: Settings) -> Iterator[Settings]:
    """Settings pointing at a fresh archive bucket, inbox bucket and index prefix for this module."""
    run = uuid.uuid4().hex[:10]
    env = {
        "SOHOA_MINIO__BUCKET": f"test-archive-{run}",
        "SOHOA_MINIO__INBOX_BUCKET": f"test-inbox-{run}",
        "SOHOA_ELASTICSEARCH__INDEX_PREFIX": f"test-{run}",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    settings = get_settings()
    yield settings
    for bucket in (settings.minio.bucket, settings.minio.inbox_bucket):
        remove_bucket(ObjectStore.from_settings(settings.minio, bucket=bucket))
    SearchIndex.from_settings(settings.elasticsearch).drop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sample batch: 3 documents (4 pages), a duplicate, 4 bad files, a manifest."""
    root = tmp_path_factory.mktemp("batch")
    write_sample_batch(root)
    return root
