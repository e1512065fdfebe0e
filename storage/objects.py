"""The object store (MinIO / S3): originals as the source of truth, their derived artifacts, batch reports.

Layout of the one archive bucket (versioning on, so nothing is overwritten or deleted silently)::

    originals/ab/cd/<sha256>                 the original bytes, content-addressed
    derived/<sha256>/document.json           sohoa.model.document.Document: what makes a document indexable
    derived/<sha256>/ocr.json                sohoa.model.ocr.OcrDocument: pages, words, boxes, confidences
    derived/<sha256>/metadata.json           sohoa.model.document.Metadata (also embedded in document.json)
    derived/<sha256>/searchable.pdf          the PDF with a text layer
    derived/<sha256>/thumbnails/page-N.jpg   page images for the UI
    batches/<batch-id>/report.json           one ingestion batch's report

Every minio/urllib3 exception is translated to ``StorageError`` / ``ObjectNotFoundError`` in
:func:`_translate`, the one boundary; nothing else in sohoa should import minio.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar
from urllib.parse import quote, unquote

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.versioningconfig import VersioningConfig
from pydantic import BaseModel

from sohoa.digest import CHUNK, Digest, sha256_bytes, sha256_chunks, sha256_file
from sohoa.errors import IntegrityError, ObjectNotFoundError, StorageError
from sohoa.model.filetypes import content_type as content_type_of
from sohoa.settings import MinioSettings

__all__ = [
    "ARTIFACT_DOCUMENT",
    "ARTIFACT_METADATA",
    "ARTIFACT_OCR",
    "ARTIFACT_PDF",
    "ObjectStore",
    "ObjectVersion",
    "PutResult",
    "StoredObject",
    "StoredOriginal",
    "original_key",
    "shared_store",
    "staging_prefix",
    "thumbnail_name",
]

log = logging.getLogger(__name__)

ARTIFACT_DOCUMENT = "document.json"
ARTIFACT_OCR = "ocr.json"
ARTIFACT_METADATA = "metadata.json"
ARTIFACT_PDF = "searchable.pdf"

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ARTIFACT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)?$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_META = "x-amz-meta-"
_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "NoSuchObject", "ResourceNotFound"}
#: where an upload waits for its batch (``uploads/<batch>/``); removed when the batch finishes
STAGING = "uploads"

_P = ParamSpec("_P")
_T = TypeVar("_T")


def staging_prefix(batch_id: str) -> str:
    """The key prefix an upload is staged under until its batch has run: ``uploads/<batch>/``."""
    if not _BATCH_ID.match(batch_id):
        raise ValueError(f"bad batch id {batch_id!r}")
    return f"{STAGING}/{batch_id}/"


def thumbnail_name(page: int) -> str:
    """The artifact name of a page thumbnail (1-based page number)."""
    if page < 1:
        raise ValueError(f"page numbers start at 1, got {page}")
    return f"thumbnails/page-{page}.jpg"


def original_key(sha256: str) -> str:
    """The object key of an original: ``originals/ab/cd/<sha256>`` (fan-out keeps listings small)."""
    _check_sha(sha256)
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _check_sha(sha256: str) -> None:
    if not _SHA256.match(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")


def _artifact_key(sha256: str, name: str) -> str:
    _check_sha(sha256)
    # A fixed grammar for names: no "..", no absolute paths, no surprises in listings.
    if not _ARTIFACT_NAME.match(name) or ".." in name:
        raise ValueError(f"bad artifact name {name!r}")
    return f"derived/{sha256}/{name}"


def _report_key(batch_id: str) -> str:
    if not _BATCH_ID.match(batch_id):
        raise ValueError(f"bad batch id {batch_id!r}")
    return f"batches/{batch_id}/report.json"


def _enc(value: str) -> str:
    # S3 user metadata travels as HTTP headers (ASCII only): percent-encode so Vietnamese names survive.
    return quote(value, safe=" ()[]_.,-+@")


def _user_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower()[len(_META) :]: unquote(v) for k, v in headers.items() if k.lower().startswith(_META)}


@dataclass(frozen=True)
class StoredObject:
    """What a stat of an object tells."""

    key: str
    size: int
    content_type: str
    etag: str
    last_modified: datetime | None
    version_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredOriginal(StoredObject):
    """A stored original with its decoded upload metadata."""

    sha256: str = ""
    file_name: str = ""
    batch: str | None = None
    uploader: str | None = None


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a key in the versioned bucket."""

    key: str
    version_id: str | None
    size: int
    last_modified: datetime | None
    is_latest: bool
    is_delete_marker: bool


