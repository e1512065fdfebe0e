"""Correcting a split: merge a document with the one before it, or start a new one at a page.

A correction is applied to the plan stored beside the scanned original (``split.json``), and the
documents are rebuilt from what is stored (the whole file's OCR, the existing documents' records and
page images): no OCR runs again. Documents that no longer exist are retired (their ``document.json``
moves to ``retired-document.json``, so a reindex from storage does not bring them back); the caller
removes them from the index and records the correction in the audit log.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pypdf

from pipeline.gate import GatedPart, apply_gate, part_findings
from pipeline.metadata import extract
from pipeline.split import apply_correction, part_id, part_ocr, source_ref
from sohoa.errors import ObjectNotFoundError
from sohoa.model.document import Document
from sohoa.model.ocr import OcrDocument
from sohoa.model.qa import needs_rescan
from sohoa.model.split import SplitCorrection, StoredSplit
from storage.objects import (
    ARTIFACT_DOCUMENT,
    ARTIFACT_METADATA,
    ARTIFACT_OCR,
    ARTIFACT_PDF,
    ObjectStore,
    thumbnail_name,
)

__all__ = ["ARTIFACT_RETIRED", "ARTIFACT_SPLIT", "Resplit", "correct_split", "load_split", "store_split"]

log = logging.getLogger(__name__)

#: beside a split original: its plan, findings and correction history (sohoa.model.split.StoredSplit)
ARTIFACT_SPLIT = "split.json"
#: a document that a correction replaced keeps its record under this name (out of reindexing)
ARTIFACT_RETIRED = "retired-document.json"


@dataclass(frozen=True)
class Resplit:
    """What a correction changed: the new stored split, the current documents, and the retired ids."""

    split: StoredSplit
    before: StoredSplit
    documents: list[tuple[Document, OcrDocument]]
    retired: list[str]


def load_split(store: ObjectStore, sha256: str) -> StoredSplit | None:
    """The stored split of a scanned original, or None when the file was kept whole."""
    try:
        return StoredSplit.model_validate(store.get_json(sha256, ARTIFACT_SPLIT))
    except ObjectNotFoundError:
        return None


def store_split(store: ObjectStore, sha256: str, split: StoredSplit, whole: OcrDocument) -> None:
    """Store the whole file's OCR and its split beside the original (what corrections rebuild from)."""
    store.put_json(sha256, ARTIFACT_OCR, whole)
    store.put_json(sha256, ARTIFACT_SPLIT, split)


def _page_sources(split: StoredSplit) -> dict[int, tuple[str, int]]:
    """For every page of the scanned file: (document id, page number in that document) as stored now."""
    out = {}
    for doc_id, part in zip(split.documents, split.plan.parts, strict=False):
        for i, n in enumerate(part.pages, start=1):
            out[n] = (doc_id, i)
    return out


def _copy_images(
    store: ObjectStore, doc_id: str, pages: list[int], sources: dict[int, tuple[str, int]]
) -> None:
    """Page images and searchable PDF of a new document, taken from the documents that held its pages."""
    writer = pypdf.PdfWriter()
    readers: dict[str, pypdf.PdfReader | None] = {}
    for i, n in enumerate(pages, start=1):
        if n not in sources:
            continue
        old, number = sources[n]
        try:
            jpeg = store.get_artifact(old, thumbnail_name(number))
            store.put_artifact(doc_id, thumbnail_name(i), jpeg, content_type="image/jpeg")
        except ObjectNotFoundError:
            log.info("%s: no page image %d to copy from %s", doc_id[:12], number, old[:12])
        if old not in readers:
            try:
                readers[old] = pypdf.PdfReader(io.BytesIO(store.get_artifact(old, ARTIFACT_PDF)))
            except ObjectNotFoundError:
                readers[old] = None
        reader = readers[old]
        if reader is not None and number <= len(reader.pages):
            writer.add_page(reader.pages[number - 1])
    if writer.pages and len(writer.pages) == len(pages):
        out = io.BytesIO()
        writer.write(out)
        store.put_artifact(doc_id, ARTIFACT_PDF, out.getvalue(), content_type="application/pdf")


def correct_split(
    store: ObjectStore, sha256: str, correction: SplitCorrection, *, user: str | None = None
) -> Resplit:
    """Apply a reviewer's correction to a scanned file's split and rebuild its documents in storage.

    Raises:
        ObjectNotFoundError: the file was never split (no ``split.json``).
        ValueError: the correction does not fit the plan (see :func:`pipeline.split.apply_correction`).
    """
    before = load_split(store, sha256)
    if before is None:
        raise ObjectNotFoundError(f"{sha256[:12]}: this file was not split into documents")
    stamped = correction.model_copy(
        update={"user": user, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    )
    plan = apply_correction(before.plan, stamped)
    whole = OcrDocument.model_validate(store.get_json(sha256, ARTIFACT_OCR))
    base = Document.model_validate(store.get_json(before.documents[0], ARTIFACT_DOCUMENT))
    sources = _page_sources(before)
    documents: list[tuple[Document, OcrDocument]] = []
    ids = []
    for i, part in enumerate(plan.parts):
        doc_id = part_id(sha256, part)
        ids.append(doc_id)
        ocr_doc = part_ocr(whole, part)
        qa = part_findings(before.qa, part.pages)
        gated = GatedPart(
            doc_id, ocr_doc, qa, source_ref(sha256, before.file_name, plan, i), part.dossier_code
        )
        if doc_id in before.documents:
            # same pages as before: keep its record (and any metadata corrections), new position in the file
            kept = Document.model_validate(store.get_json(doc_id, ARTIFACT_DOCUMENT))
            document = kept.model_copy(update={"source": gated.source})
        else:
            metadata = extract(ocr_doc)
            document = apply_gate(
                base.model_copy(
                    update={
                        "page_count": len(ocr_doc.pages),
                        "ocr_confidence": round(ocr_doc.confidence, 2),
                        "language": metadata.language,
                        "metadata": metadata,
                        "needs_rescan": needs_rescan(qa),
                    }
                ),
                gated,
            )
            store.put_json(doc_id, ARTIFACT_OCR, ocr_doc)
            store.put_json(doc_id, ARTIFACT_METADATA, metadata)
            _copy_images(store, doc_id, part.pages, sources)
        store.put_json(doc_id, ARTIFACT_DOCUMENT, document)
        documents.append((document, ocr_doc))
    retired = [d for d in before.documents if d not in ids]
    for doc_id in retired:
        store.move(f"derived/{doc_id}/{ARTIFACT_DOCUMENT}", f"derived/{doc_id}/{ARTIFACT_RETIRED}")
    after = before.model_copy(
        update={"plan": plan, "corrections": [*before.corrections, stamped], "documents": ids}
    )
    store.put_json(sha256, ARTIFACT_SPLIT, after)
    log.info(
        "%s: split corrected (%s page %d): %d documents, %d retired",
        sha256[:12],
        correction.action.value,
        correction.page,
        len(ids),
        len(retired),
    )
    return Resplit(after, before, documents, retired)
