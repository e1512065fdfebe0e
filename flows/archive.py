"""``archive-build``: archive copies (PDF/A-2b, veraPDF-checked, signed) of stored documents.

Works over what MinIO holds (original + ocr.json), in chunks of ``chunk`` documents: each chunk is one
task (one veraPDF JVM for its files) whose records are stored before the next starts, so a crashed run
resumes where it stopped (documents with a passing copy are skipped).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact

from flows.tasks import RETRIES
from pipeline.archive.build import ArchiveContext
from pipeline.archive.stored import build_stored, document_ids
from pipeline.dossiers import DossierService
from sohoa.errors import DossierError, ServiceError
from sohoa.model.archive import ArchiveRecord
from sohoa.model.document import Document
from sohoa.settings import Settings, get_settings
from storage.index import SearchIndex
from storage.objects import shared_store

__all__ = ["archive_build", "archive_documents"]

log = logging.getLogger(__name__)


def _dossier_codes(settings: Settings) -> Callable[[Document], str | None]:
    """DocCode of a document from its dossier in the dossier store (None outside a dossier)."""
    service = DossierService.from_settings(settings)
    members: dict[str, dict[str, str]] = {}

    def code_of(document: Document) -> str | None:
        code = document.dossier_code
        if not code:
            return None
        if code not in members:
            try:
                members[code] = {e.member.doc_id: e.doc_code for e in service.view(code).entries}
            except (DossierError, ServiceError) as e:
                log.info("dossier %s: no docCode for its documents (%s)", code, e.message)
                members[code] = {}
        return members[code].get(document.id)

    return code_of


@task(name="archive-chunk", task_run_name="archive {first}..", **RETRIES)
def _chunk(shas: list[str], first: str, force: bool) -> list[dict[str, Any]]:
    settings = get_settings()
    store = shared_store(settings.minio)
    index: SearchIndex | None = SearchIndex.from_settings(settings.elasticsearch)
    ctx = ArchiveContext.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="sohoa-archive-") as tmp:
        records = build_stored(
            store,
            shas,
            ctx,
            work=Path(tmp) / "work",
            index=index,
            force=force,
            doc_code_of=_dossier_codes(settings),
        )
    return [r.model_dump(mode="json") for r in records]


def archive_documents(
    shas: list[str], *, force: bool = False, chunk: int = 25, on_chunk: Callable[[int], None] | None = None
) -> list[ArchiveRecord]:
    """The archive copies of these stored documents, ``chunk`` per task, inside a flow run.

    Used by :func:`archive_build` and, with ``SOHOA_ARCHIVE__WITH_INGEST``, at the end of ``ingest_batch``.
    ``on_chunk`` is told how many documents are done after each chunk.
    """
    records: list[ArchiveRecord] = []
    for i in range(0, len(shas), chunk):
        part = shas[i : i + chunk]
        records += [ArchiveRecord.model_validate(r) for r in _chunk(part, part[0][:12], force)]
        if on_chunk is not None:
            on_chunk(len(records))
    return records


@flow(name="archive-build", log_prints=False, persist_result=False)
def archive_build(
    batch: str | None = None, all_documents: bool = False, force: bool = False, chunk: int = 25
) -> dict[str, Any]:
    """Make the archive copy of every document of ``batch`` (or of every stored document).

    Args:
        batch: a batch id; its documents in the report's order.
        all_documents: every stored document (when no batch is given).
        force: re-make copies that already passed.
        chunk: documents per task (and per veraPDF call).
    """
    logger = get_run_logger()
    if batch is None and not all_documents:
        raise ValueError("give a batch id or all_documents=True")
    store = shared_store(get_settings().minio)
    try:
        shas = document_ids(store, batch=batch)
    except ServiceError:
        logger.error("archive: storage unreachable")
        raise
    total = len(shas)
    logger.info("archive: %d documents (%s)", total, f"batch {batch}" if batch else "all")
    bar = cast(
        UUID, create_progress_artifact(progress=0.0, key="archive-progress", description="Archive copies")
    )

    def done(n: int) -> None:
        update_progress_artifact(artifact_id=bar, progress=100.0 * n / max(total, 1))
        logger.info("archive: %d / %d documents", n, total)

    records = archive_documents(shas, force=force, chunk=chunk, on_chunk=done)
    failed = [r for r in records if not r.compliant]
    summary = {
        "documents": total,
        "compliant": total - len(failed),
        "failed": [{"document": r.document_id, "problems": r.problems} for r in failed],
    }
    lines = [f"# Archive copies\n\n{total} documents, **{len(failed)} failed** (sent to review).\n"]
    lines += [f"- `{r.document_id[:12]}`: {'; '.join(r.problems)[:300]}" for r in failed]
    create_markdown_artifact(key="archive-report", markdown="\n".join(lines))
    return summary
