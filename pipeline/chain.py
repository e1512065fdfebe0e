"""One source file's way through ingestion: an ordered list of plain, typed steps.

    preflight       sniff once, hash once, find duplicates (in this batch, and finished in the archive)
    prepare         the whole file validated and its pages described, in a worker (a file refused here
                    leaves nothing in the archive)
    store_original  the original under its SHA-256, before any page is OCR'd
    recognize       OCR: every page a job on the process's one page pool (pages of every document in
                    flight, largest first, each under a memory and a time limit)
    extract         metadata, as one or more drafts (one source file may hold several documents)
    derive          searchable PDF and thumbnails (a pool job, through the poppler wrapper)
    store           ocr.json, metadata.json, thumbnails, searchable.pdf, then document.json (completion mark)
    index           the stored document into the search index

Each step is a plain function: a typed value in (what the step before returned, the batch's frozen
:class:`IngestContext`, the service it talks to) and a frozen value out; none imports Prefect. :class:`Steps`
holds them; :func:`run_file` runs them in order for one file and turns ANY exception (PIL, poppler, pypdf,
OpenCV, Tesseract, a timeout, a dead worker, not only ``SohoaError``) into that file's failed result, so
no file can take a batch down. :func:`run_files` runs many files, largest first, a window of them at a time.
``flows/tasks.py`` wraps the steps in Prefect tasks (retried as each error's ``retryable`` says) and hands
its own :class:`Steps` to :func:`run_files`.

To add a step: write ``def my_step(value: In, ctx: IngestContext, ...) -> Out`` here (or in its own module
of ``pipeline/``), add a field for it to :class:`Steps` (a default keeps other callers working), and call it
at its place in :func:`run_file`; wrap it in ``flows/tasks.py`` if it talks to a service. A step ends a file
early by raising (the file fails with that error) or, like :func:`preflight`, by returning a
:class:`~sohoa.model.report.FileResult`. :func:`extract` returns a list so that a step splitting one scan
into several documents (by page ranges) only changes what that list holds.

``document.json`` is written last: its presence means a document is complete, which is what makes a re-run
after a crash skip finished documents without OCR.
"""

from __future__ import annotations

import contextvars
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ocr
from ocr import OcrContext
from pipeline.batch import BatchItem, ManifestRow
from pipeline.gate import (
    GateContext,
    GatedFile,
    apply_gate,
    file_numbered,
    file_result,
    gate_file,
    stored_split,
)
from pipeline.metadata import extract as extract_metadata
from pipeline.metadata.witnesses import Witnesses, witnesses_for
from pipeline.part_images import part_thumbnails
from pipeline.resplit import load_split, store_split
from sohoa.digest import Digest, sha256_file
from sohoa.errors import CorruptFileError, InputError, ObjectNotFoundError, ServiceError, error_info
from sohoa.memory import release_free_memory
from sohoa.model.document import AccessLevel, Document, Metadata
from sohoa.model.ocr import OcrDocument, PageInput, PageSource
from sohoa.model.report import FileResult, FileStatus, Totals
from storage.index import SearchIndex
from storage.objects import (
    ARTIFACT_DOCUMENT,
    ARTIFACT_METADATA,
    ARTIFACT_OCR,
    ARTIFACT_PDF,
    ObjectStore,
    PutResult,
    thumbnail_name,
)
from storage.records import build_record

__all__ = [
    "Admitted",
    "Draft",
    "IngestContext",
    "Prepared",
    "Services",
    "Steps",
    "access_level_for",
    "build_document",
    "derive",
    "extract",
    "index",
    "load_document",
    "preflight",
    "prepare",
    "recognize",
    "run_file",
    "run_files",
    "store",
    "store_original",
    "totals",
]

log = logging.getLogger(__name__)

_SECRET_MARKS = {"mật", "tối mật", "tuyệt mật"}


@dataclass(frozen=True)
class IngestContext:
    """Everything the steps need about a batch, built once from the settings at the edge; picklable."""

    batch: str
    ocr: OcrContext
    uploader: str | None = None
    dossier_code: str | None = None
    default_access: AccessLevel = AccessLevel.INTERNAL
    searchable_pdf: bool = True
    thumbnails: bool = True
    #: the scan quality gate and splitting (pipeline.gate): per batch
    gate: GateContext = field(default_factory=GateContext)


