"""The document-level stages of ingestion, as plain functions a flow composes.

Nothing here imports Prefect: each function takes what it needs (an ``IngestContext``, an
``ObjectStore``, paths) and returns a value, so it can run in a test, a task, or a Dask worker.
The order the flow follows for one file::

    sniff → store_original → already_done? → OCR pages → finish_document (extract, store artifacts)
          → index

``document.json`` is written last: its presence means a document is complete, which is what makes a
re-run after a crash skip finished documents without re-OCR.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from pdf2image import convert_from_path
from PIL import Image, ImageSequence

from ocr import OcrContext
from pipeline.batch import ManifestRow
from sohoa.errors import ObjectNotFoundError
from sohoa.model.document import AccessLevel, Document, Metadata
from sohoa.model.ocr import OcrDocument
from sohoa.model.report import FileResult, FileStatus, Totals
from storage.objects import (
    ARTIFACT_DOCUMENT,
    ARTIFACT_METADATA,
    ARTIFACT_OCR,
    ARTIFACT_PDF,
    ObjectStore,
    thumbnail_name,
)

__all__ = [
    "IngestContext",
    "access_level_for",
    "build_document",
    "load_document",
    "sha256_file",
    "store_derived",
    "page_thumbnails",
    "totals",
]

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 1000  # readable page image for the document view, ~100-200 kB as JPEG
_SECRET_MARKS = {"mật", "tối mật", "tuyệt mật"}


@dataclass(frozen=True)
class IngestContext:
    """Everything the stages need about a batch; frozen and picklable."""

    batch: str
    ocr: OcrContext
    uploader: str | None = None
    dossier_code: str | None = None
    default_access: AccessLevel = AccessLevel.INTERNAL
    searchable_pdf: bool = True
    thumbnails: bool = True


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def load_document(store: ObjectStore, sha256: str) -> Document | None:
    """The finished document for this original, or None if it was never completed."""
    try:
        return Document.model_validate(store.get_json(sha256, ARTIFACT_DOCUMENT))
    except ObjectNotFoundError:
        return None


def access_level_for(metadata: Metadata, row: ManifestRow | None, default: AccessLevel) -> AccessLevel:
    """The manifest's level if it gives one; else confidential for a secrecy mark; else the default."""
    if row is not None and row.access_level is not None:
        return row.access_level
    mark = metadata.value("do_mat")
    if isinstance(mark, str) and mark.strip().lower() in _SECRET_MARKS:
        return AccessLevel.CONFIDENTIAL
    return default


def build_document(
    *,
    sha256: str,
    name: str,
    media_type: str,
    size: int,
    ocr_doc: OcrDocument,
    metadata: Metadata,
    row: ManifestRow | None,
    ctx: IngestContext,
) -> Document:
    """The document record from its OCR result, metadata and manifest row."""
    dossier = (row.dossier_code if row else None) or ctx.dossier_code or metadata.value("ma_ho_so")
    return Document(
        id=sha256,
        source_file=name,
        media_type=media_type,
        size=size,
        batch=ctx.batch,
        dossier_code=dossier,
        uploader=ctx.uploader,
        page_count=len(ocr_doc.pages),
        language=metadata.language,
        ocr_confidence=round(ocr_doc.confidence, 2),
        access_level=access_level_for(metadata, row, ctx.default_access),
        metadata=metadata,
        notes=row.notes if row else None,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _jpeg(page: Image.Image, width: int) -> bytes:
    page = page.convert("L") if page.mode not in ("RGB", "L") else page
    if page.width > width:
        page = page.resize((width, round(page.height * width / page.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def page_thumbnails(path: Path, media_type: str, *, width: int = THUMBNAIL_WIDTH) -> list[tuple[int, bytes]]:
    """JPEG page images ``width`` pixels wide (never enlarged) of a PDF or an image file, page by page."""
    if media_type == "application/pdf":
        dpi = 100  # ~830 px for A4: rendered once, then scaled to width
        with tempfile.TemporaryDirectory(prefix="sohoa-thumbs-") as tmp:
            # paths_only=True returns file names (typed as images by pdf2image)
            pages = cast(
                list[str], convert_from_path(path, dpi=dpi, output_folder=tmp, fmt="jpeg", paths_only=True)
            )
            out = []
            for i, p in enumerate(sorted(pages), start=1):
                with Image.open(p) as im:
                    out.append((i, _jpeg(im, width)))
            return out
    out = []
    with Image.open(path) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im), start=1):
            out.append((i, _jpeg(frame.copy(), width)))
    return out


def store_derived(
    store: ObjectStore,
    document: Document,
    ocr_doc: OcrDocument,
    *,
    thumbnails: Iterable[tuple[int, bytes]] = (),
    pdf: Path | None = None,
) -> None:
    """Store OCR, metadata, thumbnails and searchable PDF, then ``document.json`` (the completion mark)."""
    sha = document.id
    store.put_json(sha, ARTIFACT_OCR, ocr_doc)
    store.put_json(sha, ARTIFACT_METADATA, document.metadata)
    for number, jpeg in thumbnails:
        store.put_artifact(sha, thumbnail_name(number), jpeg, content_type="image/jpeg")
    if pdf is not None:
        store.put_artifact(sha, ARTIFACT_PDF, pdf, content_type="application/pdf")
    store.put_json(sha, ARTIFACT_DOCUMENT, document)
    log.info("%s: stored derived artifacts (%d pages)", sha[:12], document.page_count)


def totals(results: list[FileResult], seconds: float) -> Totals:
    """Counts for the report; pages counts the pages of documents processed in this run."""
    counts = {s: sum(1 for r in results if r.status is s) for s in FileStatus}
    pages = sum(r.pages for r in results if r.status in (FileStatus.STORED, FileStatus.NEEDS_REVIEW))
    return Totals(
        files=len(results),
        stored=counts[FileStatus.STORED],
        duplicate=counts[FileStatus.DUPLICATE],
        failed=counts[FileStatus.FAILED],
        needs_review=counts[FileStatus.NEEDS_REVIEW],
        pages=pages,
        seconds=round(seconds, 2),
        pages_per_minute=round(pages / seconds * 60, 1) if seconds > 0 else 0.0,
        not_indexed=sum(
            1 for r in results if r.document_id and not r.indexed and r.status is not FileStatus.FAILED
        ),
    )
