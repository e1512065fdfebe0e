"""Whole documents: a file's pages spread over the process's one page pool, then assembled.

:func:`prepare` validates a file and describes its pages in a worker (so a hostile file is decoded only
under the pool's memory and time limits); :func:`recognize` then makes every page one job on the shared
pool, next to the pages of every other document in flight. A page that fails, times out or
runs out of memory comes back as a failed page; a file whose job killed two workers raises
:class:`~sohoa.errors.WorkerCrashedError`. :func:`ocr_file` and :func:`ocr_files` are the same for the
command line, with the searchable PDF made beside.
"""

from __future__ import annotations

import logging
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ocr._exec import tesseract
from ocr.context import OcrContext
from ocr.derive import derive, page_pdf_base, page_thumbnail_path
from ocr.document import prepare_pages
from ocr.page import failed_page, ocr_page
from ocr.pool import PoolLimits, default_jobs, shared_pool
from ocr.sniff import sniff
from sohoa.digest import sha256_file
from sohoa.errors import SohoaError, WorkerCrashedError
from sohoa.model.ocr import OcrDocument, OcrPage, PageInput

__all__ = [
    "DERIVE_PRIORITY",
    "JobRunner",
    "OcrOutcome",
    "ProgressCallback",
    "assemble",
    "default_jobs",
    "ocr_file",
    "ocr_files",
    "page_pool",
    "prepare",
    "recognize",
    "searchable_pdf",
]

log = logging.getLogger(__name__)

#: called after each page with (file name, page number, pages in that file)
ProgressCallback = Callable[[str, int, int], None]

#: a file's preparation runs before any page (page counts known early keep the queue full and ordered)
PREPARE_PRIORITY = 1e12
#: a document's searchable PDF and thumbnails run before more pages (finished documents free their files)
DERIVE_PRIORITY = 1e9


class JobRunner(Protocol):
    """Where page jobs run: the shared :class:`~ocr.pool.PagePool`, or in this process."""

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, priority: float = ..., label: str = ..., **kwargs: Any
    ) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)``."""
        ...


class _InProcess:
    """Runs jobs at once in this process (inside a daemonic worker, which may not start processes)."""

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, priority: float = 0.0, label: str = "", **kwargs: Any
    ) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - delivered through the future like the pool does
            future.set_exception(e)
        return future


def page_pool(ctx: OcrContext, jobs: int | None = None) -> JobRunner:
    """The process's page pool for this context (one per process), or in-process in a daemonic worker."""
    if multiprocessing.current_process().daemon:
        return _InProcess()
    limits = PoolLimits(memory_mb=ctx.worker_memory_mb, job_seconds=ctx.job_seconds)
    return shared_pool(default_jobs(jobs or ctx.jobs), limits)


def assemble(
    file_name: str,
    sha256: str,
    media_type: str,
    pages: Iterable[OcrPage],
    ctx: OcrContext,
    *,
    seconds: float = 0.0,
) -> OcrDocument:
    """Put OCR'd pages (in any order) together into the document result."""
    ordered = sorted(pages, key=lambda p: p.number)
    return OcrDocument(
        file_name=file_name,
        sha256=sha256,
        media_type=media_type,
        pages=ordered,
        languages=ctx.languages,
        engine=f"{tesseract.version()} ({ctx.languages}, oem {ctx.oem}, psm {ctx.psm})",
        seconds=round(seconds, 3),
    )


def _page_task(page: PageInput, ctx: OcrContext, pdf_base: str | None, thumbnail: str | None) -> OcrPage:
    return ocr_page(page, ctx, pdf_base=pdf_base, thumbnail=thumbnail)


def prepare(
    path: Path,
    ctx: OcrContext,
    *,
    media_type: str,
    workdir: Path,
    name: str | None = None,
    runner: JobRunner | None = None,
) -> list[PageInput]:
    """Validate a sniffed file as a whole and describe its pages, as one job on the page pool.

    The file is decoded in a worker, under the pool's memory and time limits, never in the caller.

    Raises:
        InputError: a subclass naming what is wrong with the whole file.
        WorkerCrashedError: the file killed two workers.
    """
    runner = runner or page_pool(ctx)
    tesseract.check_languages(ctx.languages)
    label = f"{name or path.name}: preparation"
    pages: list[PageInput] = runner.submit(
        prepare_pages, path, ctx, workdir, media_type, priority=PREPARE_PRIORITY, label=label
    ).result()
    return pages


