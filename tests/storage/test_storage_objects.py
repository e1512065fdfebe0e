"""ObjectStore against the real local MinIO: dedupe, versioning, presigned links, fixity, errors."""

from __future__ import annotations

import hashlib
import io
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from sohoa.errors import IntegrityError, ObjectNotFoundError, StorageError
from sohoa.model.document import Document
from sohoa.settings import MinioSettings, Settings
from storage.objects import ARTIFACT_DOCUMENT, ObjectStore, original_key, thumbnail_name

pytestmark = pytest.mark.services

NAME = "Quyết định số 1340/QĐ-UBND (bản gốc).pdf"


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 fake scan " + bytes(range(256)) * 40)
    return path


def _http_get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - our own MinIO
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def test_identical_upload_is_stored_once_with_its_metadata(
    store: ObjectStore, original: Path, tmp_path: Path
) -> None:
    """GIVEN the same bytes uploaded twice under two names WHEN stored THEN one object, first name kept."""
    first = store.put_original(
        original, file_name=NAME, media_type="application/pdf", batch="lô-2024/01", uploader="Nguyễn Văn Ánh"
    )
    copy = tmp_path / "other-name.pdf"
    copy.write_bytes(original.read_bytes())
    second = store.put_original(copy, media_type="application/pdf", batch="b2")

    assert first.created and not second.created
    assert first.sha256 == second.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
    assert len(store.list_versions(original_key(first.sha256))) == 1
    stored = store.stat_original(first.sha256)
    assert (stored.file_name, stored.batch, stored.uploader) == (NAME, "lô-2024/01", "Nguyễn Văn Ánh")
    assert stored.content_type == "application/pdf" and stored.size == original.stat().st_size
    assert list(store.iter_originals()) == [first.sha256]

    back = store.download_original(first.sha256, tmp_path / "back.pdf")
    assert back.read_bytes() == original.read_bytes()


def test_versioning_keeps_an_overwritten_artifact(store: ObjectStore, original: Path) -> None:
    sha = store.put_original(original).sha256
    doc = Document(id=sha, source_file="scan.pdf", media_type="application/pdf", size=1)
    v1 = store.put_json(sha, ARTIFACT_DOCUMENT, doc)
    v2 = store.put_json(sha, ARTIFACT_DOCUMENT, doc.model_copy(update={"notes": "sửa lại"}))
    store.put_artifact(sha, thumbnail_name(1), b"\xff\xd8jpeg")

    versions = store.list_versions(f"derived/{sha}/{ARTIFACT_DOCUMENT}")
    assert [v.version_id for v in versions] == [v2.version_id, v1.version_id]
    assert versions[0].is_latest and not versions[1].is_latest
    assert store.get_json(sha, ARTIFACT_DOCUMENT)["notes"] == "sửa lại"
    old = Document.model_validate_json(
        store.get_bytes(f"derived/{sha}/{ARTIFACT_DOCUMENT}", version_id=v1.version_id)
    )
    assert old.notes is None
    assert store.list_artifacts(sha) == [ARTIFACT_DOCUMENT, "thumbnails/page-1.jpg"]
    assert list(store.iter_documents()) == [sha]


def test_presigned_link_serves_then_expires(store: ObjectStore, original: Path) -> None:
    sha = store.put_original(original, file_name=NAME, media_type="application/pdf").sha256
    url = store.presigned_url(sha, expires=timedelta(seconds=2))

    status, body, headers = _http_get(url)
    assert status == 200 and body == original.read_bytes()
    assert "filename*=UTF-8''" in headers["Content-Disposition"]
    time.sleep(3.5)
    status, body, _ = _http_get(url)
    assert status == 403
    assert b"expired" in body.lower()


