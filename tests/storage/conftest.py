"""Fixtures of the storage tests: a throwaway bucket and index prefix on the real local services.

Every name carries a fresh run id, so parallel or interrupted runs never share state; everything created
is deleted afterwards (all object versions, then the bucket; every index of the prefix).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from minio.deleteobjects import DeleteObject

from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore


def _remove_bucket(store: ObjectStore) -> None:
    client = store.client
    if not client.bucket_exists(store.bucket):
        return
    versions = [
        DeleteObject(o.object_name, o.version_id)
        for o in client.list_objects(store.bucket, recursive=True, include_version=True)
        if o.object_name
    ]
    errors = list(client.remove_objects(store.bucket, versions))
    assert not errors, errors
    client.remove_bucket(store.bucket)


@pytest.fixture
def store(services: Settings) -> Iterator[ObjectStore]:
    """An ObjectStore on a bucket of its own (deleted afterwards)."""
    s = ObjectStore.from_settings(services.minio, bucket=f"sohoa-test-{uuid.uuid4().hex[:12]}")
    yield s
    _remove_bucket(s)


@pytest.fixture(scope="module")
def module_store(services: Settings) -> Iterator[ObjectStore]:
    """An ObjectStore shared by one test module (deleted afterwards)."""
    s = ObjectStore.from_settings(services.minio, bucket=f"sohoa-test-{uuid.uuid4().hex[:12]}")
    yield s
    _remove_bucket(s)


@pytest.fixture
def search_index(services: Settings) -> Iterator[SearchIndex]:
    """A SearchIndex with a prefix of its own, no index created yet (all deleted afterwards)."""
    index = SearchIndex.from_settings(services.elasticsearch, prefix=f"sohoa-test-{uuid.uuid4().hex[:12]}")
    yield index
    index.drop()
    index.client.close()
