"""``ingest_batch``: a folder, zip or MinIO prefix of scans → stored, OCR'd, extracted, indexed, reported.

The flow only orchestrates: it finds the files, runs ``pipeline.chain`` over them with the steps wrapped
as Prefect tasks (``flows.tasks``), and writes the report, always: a file's failure of any kind is that
file's line in the report. Pages of all documents in flight share the process's one page pool. With a
Dask task runner, each document's OCR and derivation run as tasks on the Dask workers instead.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

import ocr
from flows import tasks
from flows.dossiers import join_dossiers
from flows.progress import ProgressTracker
from flows.runners import make_task_runner
from pipeline import batch as batch_stage
from pipeline.chain import IngestContext, Services, Steps, failed_result, run_file, run_files, totals
from pipeline.gate import GateContext
from pipeline.qa import QaContext, qa_section
from pipeline.split import SplitContext
from sohoa.errors import InputError, ManifestError, SohoaError, error_info
from sohoa.model.document import AccessLevel
from sohoa.model.report import BatchReport, BatchState, FileResult, FileStatus, to_markdown
from sohoa.model.split import SplitMode
from sohoa.settings import Settings, get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore, shared_store, staging_prefix

log = logging.getLogger(__name__)

__all__ = ["ingest_batch", "new_batch_id", "run_ingest"]


def new_batch_id() -> str:
    """A sortable, unique batch id: ``20261123-101500-3f2a``."""
    import secrets

    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _safe_relative(rel: str) -> bool:
    pure = PurePosixPath(rel)
    return bool(rel) and not rel.startswith("/") and ".." not in pure.parts and "\\" not in rel


def _materialize(
    source: str, workdir: Path, settings: Settings
) -> tuple[list[batch_stage.BatchItem], Path | None, list[FileResult]]:
    """The batch's files on local disk, the manifest found with them (if any), and names refused outright."""
    refused: list[FileResult] = []
    if source.startswith("s3://"):
        bucket, _, prefix = source[len("s3://") :].partition("/")
        store = shared_store(settings.minio, bucket=bucket)
        root = workdir / "source"
        for key in store.list_keys(prefix):
            rel = key[len(prefix) :].lstrip("/")
            # Folders starting with "_" are sohoa's own (the inbox's _processed/, _failed/, _quarantine/).
            if not rel or rel.endswith("/") or any(part.startswith("_") for part in rel.split("/")):
                continue
            if not _safe_relative(rel):
                error = InputError(f"{rel!r}: the name climbs out of its folder ('..'); rename the file")
                refused.append(failed_result(rel, error))
                continue
            store.download(key, root / PurePosixPath(rel))
        items = batch_stage.list_folder(root) if root.exists() else []
        return items, batch_stage.find_manifest(root), refused
    path = Path(source)
    if path.is_dir():
        return batch_stage.list_folder(path, links=True), batch_stage.find_manifest(path), refused
    if path.is_file() and path.suffix.lower() == ".zip":
        root = workdir / "unzipped"
        items = batch_stage.safe_extract_zip(path, root)
        return items, batch_stage.find_manifest(root), refused
    if path.is_file():
        return [batch_stage.BatchItem(path.name, path)], None, refused
    raise SohoaError(f"batch source {source!r} is not a folder, a zip, a file or an s3:// prefix")


