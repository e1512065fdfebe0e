"""No file can take a batch down: whatever one file raises becomes its own line in the report.

Real flow, real services. Faults are a real hostile file (a PNG claiming 60,000 x 60,000 pixels), a step
that raises a foreign exception (injected by replacing our own step, as OCRmyPDF's crash plugins do),
and a real upload staged in MinIO, whose staging copy must be gone once the batch is reported.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from cli.samples import SAMPLE_DOCS, render_page
from flows import tasks
from flows.ingest import ingest_batch
from pipeline import chain
from sohoa.model.report import FileStatus
from sohoa.settings import Settings
from storage.objects import ObjectStore, staging_prefix

pytestmark = [pytest.mark.services, pytest.mark.slow]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_bomb_and_a_crashing_step_fail_alone(
    archive: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a decompression bomb and a file whose extraction raises a non-sohoa exception
    WHEN the batch runs THEN both fail with their own error type, the good file is stored, the report is
    written."""
    render_page(SAMPLE_DOCS[0]).save(tmp_path / "good.png")
    render_page(SAMPLE_DOCS[1]).save(tmp_path / "explodes.png")
    (tmp_path / "bomb.png").write_bytes(png_claiming(60_000, 60_000))

    def extract(ocr_doc, admitted, ctx):  # type: ignore[no-untyped-def]
        if admitted.item.name == "explodes.png":
            raise ZeroDivisionError("division by zero in a third-party library")
        return chain.extract(ocr_doc, admitted, ctx)

    monkeypatch.setattr(tasks, "STEPS", replace(tasks.STEPS, extract=extract))
    report = ingest_batch(source=str(tmp_path), batch_id="fault-isolation")
    got = {f.path: (f.status, f.error["type"] if f.error else None) for f in report.files}
    assert got == {
        "bomb.png": (FileStatus.FAILED, "DecompressionBombError"),
        "explodes.png": (FileStatus.FAILED, "ZeroDivisionError"),
        "good.png": (FileStatus.STORED, None),
    }
    bomb = next(f for f in report.files if f.path == "bomb.png")
    assert "3600000000 pixels" in bomb.error["message"] and bomb.error["advice"]  # type: ignore[index]
    stored = ObjectStore.from_settings(archive.minio).get_report("fault-isolation")
    assert stored["totals"] == {**stored["totals"], "files": 3, "failed": 2, "stored": 1}
    # a file refused as a whole never reaches the archive; the one that failed later is kept there
    originals = set(ObjectStore.from_settings(archive.minio).iter_originals())
    assert {f.document_id for f in report.files if f.path != "bomb.png"} <= originals
    assert bomb.document_id not in originals


def test_an_upload_staging_copy_is_removed_when_its_batch_finishes(archive: Settings, tmp_path: Path) -> None:
    store = ObjectStore.from_settings(archive.minio)
    page = tmp_path / "cv.png"
    render_page(SAMPLE_DOCS[1]).save(page)
    prefix = staging_prefix("staged-1")
    store.put_file(prefix + "cv.png", page, content_type="image/png")
    store.put_bytes(prefix + "empty.pdf", b"", content_type="application/pdf")
    report = ingest_batch(source=f"s3://{store.bucket}/{prefix}", batch_id="staged-1")
    assert {f.path: f.status.value for f in report.files} == {"cv.png": "stored", "empty.pdf": "failed"}
    assert store.list_keys(prefix) == []
    assert store.list_versions(prefix + "cv.png") == []