@dataclass(frozen=True)
class Services:
    """The services of one batch: the archive store and the search index (one of each per process)."""

    store: ObjectStore
    index: SearchIndex
    #: set once indexing failed after its retries: later documents go straight to the pending list
    index_down: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Admitted:
    """A file that passed preflight: its real type and content address."""

    item: BatchItem
    media_type: str
    digest: Digest

    @property
    def sha256(self) -> str:
        """The original's SHA-256."""
        return self.digest.sha256


@dataclass(frozen=True)
class Draft:
    """One document found in a source file: its record and the OCR of its pages."""

    document: Document
    ocr: OcrDocument
    #: the quality gate's verdict on the whole source file (the same for every draft of the file)
    gate: GatedFile | None = None


# -- the steps ---------------------------------------------------------------------------------------


def load_document(store: ObjectStore, sha256: str) -> Document | None:
    """The finished document for this original, or None if it was never completed."""
    try:
        return Document.model_validate(store.get_json(sha256, ARTIFACT_DOCUMENT))
    except ObjectNotFoundError:
        return None


def preflight(
    item: BatchItem, ctx: IngestContext, store: ObjectStore, seen: Mapping[str, str]
) -> Admitted | FileResult:
    """Sniff and hash the file once; a duplicate (of an earlier file of ``seen``, or finished) stops here.

    Args:
        item: The file.
        ctx: The batch.
        store: The archive, asked whether the same bytes were already ingested.
        seen: SHA-256 → name of the files admitted before this one in the batch.

    Raises:
        InputError: the file is not a readable scan (empty, truncated, another type).
    """
    if item.damaged:
        raise CorruptFileError(f"{item.name}: damaged inside its zip ({item.damaged}); zip or copy it again")
    if item.path.is_symlink():
        raise InputError(f"{item.name} is a symbolic link; links are not followed (copy the file itself)")
    media_type = ocr.sniff(item.path)
    digest = sha256_file(item.path)
    if digest.sha256 in seen:
        return FileResult(
            path=item.name,
            status=FileStatus.DUPLICATE,
            document_id=digest.sha256,
            reasons=[f"same content as {seen[digest.sha256]} in this batch"],
        )
    done = load_document(store, digest.sha256)
    split = load_split(store, digest.sha256) if done is None else None
    if split is not None:  # a scanned file split into documents at an earlier run
        return FileResult(
            path=item.name,
            status=FileStatus.DUPLICATE,
            document_id=split.documents[0] if split.documents else None,
            pages=split.plan.page_count,
            reasons=["already ingested and split into documents"],
            original=digest.sha256,
        )
    if done is not None:
        return FileResult(
            path=item.name,
            status=FileStatus.DUPLICATE,
            document_id=done.id,
            pages=done.page_count,
            reasons=[f"already ingested in batch {done.batch}"] if done.batch else [],
            so_ky_hieu=done.metadata.value("so_ky_hieu"),
        )
    return Admitted(item, media_type, digest)


def store_original(admitted: Admitted, ctx: IngestContext, store: ObjectStore) -> PutResult:
    """Store the original under its SHA-256 (nothing is uploaded when the bytes are already there)."""
    return store.put_original(
        admitted.item.path,
        file_name=admitted.item.name,
        media_type=admitted.media_type,
        batch=ctx.batch,
        uploader=ctx.uploader,
        digest=admitted.digest,
    )


@dataclass(frozen=True)
class Prepared:
    """A file validated as a whole, with its pages described (no pixels) and their work folder."""

    admitted: Admitted
    pages: list[PageInput]
    workdir: Path


def prepare(admitted: Admitted, ctx: IngestContext, workdir: Path) -> Prepared:
    """Validate the whole file and describe its pages, in a page worker (under its limits).

    Raises:
        InputError: the whole file is unreadable (corrupt, encrypted, over the pixel or page limits).
        WorkerCrashedError: the file killed two workers.
    """
    pages = ocr.prepare(
        admitted.item.path, ctx.ocr, media_type=admitted.media_type, workdir=workdir, name=admitted.item.name
    )
    return Prepared(admitted, pages, workdir)