def _steps() -> tuple[Steps, Callable[..., FileResult]]:
    """The steps and how one file runs: a Prefect task per file, or (Dask) page work on the cluster."""
    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    if runner is None or isinstance(runner, ThreadPoolTaskRunner):
        return tasks.STEPS, tasks.ingest_file

    lock = threading.Lock()  # the Dask runner starts its cluster on the first submit: only once

    def remote(step: Any) -> Any:
        def run(*args: Any) -> Any:
            with lock:
                future = step.submit(*args)
            return future.result()

        return run

    remote_steps = {name: remote(step) for name, step in tasks.REMOTE.items()}
    return replace(tasks.STEPS, **remote_steps), run_file


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
    store = shared_store(settings.minio)
    store.ensure_bucket()  # MinIO down stops the batch here, before anything is OCR'd or indexed
    services = Services(store, SearchIndex.from_settings(settings.elasticsearch))
    try:
        services.index.ensure()
    except SohoaError as e:
        # Documents are still stored; they are marked pending and indexed by reindex / the next nightly run.
        services.index_down.set()
        logger.error("search index unavailable (%s); this batch's documents will wait for reindex", e)
    ctx = IngestContext(
        batch=batch_id,
        ocr=ocr.OcrContext.from_settings(settings.ocr),
        uploader=uploader,
        dossier_code=dossier,
        default_access=default_access,
        searchable_pdf=searchable_pdf,
        gate=gate_context(settings, split=split, expect_color=expect_color),
    )
    results: list[FileResult] = []
    collected: list[FileResult] = []  # every result as it comes, kept if the batch itself stops
    manifest_path: Path | None = None
    rows = None
    progress = ProgressTracker(store, batch_id, files_total=0)
    with tempfile.TemporaryDirectory(prefix="sohoa-batch-") as tmp:
        workdir = Path(tmp)
        try:
            items, found_manifest, refused = _materialize(source, workdir, settings)
            manifest_path = Path(manifest) if manifest else found_manifest
            if manifest_path is not None:
                try:
                    rows = batch_stage.parse_manifest(manifest_path.read_bytes(), name=manifest_path.name)
                except (ManifestError, OSError) as e:
                    report.error = error_info(e)
                    logger.error("manifest %s unreadable: %s", manifest_path, e)
                else:
                    items = batch_stage.attach_manifest(items, rows)
            logger.info("batch %s: %d files from %s", batch_id, len(items) + len(refused), source)
            progress.progress.files_total = len(items) + len(refused)

            def on_result(result: FileResult) -> None:
                collected.append(result)
                progress.file_done(result)

            for r in refused:
                on_result(r)
            steps, runner = _steps()
            results = refused + run_files(
                items,
                ctx,
                services,
                steps=steps,
                runner=runner,
                work=workdir,
                window=_window(ctx),
                on_result=on_result,
            )
            _index_duplicates(services, results)
            stored = _stored_ids(results)
            # #16: dossier codes (manifest, or a split document's separator sheet) become dossier membership
            join_dossiers(settings, stored, batch=ctx.batch, uploader=ctx.uploader)
            if settings.archive.with_ingest:  # #17: the batch's archive copies in the same run, when asked
                _archive(stored, batch_id)
        except Exception as e:  # noqa: BLE001 - the batch's own guard: the report is always written
            logger.exception("batch %s stopped", batch_id)
            report.error = error_info(e)
            results = results or collected

    report.files = results
    report.reconciliation = batch_stage.reconcile(
        rows, results, manifest_name=manifest_path.name if manifest_path else None
    )
    report.totals = totals(results, time.monotonic() - started)
    report.qa = qa_section(results)
    report.state = BatchState.FAILED if report.error and not results else BatchState.COMPLETED
    report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    _publish(store, report, progress)
    if report.state is BatchState.COMPLETED:  # a failed batch keeps its upload for a retry (flows.launch)
        _remove_staging(store, source, batch_id)
    return report


def _archive(shas: list[str], batch_id: str) -> None:
    """Archive copies of the batch's documents; a failure leaves them for `sohoa archive build`."""
    from flows.archive import archive_documents  # imported here: pyHanko and fontTools only when asked

    logger = get_run_logger()
    try:
        records = archive_documents(shas)
    except SohoaError as e:
        logger.error(
            "batch %s: archive copies not made (%s); `sohoa archive build --batch` makes them", batch_id, e
        )
        return
    failed = sum(not r.compliant for r in records)
    logger.info("batch %s: %d archive copies, %d failed (sent to review)", batch_id, len(records), failed)


def gate_context(settings: Settings, *, split: str | None, expect_color: bool | None) -> GateContext:
    """The batch's quality gate and split mode: the settings, with this batch's choices over them."""
    qa = QaContext.from_settings(
        settings.qa, settings.ocr, **({"expect_color": expect_color} if expect_color is not None else {})
    )
    return GateContext(
        split=SplitMode(split or settings.split.mode),
        qa=qa,
        splitting=SplitContext.from_settings(settings.split, qa),
    )


def _stored_ids(results: list[FileResult]) -> list[str]:
    """The documents this batch stored, in batch order (each document of a split file)."""
    ids: list[str] = []
    for r in results:
        if r.status is FileStatus.FAILED:
            continue
        ids += (
            [d.document_id for d in r.documents] if r.documents else [r.document_id] if r.document_id else []
        )
    return ids


def _window(ctx: IngestContext) -> int:
    """Documents in flight: enough that the pool always has pages queued behind the running ones."""
    return 2 * ocr.default_jobs(ctx.ocr.jobs) + 2


def _index_duplicates(services: Services, results: list[FileResult]) -> None:
    """Re-index this batch's duplicates from what is stored, cheaply, in case an earlier run could not."""
    logger = get_run_logger()
    dups = [r for r in results if r.status is FileStatus.DUPLICATE and r.document_id]
    shas = sorted({r.document_id for r in dups if r.document_id})
    if not shas:
        return
    if services.index_down.is_set():
        services.store.mark_pending_index(shas)
        return
    try:
        indexed = set(tasks.index_documents(services.store, services.index, shas, len(shas)))
    except SohoaError as e:
        logger.error("indexing duplicates failed after retries; %d wait for reindex: %s", len(shas), e)
        services.store.mark_pending_index(shas)
        return
    for r in dups:
        r.indexed = r.document_id in indexed


def _remove_staging(store: ObjectStore, source: str, batch_id: str) -> None:
    """An upload staged under ``uploads/<batch>/`` is removed once its batch is reported."""
    try:
        if source != f"s3://{store.bucket}/{staging_prefix(batch_id)}":
            return
    except ValueError:
        return
    try:
        store.remove_staging(batch_id)
    except SohoaError as e:
        log.warning("batch %s: staging copy not removed (%s); it is only a copy", batch_id, e)


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
