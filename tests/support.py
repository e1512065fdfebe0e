"""Helpers shared by the service tests (imported as ``tests.support``; the repo root is on pytest's path)."""

from __future__ import annotations

from typing import Any

from minio.deleteobjects import DeleteObject

from sohoa.model.document import ExtractedField, Metadata
from storage.objects import ObjectStore


def metadata_of(**values: Any) -> Metadata:
    """Extracted metadata with these field values (confidence 0.9); fields given as None are absent."""
    return Metadata(
        fields={k: ExtractedField(value=v, confidence=0.9) for k, v in values.items() if v is not None}
    )


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
    # Buckets have object lock: retained originals (dossier retention) need the governance bypass.
    errors = list(client.remove_objects(store.bucket, versions, bypass_governance_mode=True))
    assert not errors, errors
    client.remove_bucket(store.bucket)
