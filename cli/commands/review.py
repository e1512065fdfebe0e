"""``sohoa reextract``: run metadata extraction again on stored OCR results, keeping every correction.

For an engine upgrade: no re-OCR (``ocr.json`` is read from MinIO), each document's new extraction is
merged with what people corrected (:func:`pipeline.correction.merge_extraction`) and saved as a new
version, then indexed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Annotated

import typer

from sohoa import __version__
from sohoa.errors import ObjectNotFoundError, SohoaError
from sohoa.settings import get_settings

__all__ = ["register"]

log = logging.getLogger(__name__)


def reextract(
    batch: Annotated[str | None, typer.Option("--batch", help="Only the documents of this batch")] = None,
    all_documents: Annotated[bool, typer.Option("--all", help="Every stored document")] = False,
    document: Annotated[list[str], typer.Option("--id", help="These document ids (repeatable)")] = [],  # noqa: B006
) -> None:
    """Re-run metadata extraction from stored OCR; corrected fields are never overwritten."""
    from pipeline.metadata import extract
    from pipeline.revise import documents_of, reextract_document
    from storage.index import SearchIndex
    from storage.objects import ObjectStore

    if not (batch or all_documents or document):
        raise typer.BadParameter("give --batch, --all or --id")
    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    index.ensure()
    shas = list(document) or list(documents_of(store, batch))
    counts: Counter[str] = Counter()
    for sha in shas:
        try:
            saved = reextract_document(store, index, sha, extract=extract, engine=f"sohoa {__version__}")
        except ObjectNotFoundError as e:
            # no document.json (never finished, or retired by a split correction) or no ocr.json
            log.warning("reextract %s: skipped: %s", sha[:12], e.message)
            counts["skipped"] += 1
            continue
        except SohoaError as e:
            log.error("reextract %s: %s", sha[:12], e.message)
            counts["failed"] += 1
            continue
        counts["changed" if saved.changed else "unchanged"] += 1
        counts["not_indexed"] += saved.changed and not saved.indexed
    typer.echo(json.dumps({"documents": len(shas), **counts}, ensure_ascii=False))
    if counts["failed"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``reextract`` to the CLI."""
    app.command(name="reextract")(reextract)
