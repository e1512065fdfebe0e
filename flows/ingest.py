"""``ingest_batch``: a folder, zip or MinIO prefix of scans → stored, OCR'd, extracted, indexed, reported.

The flow only orchestrates: it finds the files, hands each to the tasks, keeps going past bad files, and
writes the report. Pages of all documents are OCR'd as separate tasks, so the task runner (threads on one
machine, Dask across several) decides how many run at once.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.futures import PrefectFuture

import ocr
from flows import tasks
from flows.progress import ProgressTracker
from flows.runners import make_task_runner
from pipeline import batch as batch_stage
from pipeline.stages import IngestContext, totals
from sohoa.errors import ManifestError, ServiceError, SohoaError, StorageError, error_info
from sohoa.model.document import AccessLevel, Document
from sohoa.model.report import BatchReport, BatchState, FileResult, FileStatus, to_markdown
from sohoa.settings import Settings, get_settings
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

__all__ = ["ingest_batch", "new_batch_id", "run_ingest"]


def new_batch_id() -> str:
    """A sortable, unique batch id: ``20261123-101500-3f2a``."""
    import secrets

    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


@dataclass
class _Pending:
    """A document being OCR'd."""

    item: batch_stage.BatchItem
    sha256: str
    media_type: str
    size: int
    pdf: Path | None
    future: PrefectFuture[Any]