def recognize(prepared: Prepared, ctx: IngestContext) -> OcrDocument:
    """OCR every page on the process's page pool; a failed page comes back failed, not raised.

    Raises:
        WorkerCrashedError: a page killed two workers.
    """
    admitted = prepared.admitted
    return ocr.recognize(
        prepared.pages,
        ctx.ocr,
        name=admitted.item.name,
        media_type=admitted.media_type,
        sha256=admitted.sha256,
        workdir=prepared.workdir,
        pdf_pages=ctx.searchable_pdf,
        thumbnails=ctx.thumbnails,
        priority=float(admitted.digest.size) / 1e9,  # between documents of equal page counts: larger first
    )


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
    """The document record from its OCR result, metadata and manifest row.

    Pages that failed send the document to review, each with its reason.
    """
    failed = [p for p in ocr_doc.pages if p.source is PageSource.FAILED]
    if failed:
        reasons = [f"page {p.number} failed: {p.error.type if p.error else 'unreadable'}" for p in failed]
        metadata = metadata.model_copy(
            update={"needs_review": True, "reasons": [*metadata.reasons, *reasons]}
        )
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


def extract(ocr_doc: OcrDocument, admitted: Admitted, ctx: IngestContext) -> list[Draft]:
    """The quality gate, then metadata and the record of each document the file holds (pipeline.gate)."""
    row = admitted.item.manifest
    gated = gate_file(
        ocr_doc, ctx.gate, sha256=admitted.sha256, expected_pages=row.expected_pages if row else None
    )
    # the file name and the PDF's signatures witness the values of a file holding one document; a box
    # split into several has neither for each of them (#12's witnesses)
    witnesses = (
        witnesses_for(admitted.item.path, admitted.item.name, admitted.media_type)
        if not gated.split
        else Witnesses()
    )
    drafts = []
    for part in gated.parts:
        metadata = extract_metadata(part.ocr, witnesses)
        document = build_document(
            sha256=admitted.sha256,
            name=admitted.item.name,
            media_type=admitted.media_type,
            size=admitted.digest.size,
            ocr_doc=part.ocr,
            metadata=metadata,
            row=row,
            ctx=ctx,
        )
        document = document.model_copy(update={"signatures": list(witnesses.signatures)})
        drafts.append(Draft(apply_gate(document, part), part.ocr, gated))
    return drafts


def derive(draft: Draft, admitted: Admitted, ctx: IngestContext, workdir: Path) -> ocr.Derived:
    """Searchable PDF and thumbnails, as one job on the page pool (the original is decoded there)."""
    want_pdf = ctx.searchable_pdf
    if not (want_pdf or ctx.thumbnails):
        return ocr.Derived(None, [])
    source = draft.document.source  # a part of a split file: the file's own page numbers find its pages
    job: Future[ocr.Derived] = ocr.page_pool(ctx.ocr).submit(
        ocr.derive,
        admitted.item.path,
        file_numbered(draft.ocr, source),
        ctx.ocr,
        workdir=workdir,
        pdf_out=workdir / f"{draft.document.id}.pdf" if want_pdf else None,
        thumbnails=ctx.thumbnails and source is None,
        priority=ocr.DERIVE_PRIORITY,
        label=f"{admitted.item.name}: searchable PDF and thumbnails",
    )
    derived = job.result()
    if source is not None and ctx.thumbnails:
        # a part of a split file: its pages' images, numbered as the part
        thumbs = part_thumbnails(
            workdir, source, pdf=derived.pdf, original=admitted.item.path, media_type=admitted.media_type,
            ctx=ctx.ocr,
        )  # fmt: skip
        return ocr.Derived(derived.pdf, thumbs)
    return derived


def store(draft: Draft, derived: ocr.Derived, store: ObjectStore) -> Document:
    """Store OCR, metadata, thumbnails and searchable PDF, then ``document.json`` (the completion mark)."""
    document, sha = draft.document, draft.document.id
    store.put_json(sha, ARTIFACT_OCR, draft.ocr)
    store.put_json(sha, ARTIFACT_METADATA, document.metadata)
    for number, jpeg in derived.thumbnails:
        store.put_artifact(sha, thumbnail_name(number), jpeg, content_type="image/jpeg")
    if derived.pdf is not None:
        store.put_artifact(sha, ARTIFACT_PDF, derived.pdf, content_type="application/pdf")
    store.put_json(sha, ARTIFACT_DOCUMENT, document)
    log.info("%s: stored (%d pages)", sha[:12], document.page_count)
    gated, source = draft.gate, document.source
    if gated is not None and gated.split and source is not None and source.part == source.parts:
        # the last part of a split file is stored: the split (and the whole file's OCR) completes the file
        store_split(store, source.sha256, stored_split(gated, source.file_name), gated.ocr)
    return document