class PutResult(NamedTuple):
    """The outcome of storing an original."""

    sha256: str
    created: bool
    size: int


@contextmanager
def _translate(action: str, key: str = "") -> Iterator[None]:
    """The one boundary where minio/urllib3 exceptions become sohoa errors."""
    where = f"{action} {key}".strip()
    try:
        yield
    except S3Error as e:
        if e.code == "NoSuchBucket":
            raise _BucketGone(f"object storage: {where}: the bucket does not exist") from e
        if e.code in _NOT_FOUND_CODES:
            raise ObjectNotFoundError(f"object storage: {where}: not found ({e.code})") from e
        raise StorageError(f"object storage: {where} failed: {e.code}: {e.message}") from e
    except (ServerError, InvalidResponseError) as e:
        raise StorageError(f"object storage: {where} failed: {e}") from e
    except urllib3.exceptions.HTTPError as e:
        raise StorageError(
            f"object storage: {where}: cannot reach the server ({type(e).__name__}); is MinIO running? "
            "(`sohoa services status`)"
        ) from e


class _BucketGone(ObjectNotFoundError):
    """The bucket itself is missing (deleted under a long-lived store)."""


def _recreating_bucket(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """A write that finds its bucket deleted (tests do that) creates it again and retries once."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return method(*args, **kwargs)
        except _BucketGone:
            store = args[0]
            assert isinstance(store, ObjectStore)
            log.warning("bucket %s disappeared; creating it again", store.bucket)
            store._ready = False
            return method(*args, **kwargs)

    return wrapper


class ObjectStore:
    """Originals, derived artifacts and batch reports in one versioned bucket.

    Thread-safe (the minio client is); create one per process and share it.
    """

    def __init__(self, client: Minio, *, bucket: str, presign_seconds: int = 900) -> None:
        """Wrap a minio client.

        Args:
            client: A configured ``minio.Minio``.
            bucket: The archive bucket; created with versioning on first use.
            presign_seconds: Default lifetime of presigned links.
        """
        self.client = client
        self.bucket = bucket
        self.presign_seconds = presign_seconds
        self._ready = False

    @classmethod
    def from_settings(cls, settings: MinioSettings, *, bucket: str | None = None) -> ObjectStore:
        """A store built from sohoa's MinIO settings (short connect timeout, few retries).

        Args:
            settings: ``get_settings().minio``.
            bucket: Override the bucket name (tests, benchmarks).
        """
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5.0, read=120.0),
            maxsize=32,
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
        )
        client = Minio(
            settings.endpoint,
            access_key=settings.access_key.get_secret_value() if settings.access_key else None,
            secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
            secure=settings.secure,
            region=settings.region,
            http_client=http,
        )
        return cls(client, bucket=bucket or settings.bucket, presign_seconds=settings.presign_seconds)

    # -- bucket ----------------------------------------------------------------------------------

    def ensure_bucket(self) -> None:
        """Create the bucket if needed and make sure versioning is enabled (once per instance)."""
        if self._ready:
            return
        with _translate("create bucket", self.bucket):
            if not self.client.bucket_exists(self.bucket):
                try:
                    # Object lock can only be enabled at creation; dossier retention needs it (#16).
                    self.client.make_bucket(self.bucket, object_lock=True)
                    log.info("created bucket %s (versioning and object lock)", self.bucket)
                except S3Error as e:
                    # Another worker won the race: fine.
                    if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            if self.client.get_bucket_versioning(self.bucket).status != ENABLED:
                self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
                log.info("enabled versioning on bucket %s: originals must never be overwritten", self.bucket)
        self._ready = True

    # -- originals -------------------------------------------------------------------------------

    @_recreating_bucket
    def put_original(
        self,
        path: Path,
        *,
        file_name: str | None = None,
        media_type: str = "application/octet-stream",
        batch: str | None = None,
        uploader: str | None = None,
        digest: Digest | None = None,
    ) -> PutResult:
        """Store an original under its SHA-256, unless the same bytes are already stored.

        Args:
            path: The local file.
            file_name: The name the user knows it by (default: the path's name); any Unicode.
            media_type: The sniffed content type.
            batch: The ingestion batch it came with.
            uploader: Who uploaded it.
            digest: The file's SHA-256 and size when the caller hashed it already (each file is hashed
                once per batch).

        Returns:
            ``(sha256, created, size)``; ``created`` is False when the bytes were already stored (the
            first upload's metadata is kept).
        """
        self.ensure_bucket()
        sha, size = digest or sha256_file(path)
        key = original_key(sha)
        if self._exists(key):
            log.info("%s: original already stored, not uploading %s again", sha[:12], file_name or path.name)
            return PutResult(sha, False, size)
        metadata: dict[str, str | list[str] | tuple[str]] = {
            "sha256": sha,
            "original-name": _enc(file_name or path.name),
            "size": str(size),
            "uploaded-at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if batch:
            metadata["batch"] = _enc(batch)
        if uploader:
            metadata["uploader"] = _enc(uploader)
        with _translate("upload", key):
            self.client.fput_object(self.bucket, key, str(path), content_type=media_type, metadata=metadata)
        log.info("%s: stored original %s (%d bytes, %s)", sha[:12], file_name or path.name, size, media_type)
        return PutResult(sha, True, size)

    def has_original(self, sha256: str) -> bool:
        """Whether an original with this SHA-256 is stored."""
        self.ensure_bucket()
        return self._exists(original_key(sha256))

    def stat_original(self, sha256: str) -> StoredOriginal:
        """The stored original's size, type and upload metadata (raises ObjectNotFoundError)."""
        obj = self.stat(original_key(sha256))
        return StoredOriginal(
            **obj.__dict__,
            sha256=sha256,
            file_name=obj.metadata.get("original-name", sha256),
            batch=obj.metadata.get("batch"),
            uploader=obj.metadata.get("uploader"),
        )

    def download_original(self, sha256: str, dest: Path) -> Path:
        """Copy an original to a local file and check its SHA-256 on the way.

        Raises:
            ObjectNotFoundError: not stored.
            IntegrityError: the bytes read do not hash to ``sha256``.
        """
        key = original_key(sha256)
        tmp = dest.with_name(dest.name + ".part")

        def written(chunks: Iterator[bytes]) -> Iterator[bytes]:
            for chunk in chunks:
                out.write(chunk)
                yield chunk

        with self._stream(key) as response, tmp.open("wb") as out:
            actual = sha256_chunks(written(response.stream(CHUNK))).sha256
        if actual != sha256:
            tmp.unlink(missing_ok=True)
            raise IntegrityError(f"original {sha256} read back as {actual}: the stored copy is damaged")
        tmp.replace(dest)
        return dest

    def iter_originals(self) -> Iterator[str]:
        """The SHA-256 of every stored original."""
        for key in self._list("originals/", recursive=True):
            yield key.rsplit("/", 1)[-1]

    def verify(self, sha256: str) -> StoredOriginal:
        """Fixity check: re-read the original and compare its hash with its address and its metadata.

        Returns:
            The original's stat when it is intact.

        Raises:
            ObjectNotFoundError: not stored.
            IntegrityError: the bytes (or the recorded checksum) do not match.
        """
        stored = self.stat_original(sha256)
        with self._stream(stored.key) as response:
            actual, size = sha256_chunks(response.stream(CHUNK))
        recorded = stored.metadata.get("sha256", sha256)
        if actual != sha256 or recorded != sha256:
            log.error(
                "%s: fixity check FAILED: read back %s (%d bytes), metadata says %s",
                sha256[:12],
                actual,
                size,
                recorded,
            )
            raise IntegrityError(
                f"original {sha256} ({stored.file_name}) fails its fixity check: the stored bytes hash to "
                f"{actual}; restore it from an earlier version or a backup"
            )
        log.info("%s: fixity ok (%d bytes)", sha256[:12], size)
        return stored

    # -- derived artifacts -----------------------------------------------------------------------

    @_recreating_bucket
    def put_artifact(
        self, sha256: str, name: str, data: bytes | Path, *, content_type: str | None = None
    ) -> StoredObject:
        """Store a derived artifact beside an original (a new version if it exists).

        Args:
            sha256: The original's SHA-256.
            name: ``ocr.json``, ``document.json``, ``metadata.json``, ``searchable.pdf`` or
                ``thumbnails/page-N.jpg`` (see :func:`thumbnail_name`); other simple names are allowed.
            data: The bytes, or a local file.
            content_type: Default: guessed from the name's extension.

        Returns:
            The stored object's stat (with its version id).
        """
        self.ensure_bucket()
        key = _artifact_key(sha256, name)
        ctype = content_type or content_type_of(name)
        raw = data.read_bytes() if isinstance(data, Path) else data
        with _translate("upload", key):
            result = self.client.put_object(
                self.bucket,
                key,
                io.BytesIO(raw),
                len(raw),
                content_type=ctype,
                metadata={"sha256": sha256_bytes(raw)},
            )
        log.debug("%s: stored %s (%d bytes)", sha256[:12], name, len(raw))
        return StoredObject(key, len(raw), ctype, result.etag or "", None, result.version_id)

    def put_json(
        self, sha256: str, name: str, obj: BaseModel | Mapping[str, Any] | list[Any]
    ) -> StoredObject:
        """Store a JSON artifact (a pydantic model or plain JSON data) as UTF-8.

        This is how flows write what reindexing reads: ``put_json(sha, ARTIFACT_DOCUMENT, document)``
        and ``put_json(sha, ARTIFACT_OCR, ocr_document)``.
        """
        if isinstance(obj, BaseModel):
            text = obj.model_dump_json()
        else:
            text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
        return self.put_artifact(sha256, name, text.encode("utf-8"), content_type="application/json")

    def get_artifact(self, sha256: str, name: str) -> bytes:
        """The bytes of a derived artifact (raises ObjectNotFoundError)."""
        return self.get_bytes(_artifact_key(sha256, name))

    def get_json(self, sha256: str, name: str) -> Any:
        """A JSON artifact, parsed (raises ObjectNotFoundError)."""
        return json.loads(self.get_artifact(sha256, name))

    def list_artifacts(self, sha256: str) -> list[str]:
        """Names of the artifacts stored for an original."""
        prefix = _artifact_key(sha256, "x")[:-1]
        return [key[len(prefix) :] for key in self._list(prefix, recursive=True)]

    def iter_documents(self) -> Iterator[str]:
        """SHA-256 of every original that has derived artifacts (candidates for indexing)."""
        for key in self._list("derived/", recursive=False):
            sha = key[len("derived/") :].rstrip("/")
            if _SHA256.match(sha):
                yield sha

    # -- batch reports ---------------------------------------------------------------------------

    @_recreating_bucket
    def put_report(self, batch_id: str, report: BaseModel | Mapping[str, Any]) -> StoredObject:
        """Store a batch report under ``batches/<batch-id>/report.json``."""
        self.ensure_bucket()
        key = _report_key(batch_id)
        text = (
            report.model_dump_json()
            if isinstance(report, BaseModel)
            else json.dumps(report, ensure_ascii=False)
        )
        raw = text.encode("utf-8")
        with _translate("upload", key):
            result = self.client.put_object(
                self.bucket, key, io.BytesIO(raw), len(raw), content_type="application/json"
            )
        return StoredObject(key, len(raw), "application/json", result.etag or "", None, result.version_id)

    def get_report(self, batch_id: str) -> Any:
        """A batch report, parsed (raises ObjectNotFoundError)."""
        return json.loads(self.get_bytes(_report_key(batch_id)))

    # -- links -----------------------------------------------------------------------------------

    def presigned_url(
        self, sha256: str, artifact: str | None = None, *, expires: timedelta | None = None
    ) -> str:
        """An expiring GET link to an original (``artifact=None``) or one of its artifacts.

        The link makes browsers show the original's own file name.

        Args:
            sha256: The original's SHA-256.
            artifact: e.g. ``searchable.pdf``; None for the original.
            expires: Lifetime (default: the configured ``presign_seconds``).
        """
        self.ensure_bucket()
        if artifact is None:
            stored = self.stat_original(sha256)
            key, name, ctype = stored.key, stored.file_name, stored.content_type
        else:
            key = _artifact_key(sha256, artifact)
            name, ctype = (
                Path(artifact).name,
                content_type_of(artifact),
            )
        headers: dict[str, str | list[str] | tuple[str]] = {
            "response-content-disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
            "response-content-type": ctype,
        }
        with _translate("presign", key):
            return self.client.presigned_get_object(
                self.bucket,
                key,
                expires=expires or timedelta(seconds=self.presign_seconds),
                response_headers=headers,
            )

    # -- generic ---------------------------------------------------------------------------------

    def stat(self, key: str) -> StoredObject:
        """Stat any key of the bucket (raises ObjectNotFoundError)."""
        self.ensure_bucket()
        with _translate("stat", key):
            st = self.client.stat_object(self.bucket, key)
        return StoredObject(
            key=key,
            size=st.size or 0,
            content_type=st.content_type or "application/octet-stream",
            etag=st.etag or "",
            last_modified=st.last_modified,
            version_id=st.version_id,
            metadata=_user_metadata(st.metadata or {}),
        )

    def get_bytes(self, key: str, *, version_id: str | None = None) -> bytes:
        """The bytes of a key (optionally an older version); raises ObjectNotFoundError."""
        with self._stream(key, version_id=version_id) as response:
            return response.read()

    def list_versions(self, key: str) -> list[ObjectVersion]:
        """Every version of a key, newest first (the bucket is versioned)."""
        self.ensure_bucket()
        with _translate("list versions", key):
            objs = list(
                self.client.list_objects(self.bucket, prefix=key, include_version=True, recursive=True)
            )
        versions = [
            ObjectVersion(
                key=o.object_name or "",
                version_id=o.version_id,
                size=o.size or 0,
                last_modified=o.last_modified,
                # minio returns "true"/"false" strings here.
                is_latest=str(o.is_latest).lower() == "true",
                is_delete_marker=bool(o.is_delete_marker),
            )
            for o in objs
            if o.object_name == key
        ]
        return sorted(
            versions, key=lambda v: v.last_modified or datetime.min.replace(tzinfo=UTC), reverse=True
        )

    def _exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFoundError:
            return False
        return True

    def _list(self, prefix: str, *, recursive: bool) -> Iterator[str]:
        self.ensure_bucket()
        with _translate("list", prefix):
            for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=recursive):
                if obj.object_name:
                    yield obj.object_name

    @contextmanager
    def _stream(self, key: str, *, version_id: str | None = None) -> Iterator[urllib3.BaseHTTPResponse]:
        self.ensure_bucket()
        with _translate("read", key):
            response = self.client.get_object(self.bucket, key, version_id=version_id)
            try:
                yield response
            finally:
                response.close()
                response.release_conn()

    # -- batches, inboxes and pending work (used by the flows) -------------------------------------

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every object key under ``prefix`` (recursively), in key order."""
        return sorted(self._list(prefix, recursive=True))

    def download(self, key: str, dest: Path) -> Path:
        """Copy an object to a local file (folders created)."""
        self.ensure_bucket()
        dest.parent.mkdir(parents=True, exist_ok=True)
        with _translate("download", key):
            self.client.fget_object(self.bucket, key, str(dest))
        return dest

    @_recreating_bucket
    def put_bytes(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        """Store bytes under a key of the caller's choosing (uploads, inbox files)."""
        self.ensure_bucket()
        with _translate("upload", key):
            result = self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        return StoredObject(key, len(data), content_type, result.etag or "", None, result.version_id)

    @_recreating_bucket
    def put_file(
        self, key: str, path: Path, *, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        """Store a local file under a key of the caller's choosing, streamed (never whole in memory).

        Large files go up as a multipart upload in 16 MiB parts.

        Raises:
            StorageError: the file cannot be read, or MinIO failed.
        """
        self.ensure_bucket()
        try:
            size = path.stat().st_size
        except OSError as e:
            raise StorageError(f"object storage: cannot read {path}: {e}") from e
        with _translate("upload", key):
            result = self.client.fput_object(
                self.bucket, key, str(path), content_type=content_type, part_size=16 * 1024 * 1024
            )
        return StoredObject(key, size, content_type, result.etag or "", None, result.version_id)

    @_recreating_bucket
    def move(self, key: str, new_key: str) -> None:
        """Server-side copy to ``new_key``, then delete ``key`` (used to clear processed inbox objects)."""
        from minio.commonconfig import CopySource

        self.ensure_bucket()
        with _translate("move", key):
            self.client.copy_object(self.bucket, new_key, CopySource(self.bucket, key))
            self.client.remove_object(self.bucket, key)

    def put_batch_json(self, batch_id: str, name: str, obj: BaseModel | Mapping[str, Any]) -> StoredObject:
        """Store a JSON file beside a batch's report (``status.json`` while it runs)."""
        key = _report_key(batch_id).rsplit("/", 1)[0] + "/" + name
        text = obj.model_dump_json() if isinstance(obj, BaseModel) else json.dumps(obj, ensure_ascii=False)
        return self.put_bytes(key, text.encode("utf-8"), content_type="application/json")

    def get_batch_json(self, batch_id: str, name: str) -> Any:
        """A JSON file of a batch (``status.json``, ``report.json``), parsed (raises ObjectNotFoundError)."""
        return json.loads(self.get_bytes(_report_key(batch_id).rsplit("/", 1)[0] + "/" + name))

    def list_batches(self) -> list[str]:
        """Ids of every batch with a status or report, newest first (ids sort by time)."""
        ids = {k.split("/")[1] for k in self._list("batches/", recursive=True) if k.count("/") >= 2}
        return sorted(ids, reverse=True)

    @_recreating_bucket
    def mark_pending_index(self, shas: list[str]) -> None:
        """Remember documents that are stored but could not be indexed (the index was down)."""
        for sha in shas:
            _check_sha(sha)
            self.put_bytes(f"pending/index/{sha}", b"")

    def pending_index(self) -> list[str]:
        """Documents waiting to be indexed."""
        return [k.rsplit("/", 1)[1] for k in self._list("pending/index/", recursive=True)]

    def clear_pending_index(self, shas: list[str] | None = None) -> None:
        """Forget pending marks (all of them after a full reindex)."""
        for sha in self.pending_index() if shas is None else shas:
            with _translate("delete", sha):
                self.client.remove_object(self.bucket, f"pending/index/{sha}")

    def remove_staging(self, batch_id: str) -> int:
        """Delete every version of an upload's staging copy (``uploads/<batch>/``); returns objects removed.

        Only the staging prefix can be removed this way: originals and artifacts are never deleted.
        """
        removed = self.delete_versions(staging_prefix(batch_id))
        if removed:
            log.info("batch %s: removed the staging copy (%d objects)", batch_id, removed)
        return removed

    def delete_versions(self, prefix: str, *, bypass_governance: bool = False) -> int:
        """Delete every version (and delete marker) under ``prefix``; returns the versions deleted.

        Callers: an upload's staging copy when its batch is done, and an approved disposal
        (``storage.retention.purge``, the only caller that may bypass governance retention).
        """
        from minio.deleteobjects import DeleteObject

        self.ensure_bucket()
        with _translate("list versions", prefix):
            versions = [
                DeleteObject(o.object_name, o.version_id)
                for o in self.client.list_objects(
                    self.bucket, prefix=prefix, recursive=True, include_version=True
                )
                if o.object_name
            ]
        if not versions:
            return 0
        with _translate("delete", prefix):
            errors = list(
                self.client.remove_objects(self.bucket, versions, bypass_governance_mode=bypass_governance)
            )
        if errors:
            first = errors[0]
            raise StorageError(
                f"object storage: could not delete {len(errors)} versions under {prefix}: "
                f"{first.code}: {first.message} ({first.name})"
            )
        return len(versions)


_shared: dict[tuple[str, ...], ObjectStore] = {}
_shared_lock = threading.Lock()


def shared_store(settings: MinioSettings, *, bucket: str | None = None) -> ObjectStore:
    """The process's one store for these settings and bucket (its HTTP connections are reused).

    Args:
        settings: ``get_settings().minio``.
        bucket: Another bucket than the archive (the nightly inbox).
    """
    access = settings.access_key.get_secret_value() if settings.access_key else ""
    key = (settings.endpoint, access, str(settings.secure), bucket or settings.bucket)
    with _shared_lock:
        store = _shared.get(key)
        if store is None:
            store = _shared[key] = ObjectStore.from_settings(settings, bucket=bucket)
        return store