def _materialize(
    source: str, workdir: Path, settings: Settings
) -> tuple[list[batch_stage.BatchItem], Path | None]:
    """The batch's files on local disk, and the manifest found with them (if any)."""
    if source.startswith("s3://"):
        bucket, _, prefix = source[len("s3://") :].partition("/")
        store = ObjectStore.from_settings(settings.minio, bucket=bucket)
        root = workdir / "source"
        for key in store.list_keys(prefix):
            rel = key[len(prefix) :].lstrip("/")
            # Folders starting with "_" are sohoa's own (the inbox's _processed/, _failed/).
            if rel and not rel.endswith("/") and not any(part.startswith("_") for part in rel.split("/")):
                store.download(key, root / PurePosixPath(rel))
        return batch_stage.list_folder(root) if root.exists() else [], batch_stage.find_manifest(root)
    path = Path(source)
    if path.is_dir():
        return batch_stage.list_folder(path), batch_stage.find_manifest(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        root = workdir / "unzipped"
        items = batch_stage.safe_extract_zip(path, root)
        return items, batch_stage.find_manifest(root)
    if path.is_file():
        return [batch_stage.BatchItem(path.name, path)], None
    raise SohoaError(f"batch source {source!r} is not a folder, a zip, a file or an s3:// prefix")


@flow(
    name="ingest-batch",
    flow_run_name="ingest {batch_id}",
    task_runner=make_task_runner(get_settings().prefect),
    log_prints=False,
    persist_result=False,
)
def ingest_batch(
    source: str,
    batch_id: str | None = None,
    manifest: str | None = None,
    dossier: str | None = None,
    uploader: str | None = None,
    default_access: AccessLevel = AccessLevel.INTERNAL,
    searchable_pdf: bool = True,
    split: str | None = None,
    expect_color: bool | None = None,
) -> BatchReport:
    """Ingest one batch of scans and return (and store) its report.

    Args:
        source: A local folder, a ``.zip``, a single file, or ``s3://bucket/prefix``.
        batch_id: Stable id of the batch (default: a new one); re-running with the same files is a no-op.
        manifest: A manifest CSV (default: ``manifest.csv`` at the top of the source, if present).
        dossier: Dossier code (mã hồ sơ) for files the manifest does not assign.
        uploader: Who submitted the batch.
        default_access: Access level of documents with no secrecy mark and no manifest level.
        searchable_pdf: Also produce a searchable PDF per document.
        split: Split multi-document scans: none, auto, header, separator (default: the settings').
        expect_color: The batch was scanned in colour: bilevel or gray pages are findings (default: the
            settings').
    """
    logger = get_run_logger()
    settings = get_settings()
    batch_id = batch_id or new_batch_id()
    started = time.monotonic()
    report = BatchReport(
        batch=batch_id,
        source=source,
        state=BatchState.RUNNING,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        uploader=uploader,
    )
    store = ObjectStore.from_settings(settings.minio)
    store.ensure_bucket()  # MinIO down stops the batch here, before anything is OCR'd or indexed
    ctx = IngestContext(
        batch=batch_id,
        ocr=ocr.OcrContext.from_settings(settings.ocr),
        uploader=uploader,
        dossier_code=dossier,
        default_access=default_access,
        searchable_pdf=searchable_pdf,
    )
    with tempfile.TemporaryDirectory(prefix="sohoa-batch-") as tmp:
        workdir = Path(tmp)
        items, found_manifest = _materialize(source, workdir, settings)
        manifest_path = Path(manifest) if manifest else found_manifest
        rows = None
        if manifest_path is not None:
            try:
                rows = batch_stage.parse_manifest(manifest_path.read_bytes(), name=manifest_path.name)
            except (ManifestError, OSError) as e:
                report.error = error_info(e)
                logger.error("manifest %s unreadable: %s", manifest_path, e)
            else:
                items = batch_stage.attach_manifest(items, rows)
        logger.info("batch %s: %d files from %s", batch_id, len(items), source)
        progress = ProgressTracker(store, batch_id, files_total=len(items))
        results = _process(items, settings, ctx, workdir, progress, report)

    report.files = results
    report.reconciliation = batch_stage.reconcile(
        rows, results, manifest_name=manifest_path.name if manifest_path else None
    )
    report.totals = totals(results, time.monotonic() - started)
    report.state = BatchState.FAILED if report.error and not results else BatchState.COMPLETED
    report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    _publish(store, report, progress)
    return report


def _process(
    items: list[batch_stage.BatchItem],
    settings: Settings,
    ctx: IngestContext,
    workdir: Path,
    progress: ProgressTracker,
    report: BatchReport,
) -> list[FileResult]:
    logger = get_run_logger()
    results: dict[str, FileResult] = {}
    seen: dict[str, str] = {}
    pending: list[_Pending] = []
    for item in items:
        t0 = time.monotonic()
        try:
            media_type = tasks.sniff(item.path, item.name)
            put = tasks.store_original(settings, item.path, item.name, media_type, ctx.batch, ctx.uploader)
        except ServiceError:
            raise  # the storage is down: stop the batch rather than OCR what cannot be kept
        except SohoaError as e:
            results[item.name] = FileResult(path=item.name, status=FileStatus.FAILED, error=error_info(e))
            progress.file_done(results[item.name])
            continue
        if put.sha256 in seen:
            results[item.name] = FileResult(
                path=item.name,
                status=FileStatus.DUPLICATE,
                document_id=put.sha256,
                reasons=[f"same content as {seen[put.sha256]} in this batch"],
            )
            progress.file_done(results[item.name])
            continue
        seen[put.sha256] = item.name
        done = tasks.load_document(settings, put.sha256)
        if done is not None:
            results[item.name] = _duplicate(item.name, done)
            progress.file_done(results[item.name])
            continue
        pdf = workdir / "pdf" / f"{put.sha256}.pdf" if ctx.searchable_pdf else None
        if pdf is not None:
            pdf.parent.mkdir(parents=True, exist_ok=True)
        future = tasks.ocr_document.submit(item.path, item.name, ctx, pdf)
        pending.append(_Pending(item, put.sha256, media_type, put.size, pdf, future))
        logger.debug("%s: queued for OCR (%.2f s)", item.name, time.monotonic() - t0)

    for p in pending:
        t0 = time.monotonic()
        try:
            ocr_doc = p.future.result()
            document = tasks.finish_document(
                settings,
                path=p.item.path,
                name=p.item.name,
                sha256=p.sha256,
                media_type=p.media_type,
                size=p.size,
                ocr_doc=ocr_doc,
                pdf=p.pdf,
                row=p.item.manifest,
                ctx=ctx,
            )
        except StorageError:
            raise
        except SohoaError as e:
            results[p.item.name] = FileResult(
                path=p.item.name, status=FileStatus.FAILED, document_id=p.sha256, error=error_info(e)
            )
            progress.file_done(results[p.item.name])
            continue
        results[p.item.name] = _stored(p.item.name, document, ocr_doc, time.monotonic() - t0)
        progress.file_done(results[p.item.name])

    _index(
        settings, [r for r in results.values() if r.document_id and r.status is not FileStatus.FAILED], report
    )
    return [results[i.name] for i in items]


def _stored(name: str, document: Document, ocr_doc: ocr.OcrDocument, seconds: float) -> FileResult:
    failed = ocr_doc.failed_pages
    reasons = list(document.metadata.reasons) + [f"page {n} failed OCR" for n in failed]
    return FileResult(
        path=name,
        status=FileStatus.NEEDS_REVIEW if (document.metadata.needs_review or failed) else FileStatus.STORED,
        document_id=document.id,
        pages=document.page_count,
        failed_pages=failed,
        reasons=reasons,
        so_ky_hieu=document.metadata.value("so_ky_hieu"),
        seconds=round(seconds, 2),
    )


def _duplicate(name: str, document: Document) -> FileResult:
    return FileResult(
        path=name,
        status=FileStatus.DUPLICATE,
        document_id=document.id,
        pages=document.page_count,
        reasons=[f"already ingested in batch {document.batch}"] if document.batch else [],
        so_ky_hieu=document.metadata.value("so_ky_hieu"),
    )


def _index(settings: Settings, results: list[FileResult], report: BatchReport) -> None:
    """Index what this batch stored (and re-index duplicates, cheaply, in case an earlier run could not)."""
    logger = get_run_logger()
    shas = sorted({r.document_id for r in results if r.document_id})
    if not shas:
        return
    try:
        indexed = set(tasks.index_documents(settings, shas, len(shas)))
    except ServiceError as e:
        # Originals and OCR are safe in storage; `sohoa reindex` or the next nightly run completes this.
        logger.error("indexing failed after retries; %d documents wait for reindex: %s", len(shas), e)
        ObjectStore.from_settings(settings.minio).mark_pending_index(shas)
        return
    for r in results:
        r.indexed = r.document_id in indexed


def _publish(store: ObjectStore, report: BatchReport, progress: ProgressTracker) -> None:
    markdown = to_markdown(report)
    store.put_report(report.batch, report)
    progress.finish(report)
    try:
        create_markdown_artifact(key="batch-report", markdown=markdown, description=f"Batch {report.batch}")
    except Exception:  # noqa: BLE001 - the UI artifact is a convenience; the report is already stored
        log.warning("could not publish the report artifact to Prefect", exc_info=True)


def run_ingest(source: str, **kwargs: Any) -> BatchReport:
    """Run the flow in this process and return its report."""
    return ingest_batch(source, **kwargs)