def index(draft: Draft, search: SearchIndex) -> bool:
    """Index a stored document from its record (the same record a reindex builds from storage)."""
    stats = search.index_records([build_record(draft.document, draft.ocr)], refresh=False)
    if stats.failed:
        log.error("%s: refused by the index: %s", draft.document.id[:12], "; ".join(stats.errors[:1]))
    return stats.failed == 0


@dataclass(frozen=True)
class Steps:
    """The steps :func:`run_file` calls, in order (the flow passes Prefect-wrapped ones)."""

    preflight: Callable[[BatchItem, IngestContext, ObjectStore, Mapping[str, str]], Admitted | FileResult] = (
        preflight
    )
    prepare: Callable[[Admitted, IngestContext, Path], Prepared] = prepare
    store_original: Callable[[Admitted, IngestContext, ObjectStore], PutResult] = store_original
    recognize: Callable[[Prepared, IngestContext], OcrDocument] = recognize
    extract: Callable[[OcrDocument, Admitted, IngestContext], list[Draft]] = extract
    derive: Callable[[Draft, Admitted, IngestContext, Path], ocr.Derived] = derive
    store: Callable[[Draft, ocr.Derived, ObjectStore], Document] = store
    index: Callable[[Draft, SearchIndex], bool] = index


# -- running the chain -------------------------------------------------------------------------------


def failed_result(name: str, error: BaseException, *, document_id: str | None = None) -> FileResult:
    """A file's failed line in the report: the error's own type, its message and what to do."""
    return FileResult(path=name, status=FileStatus.FAILED, document_id=document_id, error=error_info(error))


def _stored_result(name: str, drafts: list[Draft], indexed: bool, seconds: float) -> FileResult:
    first = drafts[0].document
    failed = sorted({n for d in drafts for n in d.ocr.failed_pages})
    reasons = [r for d in drafts for r in d.document.metadata.reasons]
    review = failed or any(d.document.metadata.needs_review for d in drafts)
    gated = drafts[0].gate
    gate_fields = (
        file_result(
            gated,
            [(d.document, d.document.metadata.value("so_ky_hieu")) for d in drafts],
            sha256=first.source.sha256 if first.source else first.id,
        )  # fmt: skip
        if gated is not None
        else {}
    )
    if any(d.document.needs_rescan for d in drafts):
        review = True
        reasons.append("cần quét lại / rescan (see the scan quality section)")
    return FileResult(
        **gate_fields,
        path=name,
        status=FileStatus.NEEDS_REVIEW if review else FileStatus.STORED,
        document_id=first.id,
        # the scanned file's pages (separator sheets too): what the manifest's expected_pages counts
        pages=gated.plan.page_count if gated is not None else sum(d.document.page_count for d in drafts),
        failed_pages=failed,
        reasons=reasons,
        so_ky_hieu=first.metadata.value("so_ky_hieu"),
        indexed=indexed,
        seconds=round(seconds, 2),
    )


def _index_or_mark(draft: Draft, services: Services, steps: Steps) -> bool:
    """Index one document; when the index is down, remember it for ``sohoa reindex`` / the nightly run."""
    if not services.index_down.is_set():
        try:
            return steps.index(draft, services.index)
        except ServiceError as e:
            # Originals and OCR are safe in storage; the pending list completes this later.
            services.index_down.set()
            log.error("indexing failed after retries (%s); this batch's documents wait for reindex", e)
    services.store.mark_pending_index([draft.document.id])
    return False


