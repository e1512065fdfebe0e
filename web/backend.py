"""Everything the web app asks of storage and flows, behind one small class.

Routes never import ``storage`` or ``flows`` directly: when those APIs change, this module is the one place
that follows. Access control is NOT done here (routes check the user against what this returns) except
that :meth:`Backend.search` only ever runs the query it is given, whose access levels the route set.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sohoa.errors import InputError, ObjectNotFoundError
from sohoa.model.archive import ARTIFACT_ARCHIVE_PDF, ARTIFACT_ARCHIVE_RECORD, ArchiveRecord
from sohoa.model.document import Document
from sohoa.model.filetypes import content_type
from sohoa.model.ocr import OcrDocument
from sohoa.model.report import BatchProgress, BatchReport, BatchState
from sohoa.model.search import SearchQuery, SearchResult
from sohoa.model.split import SplitMode
from sohoa.settings import Settings
from storage.index import SearchIndex, make_client
from storage.objects import (
    ARTIFACT_DOCUMENT,
    ARTIFACT_OCR,
    ARTIFACT_PDF,
    ObjectStore,
    staging_prefix,
    thumbnail_name,
)

__all__ = ["Backend", "BatchSummary", "DocumentView", "Launcher", "is_batch_id", "is_document_id"]

log = logging.getLogger(__name__)

_DOC_ID = re.compile(r"^[0-9a-f]{64}$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: presigned links handed to a browser live this long at most (the route re-checks access each time)
LINK_SECONDS = 300
#: a running batch's flow run state is asked of Prefect at most this often (the pages poll every second)
_RUN_CHECK_SECONDS = 5.0
#: ``start_batch(source, *, batch_id, manifest, uploader) -> batch_id`` (flows.launch.start_batch)
Launcher = Callable[..., str]


def is_document_id(value: str) -> bool:
    """Whether ``value`` looks like a document id (a lowercase SHA-256)."""
    return bool(_DOC_ID.match(value))


def is_batch_id(value: str) -> bool:
    """Whether ``value`` is a valid batch id."""
    return bool(_BATCH_ID.match(value)) and ".." not in value


@dataclass(frozen=True)
class DocumentView:
    """A stored document with its OCR pages and which artifacts exist."""

    document: Document
    ocr: OcrDocument | None
    thumbnails: frozenset[int] = field(default_factory=frozenset)
    has_pdf: bool = False
    archive: ArchiveRecord | None = None  # the archive copy's record (#17), when one was made


@dataclass(frozen=True)
class BatchSummary:
    """A line of the recent-batches list."""

    batch: str
    state: str
    files_total: int
    files_done: int
    pages_done: int
    failures: int
    updated_at: str | None
    uploader: str | None = None
    rescan: int = 0


def _default_launcher() -> Launcher:
    from flows.launch import start_batch

    return start_batch


def _default_batch_id() -> str:
    from flows.launch import new_batch_id

    return new_batch_id()


class Backend:
    """Search, documents, artifacts and batches for the web app."""

    def __init__(
        self,
        store: ObjectStore,
        index: SearchIndex,
        *,
        launcher: Launcher | None = None,
        new_batch_id: Callable[[], str] | None = None,
        stale_seconds: float = 180.0,
        prefect_api: str | None = None,
    ) -> None:
        """Wrap a store and an index.

        Args:
            store: The archive bucket (originals, artifacts, batch status and reports, uploads).
            index: The documents index.
            launcher: Starts a batch in the background (default ``flows.launch.start_batch``, imported
                lazily so the web app starts without Prefect loaded).
            new_batch_id: Makes batch ids (default ``flows.launch.new_batch_id``).
            stale_seconds: A running batch silent for this long has lost its worker.
            prefect_api: The Prefect API, asked for the state of a running batch's flow run (None: the
                heartbeat alone tells).
        """
        self.stale_seconds = stale_seconds
        self.prefect_api = prefect_api
        self._runs_checked: dict[str, float] = {}  # flow run id -> when Prefect last said it was alive
        self.store = store
        self.index = index
        self._launcher = launcher
        self._new_batch_id = new_batch_id or _default_batch_id

    @classmethod
    def from_settings(cls, settings: Settings) -> Backend:
        """The backend on the configured MinIO bucket and Elasticsearch index."""
        es = settings.elasticsearch
        return cls(
            ObjectStore.from_settings(settings.minio),
            SearchIndex(make_client(es, fast_json=True), prefix=es.index_prefix),
            stale_seconds=settings.web.batch_stale_seconds,
            prefect_api=settings.prefect.api_url,
        )

    # -- search and documents --------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a search exactly as given (the caller set ``access_levels`` from the user's clearance)."""
        return self.index.search(query)

    def document(self, doc_id: str) -> DocumentView | None:
        """A stored document (``document.json``, the source of truth) with its OCR pages, or None."""
        if not is_document_id(doc_id):
            return None
        try:
            document = Document.model_validate(self.store.get_json(doc_id, ARTIFACT_DOCUMENT))
        except ObjectNotFoundError:
            return None
        names = set(self.store.list_artifacts(doc_id))
        ocr = None
        if ARTIFACT_OCR in names:
            ocr = OcrDocument.model_validate(self.store.get_json(doc_id, ARTIFACT_OCR))
        pages = frozenset(n for n in range(1, max(document.page_count, 0) + 1) if thumbnail_name(n) in names)
        archive = None
        if ARTIFACT_ARCHIVE_RECORD in names:
            archive = ArchiveRecord.model_validate(self.store.get_json(doc_id, ARTIFACT_ARCHIVE_RECORD))
        return DocumentView(document, ocr, pages, ARTIFACT_PDF in names, archive)

    def thumbnail(self, doc_id: str, page: int) -> bytes | None:
        """A page image (JPEG), or None."""
        if not is_document_id(doc_id) or page < 1:
            return None
        try:
            return self.store.get_artifact(doc_id, thumbnail_name(page))
        except ObjectNotFoundError:
            return None

    def link(self, doc_id: str, kind: str) -> str:
        """A short-lived presigned link to the original (``kind="original"``) or the searchable PDF.

        Raises:
            ObjectNotFoundError: that object is not stored.
        """
        artifact = {"original": None, "archive_pdf": ARTIFACT_ARCHIVE_PDF}.get(kind, ARTIFACT_PDF)
        if artifact is not None:
            self.store.stat(f"derived/{doc_id}/{artifact}")
        ttl = min(LINK_SECONDS, self.store.presign_seconds)
        return self.store.presigned_url(doc_id, artifact, expires=timedelta(seconds=ttl))

    # -- batches ---------------------------------------------------------------------------------

    def new_batch_id(self) -> str:
        """A fresh batch id."""
        return self._new_batch_id()

    def start_batch(
        self,
        batch_id: str,
        files: list[tuple[str, Path]],
        *,
        uploader: str,
        split: SplitMode | None = None,
        expect_color: bool = False,
    ) -> str:
        """Stage an upload under ``uploads/<batch>/`` in the archive bucket and start its ingestion.

        Args:
            batch_id: From :meth:`new_batch_id`.
            files: ``(path inside the batch, local file)``; a ``manifest.csv`` at the top is the manifest.
            uploader: The user name recorded on every original.
            split: How to split multi-document scans (None: the settings' default).
            expect_color: The batch was scanned in colour (bilevel or gray pages are findings).

        Returns:
            The batch id.
        """
        prefix = staging_prefix(batch_id)  # removed by the flow once the batch is reported
        for rel, path in files:
            self.store.put_file(prefix + rel, path, content_type=content_type(path))
        log.info("batch %s: %d uploaded files stored under %s by %s", batch_id, len(files), prefix, uploader)
        launcher = self._launcher or _default_launcher()
        options: dict[str, object] = {"split": split.value} if split is not None else {}
        if expect_color:
            options["expect_color"] = True
        return launcher(
            f"s3://{self.store.bucket}/{prefix}",
            batch_id=batch_id,
            manifest=None,
            uploader=uploader,
            **options,
        )

    def _batch_json(self, batch_id: str, name: str) -> Any:
        try:
            return self.store.get_batch_json(batch_id, name)
        except ObjectNotFoundError:
            return None

    def batch_status(self, batch_id: str) -> BatchProgress | None:
        """A batch's live progress, or None if it has none (yet).

        A queued or running batch whose worker died is marked failed here, with a report of what it had
        done: its process is gone, it went silent past ``stale_seconds``, or the Prefect server says its
        flow run crashed, failed or was cancelled.
        """
        if not is_batch_id(batch_id):
            return None
        data = self._batch_json(batch_id, "status.json")
        status = BatchProgress.model_validate(data) if data else None
        if status is None or status.state not in (BatchState.QUEUED, BatchState.RUNNING):
            return status
        from flows.progress import is_lost, stop_batch

        done = f"after {status.files_done} of {status.files_total} files"
        if is_lost(status, stale_seconds=self.stale_seconds):
            message = f"the worker {status.worker or ''} stopped {done}"
        elif (ended := self._run_ended(status)) is not None:
            message = f"the Prefect flow run {status.flow_run} ended {done} ({ended})"
        else:
            return status
        stop_batch(
            self.store, status, state=BatchState.FAILED, error={"type": "worker_lost", "message": message}
        )
        return status

    def _run_ended(self, status: BatchProgress) -> str | None:
        """How the batch's flow run ended, per the Prefect server (asked at most every few seconds)."""
        run = status.flow_run
        if not run or not self.prefect_api:
            return None
        now = time.monotonic()
        if now - self._runs_checked.get(run, -_RUN_CHECK_SECONDS) < _RUN_CHECK_SECONDS:
            return None
        from flows.progress import run_ended

        ended = run_ended(run, api_url=self.prefect_api)
        if ended is None:
            if len(self._runs_checked) > 1000:
                self._runs_checked.clear()  # ids of batches long finished
            self._runs_checked[run] = now
        else:
            self._runs_checked.pop(run, None)
        return ended

    def retry_batch(self, batch_id: str, *, uploader: str) -> str:
        """Run a failed or cancelled batch again; finished files are skipped (see flows.launch.retry_batch).

        Raises:
            InputError: the batch cannot be retried.
        """
        from flows.launch import retry_batch

        status = self.batch_status(batch_id)
        if status is None:
            raise InputError(f"batch {batch_id} not found")
        return retry_batch(status, uploader=uploader, start=self._launcher or _default_launcher())

    def cancel_batch(self, batch_id: str) -> BatchReport:
        """Stop a queued or running batch and mark it cancelled with its last known report.

        Raises:
            InputError: the batch is not queued or running.
        """
        from flows.launch import cancel_batch

        status = self.batch_status(batch_id)
        if status is None:
            raise InputError(f"batch {batch_id} not found")
        return cancel_batch(self.store, status)

    def batch_report(self, batch_id: str) -> BatchReport | None:
        """A finished batch's report, or None."""
        if not is_batch_id(batch_id):
            return None
        data = self._batch_json(batch_id, "report.json")
        return BatchReport.model_validate(data) if data else None

    def recent_batches(self, limit: int = 15) -> list[BatchSummary]:
        """The newest batches first (batch ids sort by start time), from their status or report."""
        ids = self.store.list_batches()[:limit]
        out = []
        for batch_id in ids:
            status = self.batch_status(batch_id)
            report = (
                self.batch_report(batch_id)
                if status is None or status.state not in (BatchState.QUEUED, BatchState.RUNNING)
                else None
            )
            if report is not None:
                t = report.totals
                out.append(
                    BatchSummary(
                        batch_id,
                        report.state.value,
                        t.files,
                        t.files,
                        t.pages,
                        t.failed,
                        report.finished_at or report.started_at,
                        report.uploader,
                        len(report.qa.rescan),
                    )  # fmt: skip
                )
            elif status is not None:
                out.append(
                    BatchSummary(
                        batch_id,
                        status.state.value,
                        status.files_total,
                        status.files_done,
                        status.pages_done,
                        len(status.failures),
                        status.updated_at,
                    )  # fmt: skip
                )
        return out
