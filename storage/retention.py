"""Object retention (S3 Object Lock, governance mode) on originals, and purging them after a disposal.

The archive bucket is created with object lock enabled (``ObjectStore.ensure_bucket``); a bucket created
before that cannot get it afterwards (MinIO: "Object Lock configuration cannot be enabled on existing
buckets"), and then :func:`retain` reports ``False`` and logs why instead of failing an assignment.

Governance mode: nobody deletes a retained version by accident; a caller with the bypass permission can,
which is what an approved disposal does (:func:`purge`). The period comes from the dossier's
``maintenance`` code (``pipeline.dossiers``); permanent dossiers get :data:`FOREVER`.

This module is the object store's lock adapter: minio is imported here and in ``storage.objects`` only,
and its exceptions pass through ``storage.objects._translate`` (the one boundary).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from minio.commonconfig import GOVERNANCE
from minio.retention import Retention

from sohoa.digest import sha256_bytes
from sohoa.errors import ObjectNotFoundError, StorageError
from storage.objects import ObjectStore, _translate, original_key

__all__ = ["FOREVER", "bucket_has_lock", "purge", "purge_document", "retain", "retained_until"]

log = logging.getLogger(__name__)

#: retain-until date of permanent (vĩnh viễn) records: far beyond any maintenance period
FOREVER = date(9999, 1, 1)


#: whether a bucket has object lock, by name: it is fixed when the bucket is created
_HAS_LOCK: dict[str, bool] = {}


def bucket_has_lock(store: ObjectStore) -> bool:
    """Whether the bucket was created with object lock (so retention can be set on its objects)."""
    key = store.bucket
    if key in _HAS_LOCK:
        return _HAS_LOCK[key]
    store.ensure_bucket()
    try:
        with _translate("read object lock", store.bucket):
            config = store.client.get_object_lock_config(store.bucket)
        locked = config is not None
    except StorageError as e:  # no lock configuration on this bucket
        log.warning(
            "bucket %s has no object lock (%s): originals cannot be put under retention", store.bucket, e
        )
        locked = False
    _HAS_LOCK[key] = locked
    return locked


def retained_until(store: ObjectStore, key: str) -> date | None:
    """The retain-until date of the latest version of ``key`` (None when it has no retention)."""
    store.ensure_bucket()
    try:
        with _translate("read retention", key):
            retention = store.client.get_object_retention(store.bucket, key)
    except ObjectNotFoundError:
        return None
    except StorageError as e:
        # MinIO answers "NoSuchObjectLockConfiguration" for a version that has no retention
        if "ObjectLockConfiguration" in e.message:
            return None
        raise
    if retention is None or retention.retain_until_date is None:
        return None
    return retention.retain_until_date.date()


def retain(store: ObjectStore, sha256: str, until: date | None) -> bool:
    """Put the original under governance-mode retention until ``until`` (None = :data:`FOREVER`).

    A retention is only ever extended here: a shorter period than the one set (a document moved from a
    70-year dossier into a 10-year one) leaves the longer one in place, because governance mode would
    need the bypass to shorten it and only a disposal may use that.

    Returns:
        True when the original is retained until at least ``until``; False when the bucket has no
        object lock (logged).
    """
    key = original_key(sha256)
    if not bucket_has_lock(store):
        log.debug("%s: not retained, bucket %s has no object lock", sha256[:12], store.bucket)
        return False
    target = until or FOREVER
    current = retained_until(store, key)
    if current is not None and current >= target:
        return True
    when = datetime(target.year, target.month, target.day, tzinfo=UTC)
    with _translate("set retention", key):
        store.client.set_object_retention(store.bucket, key, Retention(GOVERNANCE, when))
    log.info("%s: original retained until %s (governance mode)", sha256[:12], target.isoformat())
    return True


def purge(store: ObjectStore, prefix: str) -> int:
    """Delete every version (and delete marker) under ``prefix``, bypassing governance retention.

    Only an approved disposal calls this. Returns the number of versions deleted.
    """
    return store.delete_versions(prefix, bypass_governance=True)


#: where the web app copies uploads before ingesting them (``web.backend.UPLOAD_PREFIX``)
UPLOADS_PREFIX = "uploads/"


def upload_copies(store: ObjectStore, sha256: str) -> list[str]:
    """Keys of the uploaded copies of an original (``uploads/<batch>/<name>`` with the same SHA-256)."""
    try:
        stored = store.stat_original(sha256)
    except ObjectNotFoundError:
        return []
    if not stored.batch:
        return []
    key = f"{UPLOADS_PREFIX}{stored.batch}/{stored.file_name}"
    try:
        copy = store.get_bytes(key)
    except (ObjectNotFoundError, ValueError):
        return []
    return [key] if sha256_bytes(copy) == sha256 else []


def purge_document(store: ObjectStore, sha256: str) -> int:
    """Delete a document's original, its uploaded copy and every derived artifact, all versions.

    Only an approved disposal calls this.
    """
    copies = upload_copies(store, sha256)
    deleted = sum(purge(store, key) for key in copies)
    return deleted + purge(store, original_key(sha256)) + purge(store, f"derived/{sha256}/")