class _Clock:
    """Seconds per step of one file, for its log line (where a document's time went)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - self._last
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{k} {v:.2f} s" for k, v in self.seconds.items())


def _process(
    admitted: Admitted, ctx: IngestContext, services: Services, steps: Steps, work: Path
) -> FileResult:
    started = time.monotonic()
    name = admitted.item.name
    clock = _Clock()
    with tempfile.TemporaryDirectory(prefix="doc-", dir=work) as tmp:
        workdir = Path(tmp)
        prepared = steps.prepare(admitted, ctx, workdir)
        clock.lap("prepare")
        steps.store_original(admitted, ctx, services.store)
        clock.lap("store original")
        ocr_doc = steps.recognize(prepared, ctx)
        clock.lap("ocr")
        drafts = steps.extract(ocr_doc, admitted, ctx)
        clock.lap("extract")
        indexed = True
        for draft in drafts:
            derived = steps.derive(draft, admitted, ctx, workdir)
            clock.lap("derive")
            steps.store(draft, derived, services.store)
            clock.lap("store")
            indexed = _index_or_mark(draft, services, steps) and indexed
            clock.lap("index")
    log.info("%s (%s): %d pages; %s", name, admitted.sha256[:12], len(ocr_doc.pages), clock)
    return _stored_result(name, drafts, indexed, time.monotonic() - started)


def run_file(
    admitted: Admitted, ctx: IngestContext, services: Services, steps: Steps, work: Path
) -> FileResult:
    """Run the steps after preflight for one file; whatever goes wrong becomes the file's failed result."""
    try:
        return _process(admitted, ctx, services, steps, work)
    except InputError as e:  # a bad file: its message says what to do; a traceback would add nothing
        log.warning("%s: failed: %s: %s", admitted.item.name, type(e).__name__, e)
        return failed_result(admitted.item.name, e, document_id=admitted.sha256)
    except Exception as e:  # noqa: BLE001 - the per-file guard: no file can take the batch down
        log.error("%s: failed: %s: %s", admitted.item.name, type(e).__name__, e, exc_info=True)
        return failed_result(admitted.item.name, e, document_id=admitted.sha256)


def run_files(
    items: Iterable[BatchItem],
    ctx: IngestContext,
    services: Services,
    *,
    steps: Steps = Steps(),
    work: Path,
    window: int,
    on_result: Callable[[FileResult], None] | None = None,
    runner: Callable[[Admitted, IngestContext, Services, Steps, Path], FileResult] = run_file,
) -> list[FileResult]:
    """Run the chain for every file, largest first, ``window`` files at a time; results in input order.

    Preflight runs here in order of size (largest first; files of equal content, hence equal size, in name
    order, so the later name is the duplicate); each admitted file then runs on one of ``window`` threads,
    which all feed the one page pool. The caller's context variables (a Prefect flow run's) follow each file.

    Args:
        items: The batch's files.
        ctx: The batch.
        services: Store and index.
        steps: The steps (default: the plain functions of this module).
        work: A folder for the documents' temporary files.
        window: Files in flight at once (bounds memory and temporary space).
        on_result: Called with each file's result as soon as it is known (any thread, one at a time).
        runner: Runs the steps after preflight for one file (default :func:`run_file`; the flow wraps it in
            a Prefect task per file).
    """
    items = list(items)
    results: dict[str, FileResult] = {}
    lock = threading.Lock()

    def done(result: FileResult) -> None:
        with lock:
            results[result.path] = result
            if on_result is not None:
                try:
                    on_result(result)
                except Exception:  # noqa: BLE001 - progress display only
                    log.warning("progress callback failed", exc_info=True)
        release_free_memory()  # each file's buffers were freed on a thread's own arena

    def guarded(admitted: Admitted) -> FileResult:
        try:
            return runner(admitted, ctx, services, steps, work)
        except Exception as e:  # noqa: BLE001 - a runner's own failure (its orchestration) fails the file only
            log.error("%s: failed: %s: %s", admitted.item.name, type(e).__name__, e, exc_info=True)
            return failed_result(admitted.item.name, e, document_id=admitted.sha256)

    seen: dict[str, str] = {}
    futures: list[Future[FileResult]] = []
    with ThreadPoolExecutor(max_workers=max(1, window), thread_name_prefix="sohoa-file") as threads:
        for item in sorted(items, key=lambda i: (-_size(i.path), i.name)):
            try:
                outcome = steps.preflight(item, ctx, services.store, dict(seen))
            except Exception as e:  # noqa: BLE001 - the per-file guard, for preflight
                log.warning("%s: refused: %s: %s", item.name, type(e).__name__, e)
                done(failed_result(item.name, e))
                continue
            if isinstance(outcome, FileResult):
                done(outcome)
                continue
            seen[outcome.sha256] = item.name
            run = contextvars.copy_context().run
            future = threads.submit(run, guarded, outcome)
            future.add_done_callback(lambda f: done(f.result()))
            futures.append(future)
    return [results[i.name] for i in items]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


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
