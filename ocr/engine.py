"""Whole documents: pages spread over a process pool, results assembled, optional searchable PDF.

Each worker runs one page at a time with one single-threaded Tesseract (``OMP_THREAD_LIMIT=1`` in the
child's environment), so memory is bounded by ``jobs`` page images. Temporary files live in one folder per
document that is removed when the document is done, whatever happens.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr._exec import tesseract
from ocr.context import OcrContext
from ocr.document import prepare_pages
from ocr.page import ocr_page
from ocr.searchable import merge_pdf
from ocr.sniff import sniff
from sohoa.errors import SohoaError
from sohoa.model.ocr import OcrDocument, OcrPage, PageInput

__all__ = ["FileResult", "ProgressCallback", "assemble", "default_jobs", "ocr_file", "ocr_files"]

log = logging.getLogger(__name__)

#: called after each page with (file name, page number, pages in that file)
ProgressCallback = Callable[[str, int, int], None]


def default_jobs(jobs: int | None = None) -> int:
    """Worker count: ``jobs`` if positive, else one per usable core."""
    if jobs and jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


class _InProcess(Executor):
    """Runs submitted calls immediately (jobs=1, or inside a worker that must not fork)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - delivered through the future like a pool would
            future.set_exception(e)
        return future


def _page_task(page: PageInput, ctx: OcrContext, pdf_base: str | None) -> OcrPage:
    return ocr_page(page, ctx, pdf_base=pdf_base)


@dataclass(frozen=True)
class FileResult:
    """One file's outcome in a batch: a document, or the whole-file error."""

    path: Path
    document: OcrDocument | None
    error: SohoaError | None


#: how pool workers start. Not "fork": callers (Prefect flows, the web app) run background threads, and a
#: forked child inherits their locks mid-use. The fork server is started once, with the OCR modules
#: already imported, so each later pool's workers start as fast as forked ones.
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _start_method() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if getattr(main, "__spec__", None) is None and path is not None and not Path(path).is_file():
        # a script read from stdin (`python - <<EOF`): new workers could not re-import it; fork instead
        return "fork"
    return START_METHOD


def _mp_context(method: str | None = None) -> multiprocessing.context.BaseContext:
    mp = multiprocessing.get_context(method or _start_method())
    if mp.get_start_method() == "forkserver":
        # only effective before the server starts; later calls are no-ops
        mp.set_forkserver_preload(["ocr.page"])
    return mp


def _pool(jobs: int) -> Executor:
    # a daemonic worker (Dask, multiprocessing.Pool) may not start children: run its pages in-process
    if jobs <= 1 or multiprocessing.current_process().daemon:
        return _InProcess()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context())


def ocr_files(
    paths: Iterable[Path | str],
    ctx: OcrContext,
    *,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    pdf_out: Callable[[Path], Path | None] | None = None,
    window: int | None = None,
) -> Iterator[FileResult]:
    """OCR many files with one process pool, yielding each file's result in input order.

    Pages of the next files are queued while the current one finishes, so the pool stays busy across
    file boundaries; at most ``window`` files are open at a time (bounded memory and temp space).

    Args:
        paths: the originals (never modified).
        ctx: the OCR context.
        jobs: worker processes (default: one per core, or ``ctx.jobs`` when set).
        progress: called after each page.
        pdf_out: maps a file to where its searchable PDF goes (None: no PDF for that file).
        window: files in flight at once (default ``2 * jobs``).
    """
    workers = default_jobs(jobs or ctx.jobs)
    tesseract.check_languages(ctx.languages)
    window = window or 2 * workers
    with ExitStack() as stack:
        pool = stack.enter_context(_pool(workers))
        pending: list[tuple[Path, Callable[[], FileResult]]] = []
        for raw in paths:
            path = Path(raw)
            pending.append((path, _start(path, ctx, pool, progress, pdf_out(path) if pdf_out else None)))
            while len(pending) > window:
                yield pending.pop(0)[1]()
        while pending:
            yield pending.pop(0)[1]()


def _start(
    path: Path, ctx: OcrContext, pool: Executor, progress: ProgressCallback | None, pdf_target: Path | None
) -> Callable[[], FileResult]:
    """Validate a file and queue its pages; returns a function that waits and assembles."""
    started = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="sohoa-ocr-")
    try:
        media = sniff(path)
        digest = sha256_of(path)
        pages = prepare_pages(path, ctx, tmp.name)
    except SohoaError as e:
        tmp.cleanup()
        log.warning("%s: %s: %s", path.name, type(e).__name__, e.message)
        error = e  # `e` is unbound after the except block; the closure needs its own name
        return lambda: FileResult(path, None, error)
    except Exception:
        tmp.cleanup()
        raise
    bases = [str(Path(tmp.name) / f"out-{p.number:05d}") if pdf_target else None for p in pages]
    futures = [pool.submit(_page_task, p, ctx, b) for p, b in zip(pages, bases, strict=True)]

    def finish() -> FileResult:
        try:
            results = []
            for future in futures:
                page = future.result()
                results.append(page)
                if progress:
                    progress(path.name, page.number, len(pages))
            doc = assemble(path.name, digest, media, results, ctx, seconds=time.perf_counter() - started)
            if pdf_target is not None:
                merge_pdf(path, doc, [Path(f"{b}.pdf") if b else None for b in bases], pdf_target)
            log.info(
                "%s: %d pages in %.1f s (%d failed)",
                path.name,
                len(results),
                doc.seconds,
                len(doc.failed_pages),
            )
            return FileResult(path, doc, None)
        finally:
            for future in futures:
                future.cancel()
            tmp.cleanup()

    return finish


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
    (result,) = list(
        ocr_files([path], ctx, jobs=jobs, progress=progress, pdf_out=(lambda _p: target) if target else None)
    )
    if result.error is not None:
        raise result.error
    assert result.document is not None
    return result.document


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