def recognize(
    pages: list[PageInput],
    ctx: OcrContext,
    *,
    name: str,
    media_type: str,
    sha256: str,
    workdir: Path,
    pdf_pages: bool,
    thumbnails: bool = False,
    priority: float = 0.0,
    runner: JobRunner | None = None,
    progress: ProgressCallback | None = None,
) -> OcrDocument:
    """OCR every prepared page of one file on the page pool; a page's own failure fails that page only.

    Args:
        pages: from :func:`prepare`.
        ctx: the OCR context.
        name: the file's name (in its batch).
        media_type: from :func:`ocr.sniff`.
        sha256: the original's content address.
        workdir: the folder :func:`prepare` used (the caller removes it).
        pdf_pages: also write each page's text-layer PDF into ``workdir`` (for :func:`ocr.derive.derive`).
        thumbnails: also write each page's thumbnail into ``workdir`` (for :func:`ocr.derive.derive`).
        priority: added to the page count for the pages' place in the pool's queue (larger first).
        runner: where jobs run (default: :func:`page_pool`).
        progress: called after each page.

    Raises:
        WorkerCrashedError: one of the pages killed two workers (the file is hostile).
    """
    runner = runner or page_pool(ctx)
    started = time.perf_counter()
    bases = [str(page_pdf_base(workdir, p.number)) if pdf_pages else None for p in pages]
    thumbs = [str(page_thumbnail_path(workdir, p.number)) if thumbnails else None for p in pages]
    futures = [
        runner.submit(
            _page_task, p, ctx, b, t, priority=priority + len(pages), label=f"{name} page {p.number}"
        )
        for p, b, t in zip(pages, bases, thumbs, strict=True)
    ]
    results = []
    try:
        for page, future in zip(pages, futures, strict=True):
            try:
                result = future.result()
            except WorkerCrashedError:
                raise  # the file is hostile: it fails as a whole (and is quarantined by the nightly run)
            except Exception as e:  # noqa: BLE001 - a page's own failure (watchdog, memory) fails that page
                log.warning("%s page %d failed: %s: %s", name, page.number, type(e).__name__, e)
                result = failed_page(page, e)
            results.append(result)
            if progress:
                progress(name, result.number, len(pages))
    finally:
        for future in futures:
            future.cancel()
    doc = assemble(name, sha256, media_type, results, ctx, seconds=time.perf_counter() - started)
    log.info("%s: %d pages in %.1f s (%d failed)", name, len(results), doc.seconds, len(doc.failed_pages))
    return doc


@dataclass(frozen=True)
class OcrOutcome:
    """One file's OCR outcome on the command line: its document, or the whole-file error."""

    path: Path
    document: OcrDocument | None
    error: SohoaError | None


def _ocr_one(
    path: Path, ctx: OcrContext, runner: JobRunner, progress: ProgressCallback | None, pdf_out: Path | None
) -> OcrOutcome:
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        try:
            media = sniff(path)
            pages = prepare(path, ctx, media_type=media, workdir=Path(tmp), runner=runner)
            doc = recognize(
                pages,
                ctx,
                name=path.name,
                media_type=media,
                sha256=sha256_file(path).sha256,
                workdir=Path(tmp),
                pdf_pages=pdf_out is not None,
                runner=runner,
                progress=progress,
            )
            if pdf_out is not None:
                runner.submit(
                    derive,
                    path,
                    doc,
                    ctx,
                    workdir=Path(tmp),
                    pdf_out=pdf_out,
                    thumbnails=False,
                    priority=DERIVE_PRIORITY,
                    label=f"{path.name}: searchable PDF",
                ).result()
            return OcrOutcome(path, doc, None)
        except SohoaError as e:
            log.warning("%s: %s: %s", path.name, type(e).__name__, e.message)
            return OcrOutcome(path, None, e)


def ocr_files(
    paths: Iterable[Path | str],
    ctx: OcrContext,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    pdf_out: Callable[[Path], Path | None] | None = None,
    window: int | None = None,
) -> Iterator[OcrOutcome]:
    """OCR many files on the page pool, yielding each file's outcome in input order.

    Up to ``window`` files are in flight at once (default ``2 * jobs + 1``), so the pool stays busy across
    file boundaries while memory and temporary space stay bounded.

    Args:
        paths: the originals (never modified).
        ctx: the OCR context.
        jobs: worker processes (default: one per core, or ``ctx.jobs`` when set).
        progress: called after each page.
        pdf_out: maps a file to where its searchable PDF goes (None: no PDF for that file).
        window: files in flight at once.
    """
    runner = page_pool(ctx, jobs)
    window = window or 2 * default_jobs(jobs or ctx.jobs) + 1
    lock = threading.Lock()

    def guarded(name: str, number: int, count: int) -> None:
        if progress is not None:
            with lock:
                progress(name, number, count)

    with ThreadPoolExecutor(max_workers=window, thread_name_prefix="sohoa-ocr") as threads:
        pending: list[Future[OcrOutcome]] = []
        for raw in paths:
            path = Path(raw)
            target = pdf_out(path) if pdf_out else None
            pending.append(threads.submit(_ocr_one, path, ctx, runner, guarded, target))
            while len(pending) > window:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()


def ocr_file(
    path: Path | str,
    ctx: OcrContext,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    pdf_out: Path | str | None = None,
) -> OcrDocument:
    """OCR one file, its pages in parallel; optionally write its searchable PDF to ``pdf_out``.

    Raises:
        InputError: a subclass for a bad file (empty, truncated, corrupt, encrypted, too big, not a scan).
    """
    target = Path(pdf_out) if pdf_out is not None else None
    outcome = _ocr_one(Path(path), ctx, page_pool(ctx, jobs), progress, target)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.document is not None
    return outcome.document


def searchable_pdf(
    path: Path | str,
    out: Path | str,
    ctx: OcrContext,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
) -> OcrDocument:
    """Write a text-layer PDF of ``path`` to ``out`` (the original is never modified); returns the OCR."""
    return ocr_file(path, ctx, jobs=jobs, progress=progress, pdf_out=out)
