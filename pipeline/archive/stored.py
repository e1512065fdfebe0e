"""Archive copies of stored documents: read the original and ocr.json from MinIO, write the copy beside it.

Works from what is stored alone (not from the ingestion chain), so copies can be made, re-made and
resumed at any time: a document whose ``archive.json`` says compliant is skipped unless forced. A copy
that fails is stored with its record (``compliant=False``) and sends the document to review.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.archive.build import ArchiveContext, CopyJob, make_copies
from sohoa.errors import ObjectNotFoundError, ServiceError
from sohoa.model.archive import ARTIFACT_ARCHIVE_PDF, ARTIFACT_ARCHIVE_RECORD, ArchiveMeta, ArchiveRecord
from sohoa.model.document import Document
from sohoa.model.ocr import OcrDocument
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore

__all__ = ["REVIEW_REASON", "archive_meta", "build_stored", "document_ids", "load_record"]

log = logging.getLogger(__name__)

REVIEW_REASON = "archive copy failed validation (PDF/A or signature); see archive.json"
IO_THREADS = 4


def document_ids(store: ObjectStore, *, batch: str | None = None) -> list[str]:
    """The documents of a batch in the batch report's order, or every stored document."""
    if batch is None:
        return sorted(store.iter_documents())
    report = store.get_report(batch)
    seen: list[str] = []
    for f in report.get("files", []):
        sha = f.get("document_id")
        if sha and sha not in seen:
            seen.append(sha)
    return seen


def archive_meta(document: Document, *, doc_code: str | None = None) -> ArchiveMeta:
    """The copy's XMP metadata from the document's (reviewed) metadata."""
    m = document.metadata

    def text(name: str) -> str:
        value = m.value(name)
        return str(value).strip() if value is not None else ""

    date = text("ngay_ban_hanh") or None
    return ArchiveMeta(
        title=text("trich_yeu") or document.source_file,
        issuer=text("co_quan_ban_hanh"),
        date=date if date and len(date) == 10 and date[4] == "-" else None,
        doc_code=doc_code,
        reference=text("so_ky_hieu") or None,
        source_sha256=document.id,
        language=document.language or "vi",
    )


def load_record(store: ObjectStore, sha: str) -> ArchiveRecord | None:
    """The stored archive record of a document, if any."""
    try:
        return ArchiveRecord.model_validate(store.get_json(sha, ARTIFACT_ARCHIVE_RECORD))
    except ObjectNotFoundError:
        return None


def _send_to_review(
    store: ObjectStore, index: SearchIndex | None, document: Document, ocr: OcrDocument
) -> None:
    meta = document.metadata
    if REVIEW_REASON not in meta.reasons:
        meta = meta.model_copy(update={"needs_review": True, "reasons": [*meta.reasons, REVIEW_REASON]})
    document = document.model_copy(update={"metadata": meta})
    store.put_json(document.id, ARTIFACT_DOCUMENT, document)
    if index is None:
        return
    try:
        index.index_document(document, ocr)
    except ServiceError:
        log.warning("%s: index unreachable; marked for reindexing", document.id[:12])
        store.mark_pending_index([document.id])


def build_stored(
    store: ObjectStore,
    shas: Iterable[str],
    ctx: ArchiveContext,
    *,
    work: Path,
    index: SearchIndex | None = None,
    force: bool = False,
    doc_codes: dict[str, str] | None = None,
    doc_code_of: Callable[[Document], str | None] | None = None,
    progress: Callable[[ArchiveRecord], None] | None = None,
) -> list[ArchiveRecord]:
    """Make (or skip) the archive copy of each stored document; the records, skipped ones included.

    Args:
        store: the object store.
        shas: documents (SHA-256 of their originals).
        ctx: the archive context.
        work: scratch folder (removed afterwards).
        index: when given, documents whose copy fails are re-indexed as needing review.
        force: re-make copies that already exist and passed.
        doc_codes: document codes (mã lưu trữ) to write in the XMP, by document.
        doc_code_of: where ``doc_codes`` has none, the document code of a document (its dossier's).
        progress: called with each record as it is stored.
    """
    records: list[ArchiveRecord] = []
    jobs: list[CopyJob] = []
    loaded: dict[str, tuple[Document, OcrDocument]] = {}
    work.mkdir(parents=True, exist_ok=True)

    def load(sha: str) -> ArchiveRecord | tuple[CopyJob, Document, OcrDocument]:
        """The stored record of a copy that is skipped, or what making it needs."""
        document = Document.model_validate(store.get_json(sha, ARTIFACT_DOCUMENT))
        code = (doc_codes or {}).get(sha) or (doc_code_of(document) if doc_code_of else None)
        existing = load_record(store, sha)
        # a copy made before its document joined a dossier lacks the docCode in its XMP: re-made
        same_code = existing is not None and existing.meta is not None and existing.meta.doc_code == code
        if existing is not None and existing.compliant and not force and (code is None or same_code):
            log.info("%s: archive copy exists and passed; skipped", sha[:12])
            return existing
        ocr = OcrDocument.model_validate(store.get_json(sha, ARTIFACT_OCR))
        original = store.download_original(sha, work / f"{sha}.original")
        meta = archive_meta(document, doc_code=code)
        return (original, document.media_type, ocr, meta, work / f"{sha}.pdf"), document, ocr

    def save(rec: ArchiveRecord) -> None:
        out = work / f"{rec.document_id}.pdf"
        if rec.compliant and out.is_file():
            store.put_artifact(rec.document_id, ARTIFACT_ARCHIVE_PDF, out)
        store.put_json(rec.document_id, ARTIFACT_ARCHIVE_RECORD, rec)

    try:
        # MinIO round trips (four per document in, two out) overlap in a few threads: they wait, not work
        with ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="archive-io") as pool:
            for item in pool.map(load, shas):
                if isinstance(item, ArchiveRecord):
                    records.append(item)
                    if progress:
                        progress(item)
                    continue
                job, document, ocr = item
                jobs.append(job)
                loaded[ocr.sha256] = (document, ocr)
            made = make_copies(jobs, ctx, work=work / "scratch")
            list(pool.map(save, made))
        for rec in made:
            if not rec.compliant:
                log.warning("%s: archive copy FAILED: %s", rec.document_id[:12], "; ".join(rec.problems))
                document, ocr = loaded[rec.document_id]
                _send_to_review(store, index, document, ocr)
            records.append(rec)
            if progress:
                progress(rec)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return records
