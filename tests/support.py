"""Helpers shared by the service tests (imported as ``tests.support``; the repo root is on pytest's path)."""

from __future__ import annotations

from minio.deleteobjects import DeleteObject

from storage.objects import ObjectStore


def remove_bucket(store: ObjectStore) -> None:
    """Delete every version of every object, then the bucket (test buckets only)."""
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
