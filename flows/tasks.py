"""Prefect tasks: thin wrappers that give the stages retries, names and states in the Prefect UI.

Only service I/O is retried (``ServiceError``, with exponential backoff); bad input and OCR failures are
never retried because they cannot succeed later.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from prefect import Task, task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import exponential_backoff

import ocr
from pipeline import stages
from pipeline.batch import ManifestRow
from pipeline.metadata import extract
from pipeline.metadata.witnesses import witnesses_for
from sohoa.errors import ServiceError
from sohoa.model.document import Document
from sohoa.model.ocr import OcrDocument
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore, PutResult
from storage.reindex import load_record

log = logging.getLogger(__name__)


def retry_service_errors(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only when a service failed (MinIO or Elasticsearch down, timeouts)."""
    try:
        state.result()
    except ServiceError:
        return True
    except Exception:  # noqa: BLE001 - anything else is not worth retrying
        return False
    return False


SERVICE_RETRIES: dict[str, Any] = {
    "retries": 4,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_service_errors,
}


@task(name="sniff", task_run_name="sniff {name}")
def sniff(path: Path, name: str) -> str:
    """The content type from the bytes (raises an InputError for bad files)."""
    return ocr.sniff(path)


@task(name="store-original", task_run_name="store {name}", **SERVICE_RETRIES)
def store_original(
    settings: Settings, path: Path, name: str, media_type: str, batch: str, uploader: str | None
) -> PutResult:
    """Store the original under its SHA-256 (no-op if the bytes are already stored)."""
    return ObjectStore.from_settings(settings.minio).put_original(
        path, file_name=name, media_type=media_type, batch=batch, uploader=uploader
    )


@task(name="load-document", task_run_name="done? {sha256:.12}", **SERVICE_RETRIES)
def load_document(settings: Settings, sha256: str) -> Document | None:
    """The finished document for an original, if an earlier run completed it."""
    return stages.load_document(ObjectStore.from_settings(settings.minio), sha256)


@task(name="ocr-document", task_run_name="ocr {name}")
def ocr_document(path: Path, name: str, ctx: stages.IngestContext, pdf_out: Path | None) -> OcrDocument:
    """OCR every page (in parallel, one Tesseract call each, which also yields the searchable PDF page).

    A failing page comes back as a failed page; a bad file raises its InputError. Never retried.
    """
    return ocr.ocr_file(path, ctx.ocr, pdf_out=pdf_out)


@task(name="finish-document", task_run_name="finish {name}", **SERVICE_RETRIES)
def finish_document(
    settings: Settings,
    *,
    path: Path,
    name: str,
    sha256: str,
    media_type: str,
    size: int,
    ocr_doc: OcrDocument,
    pdf: Path | None,
    row: ManifestRow | None,
    ctx: stages.IngestContext,
) -> Document:
    """Extract metadata and store every derived artifact; ``document.json`` last."""
    ocr_doc = ocr_doc.model_copy(update={"file_name": name})
    witnesses = witnesses_for(path, name, media_type)
    metadata = extract(ocr_doc, witnesses)
    document = stages.build_document(
        sha256=sha256,
        name=name,
        media_type=media_type,
        size=size,
        ocr_doc=ocr_doc,
        metadata=metadata,
        row=row,
        ctx=ctx,
    ).model_copy(update={"signatures": list(witnesses.signatures)})
    pdf = pdf if pdf is not None and pdf.is_file() else None
    thumbs = (
        stages.page_thumbnails(pdf or path, "application/pdf" if pdf else media_type)
        if ctx.thumbnails
        else []
    )
    stages.store_derived(
        ObjectStore.from_settings(settings.minio), document, ocr_doc, thumbnails=thumbs, pdf=pdf
    )
    return document


@task(name="index-documents", task_run_name="index {count} documents", **SERVICE_RETRIES)
def index_documents(settings: Settings, shas: list[str], count: int) -> list[str]:
    """Index documents from what is stored (so the index never holds what storage lacks)."""
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    index.ensure()
    records = [r for sha in shas if (r := load_record(store, sha)) is not None]
    stats = index.index_records(records)
    if stats.failed:
        log.error("%d documents refused by the index: %s", stats.failed, "; ".join(stats.errors[:3]))
    refused = {e.split(":", 1)[0] for e in stats.errors}
    return [r["sha256"] for r in records if r["sha256"] not in refused]