def test_fixity_check_catches_a_tampered_original(store: ObjectStore, original: Path) -> None:
    """GIVEN a stored original WHEN its bytes are overwritten THEN verify() fails; old version kept."""
    sha = store.put_original(original, media_type="application/pdf").sha256
    assert store.verify(sha).sha256 == sha

    tampered = original.read_bytes().replace(b"fake", b"FAKE")
    store.client.put_object(
        store.bucket, original_key(sha), io.BytesIO(tampered), len(tampered), metadata={"sha256": sha}
    )
    with pytest.raises(IntegrityError, match="fixity"):
        store.verify(sha)
    oldest = store.list_versions(original_key(sha))[-1]
    assert hashlib.sha256(store.get_bytes(original_key(sha), version_id=oldest.version_id)).hexdigest() == sha


def test_missing_objects_raise_object_not_found(store: ObjectStore) -> None:
    sha = "0" * 64
    with pytest.raises(ObjectNotFoundError):
        store.verify(sha)
    with pytest.raises(ObjectNotFoundError):
        store.get_json(sha, ARTIFACT_DOCUMENT)
    assert not store.has_original(sha)
    with pytest.raises(ValueError):
        store.get_artifact(sha, "../originals/x")


def test_batch_report_round_trip(store: ObjectStore) -> None:
    store.put_report("2026-11-23-lo-1", {"batch": "2026-11-23-lo-1", "files": 3, "tên": "Lô số 1"})
    assert store.get_report("2026-11-23-lo-1")["tên"] == "Lô số 1"


def test_unreachable_server_is_a_retryable_storage_error(services: Settings) -> None:
    dead = MinioSettings(
        endpoint="127.0.0.1:9",
        access_key=services.minio.access_key,
        secret_key=services.minio.secret_key,
        bucket="sohoa-never",
    )
    with pytest.raises(StorageError) as caught:
        ObjectStore.from_settings(dead).has_original("0" * 64)
    assert caught.value.retryable and not isinstance(caught.value, ObjectNotFoundError)


def test_put_file_streams_a_large_file_in_parts(store: ObjectStore, tmp_path: Path) -> None:
    big = tmp_path / "scan.tif"
    chunk = hashlib.sha256(b"sohoa").digest() * 32768  # 1 MiB, not all zeros
    with big.open("wb") as f:
        for i in range(17):  # 17 MiB: more than one 16 MiB part
            f.write(bytes([i]) + chunk[1:])
    stored = store.put_file("uploads/lo-1/scan.tif", big, content_type="image/tiff")
    assert stored.size == big.stat().st_size and stored.version_id
    back = store.download("uploads/lo-1/scan.tif", tmp_path / "back.tif")
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
    assert store.stat("uploads/lo-1/scan.tif").content_type == "image/tiff"
    with pytest.raises(StorageError):
        store.put_file("uploads/missing", tmp_path / "missing.pdf")


def test_the_shared_store_survives_its_bucket_deleted_under_it(services: Settings, tmp_path: Path) -> None:
    """GIVEN the process's shared store WHEN a test deletes its bucket THEN the next write recreates it."""
    from storage.objects import shared_store
    from tests.support import remove_bucket

    bucket = f"sohoa-test-{uuid.uuid4().hex[:12]}"
    store = shared_store(services.minio, bucket=bucket)
    assert shared_store(services.minio, bucket=bucket) is store
    try:
        store.put_bytes("a.txt", b"one")
        remove_bucket(store)
        store.put_bytes("b.txt", b"two")
        assert store.list_keys() == ["b.txt"]
        scan = tmp_path / "scan.png"
        scan.write_bytes(b"\x89PNG not really")
        remove_bucket(store)
        assert store.put_original(scan, media_type="image/png").created
    finally:
        remove_bucket(store)


def test_remove_staging_deletes_every_version_under_the_batch_prefix_only(store: ObjectStore) -> None:
    store.put_bytes("uploads/b-1/a.png", b"1")
    store.put_bytes("uploads/b-1/a.png", b"2")
    store.put_bytes("uploads/b-1/sub/c.pdf", b"3")
    store.put_bytes("uploads/b-10/keep.png", b"4")
    assert store.remove_staging("b-1") == 3
    assert store.list_keys("uploads/") == ["uploads/b-10/keep.png"]
    assert store.list_versions("uploads/b-1/a.png") == []
