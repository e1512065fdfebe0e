"""Saving a new version of a document's metadata: one object write in MinIO, then the index.

The commit point is the single PUT of ``derived/<sha>/document.json`` (the document with its metadata,
corrections and history inside). S3/MinIO make an object version visible only once its whole body has
arrived and been checked, and a versioned bucket keeps the one before, so a reader (or a reindex) sees the
old version or the new one, never a mix, even if this process is killed mid-save. Nothing else is written
for a save: ``metadata.json`` stays the extraction made at ingestion.

Order of a save: mark the document pending for the index, PUT document.json (commit), index it with a
refresh (searchable at once), clear the mark. A kill between commit and index leaves the mark, which the
nightly flow and ``sohoa reindex`` act on; a failed index call is logged and leaves the mark too.

Saves of one document are serialized within a process and check the version the caller read
(:class:`~sohoa.errors.ConflictError` if someone saved in between). Two web processes saving the same
document in the same instant are not serialized: minio-py cannot send a conditional PUT.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.chain import load_document
from pipeline.correction import apply_changes, merge_extraction, now
from sohoa.errors import ConflictError, ObjectNotFoundError, SohoaError
from sohoa.model.document import Document, Metadata
from sohoa.model.ocr import OcrDocument
from sohoa.model.review import RevisionAction
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore
from storage.records import build_record

__all__ = ["Saved", "commit_document", "correct_document", "reextract_document"]

log = logging.getLogger(__name__)

# Striped locks: bounded memory however many documents a long-running process saves.
_LOCKS = tuple(threading.Lock() for _ in range(64))


def _lock(sha: str) -> threading.Lock:
    return _LOCKS[int(sha[:8], 16) % len(_LOCKS)]


@dataclass(frozen=True)
class Saved:
    """The outcome of a save."""

    document: Document
    changed: bool
    indexed: bool


def _load(store: ObjectStore, sha: str) -> Document:
    document = load_document(store, sha)
    if document is None:
        raise ObjectNotFoundError(f"document {sha} is not stored")
    return document


def _ocr(store: ObjectStore, sha: str) -> OcrDocument | None:
    try:
        return OcrDocument.model_validate_json(store.get_artifact(sha, ARTIFACT_OCR))
    except ObjectNotFoundError:
        return None


def commit_document(store: ObjectStore, index: SearchIndex | None, document: Document) -> Saved:
    """Write a new version of ``document.json`` (the commit point), then index it with a refresh.

    Raises:
        StorageError: the write failed (the stored version is unchanged).
    """
    sha = document.id
    if index is not None:
        store.mark_pending_index([sha])
    store.put_json(sha, ARTIFACT_DOCUMENT, document)
    log.info("%s: saved metadata version %d", sha[:12], document.version)
    if index is None:
        return Saved(document, True, False)
    try:
        index.index_records([build_record(document, _ocr(store, sha))], refresh=True)
        store.clear_pending_index([sha])
    except SohoaError as e:
        log.error("%s: version %d saved but not indexed (left pending): %s", sha[:12], document.version, e)
        return Saved(document, True, False)
    return Saved(document, True, True)


def _save(
    store: ObjectStore,
    index: SearchIndex | None,
    sha: str,
    change: Callable[[Document], Document],
    expected_version: int | None,
) -> Saved:
    with _lock(sha):
        current = _load(store, sha)
        if expected_version is not None and current.version != expected_version:
            raise ConflictError(
                f"document {sha[:12]} is at version {current.version}, not {expected_version}: someone saved "
                "it meanwhile; reload and correct again"
            )
        new = change(current)
        if new is current:
            return Saved(current, False, False)
        return commit_document(store, index, new)


def correct_document(
    store: ObjectStore,
    index: SearchIndex | None,
    sha: str,
    values: Mapping[str, Any],
    *,
    by: str,
    approve: bool = False,
    expected_version: int | None = None,
    action: RevisionAction = RevisionAction.CORRECT,
) -> Saved:
    """Apply a person's corrections (and approval) to a stored document and save the new version.

    Raises:
        ObjectNotFoundError: no such document.
        FieldValueError: a value is not valid (nothing saved).
        ConflictError: the document is no longer at ``expected_version``.
    """
    at = now()
    return _save(
        store,
        index,
        sha,
        lambda d: apply_changes(d, values, by=by, at=at, approve=approve, action=action),
        expected_version,
    )


def reextract_document(
    store: ObjectStore,
    index: SearchIndex | None,
    sha: str,
    *,
    extract: Callable[[OcrDocument], Metadata],
    engine: str,
) -> Saved:
    """Run metadata extraction again on the stored ``ocr.json`` and merge it (corrections always win).

    Raises:
        ObjectNotFoundError: the document or its ocr.json is not stored.
    """
    ocr = _ocr(store, sha)
    if ocr is None:
        raise ObjectNotFoundError(f"document {sha} has no ocr.json to re-extract from")
    fresh = extract(ocr)
    at = now()
    return _save(store, index, sha, lambda d: merge_extraction(d, fresh, at=at, engine=engine), None)


def documents_of(store: ObjectStore, batch: str | None) -> Iterable[str]:
    """Stored documents, all or those of one batch (read from each document.json, the source of truth)."""
    for sha in store.iter_documents():
        if batch is None:
            yield sha
            continue
        document = load_document(store, sha)
        if document is not None and document.batch == batch:
            yield sha


__all__ += ["documents_of"]
