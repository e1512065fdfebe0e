"""Flows over what is stored: ``reindex`` (rebuild the index from MinIO alone) and ``fixity_audit``."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.tasks import RETRIES
from sohoa.errors import IntegrityError, ObjectNotFoundError, ServiceError
from sohoa.settings import get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore, shared_store
from storage.reindex import reindex_from_store

__all__ = ["fixity_audit", "reindex"]

log = logging.getLogger(__name__)


@task(name="rebuild-index", **RETRIES)
def _rebuild() -> dict[str, Any]:
    settings = get_settings()
    store = shared_store(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    logger = get_run_logger()

    def progress(done: int, total: int) -> None:
        if total and (done == total or done % 1000 == 0):
            logger.info("reindex: %d / %d documents", done, total)

    report = reindex_from_store(store, index, progress=progress)
    # Everything stored is now indexed, including what waited for an index outage.
    store.clear_pending_index()
    return asdict(report)


@flow(name="reindex", log_prints=False, persist_result=False)
def reindex() -> dict[str, Any]:
    """Build a fresh index from every stored document (no re-OCR) and swap the alias to it."""
    result = _rebuild()
    create_markdown_artifact(
        key="reindex-report",
        markdown="# Reindex\n\n" + "\n".join(f"- **{k}**: {v}" for k, v in result.items()),
    )
    return result


def _verify(store: ObjectStore, sha: str) -> dict[str, str] | None:
    try:
        store.verify(sha)
    except IntegrityError as e:
        return {"document": sha, "problem": "checksum mismatch", "detail": e.message}
    except ObjectNotFoundError as e:
        return {"document": sha, "problem": "missing", "detail": e.message}
    return None


@flow(name="fixity-audit", log_prints=False, persist_result=False)
def fixity_audit(workers: int = 4) -> dict[str, Any]:
    """Re-hash every stored original and report any whose bytes changed or disappeared.

    Every original with a ``document.json`` must still exist; every stored original must still match its
    SHA-256 content address.
    """
    logger = get_run_logger()
    store = shared_store(get_settings().minio)
    try:
        shas = sorted(set(store.iter_originals()) | set(store.iter_documents()))
    except ServiceError:
        logger.error("fixity audit: storage unreachable")
        raise
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fixity") as pool:
        problems = [p for p in pool.map(lambda s: _verify(store, s), shas) if p is not None]
    for p in problems:
        logger.error("fixity: %s %s: %s", p["document"][:12], p["problem"], p["detail"])
    summary = {"checked": len(shas), "ok": len(shas) - len(problems), "problems": problems}
    logger.info("fixity audit: %d checked, %d problems", len(shas), len(problems))
    if problems:
        create_table_artifact(key="fixity-problems", table=problems, description="Originals failing fixity")
    create_markdown_artifact(
        key="fixity-audit",
        markdown=f"# Fixity audit\n\n{len(shas)} originals checked, **{len(problems)} problems**.\n",
    )
    return summary
