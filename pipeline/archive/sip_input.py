"""The packager's input from what is stored: a dossier's (or a batch's) documents, files and history.

A dossier comes from the dossier store (#16, :class:`pipeline.dossiers.DossierService`): its TT 05 fields
and its members with their STT and docCode. A code the store does not know falls back to the stored
documents whose ``dossier_code`` is that code, in batch order (the batch report's order, then ingestion
time), STT = position; so does ``--batch``. Every document needs a compliant archive copy; missing ones
are made first (``build_stored``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from pipeline.archive.build import ArchiveContext
from pipeline.archive.naming import doc_code
from pipeline.archive.stored import build_stored, document_ids, load_record
from sohoa.errors import ArchiveError
from sohoa.model.archive import ARTIFACT_ARCHIVE_PDF, ArchiveRecord
from sohoa.model.document import Document
from sohoa.model.dossier import DossierView
from sohoa.model.ocr import OcrDocument
from sohoa.model.package import PackageDocument, PackageDossier, PackageEvent, PackageInput
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore

__all__ = ["batch_members", "dossier_members", "from_dossier_view", "package_input"]

log = logging.getLogger(__name__)


def _documents(store: ObjectStore) -> list[Document]:
    return [Document.model_validate(store.get_json(sha, ARTIFACT_DOCUMENT)) for sha in store.iter_documents()]


def _batch_positions(store: ObjectStore, batches: set[str]) -> dict[str, int]:
    pos: dict[str, int] = {}
    for b in sorted(batches):
        try:
            for i, sha in enumerate(document_ids(store, batch=b)):
                pos.setdefault(sha, i)
        except Exception as e:  # a batch without a report still orders by time below
            log.info("batch %s: no report (%s); ordering by ingestion time", b, type(e).__name__)
    return pos


def from_dossier_view(view: DossierView, *, agency: str) -> tuple[list[tuple[str, int]], PackageDossier]:
    """The members (document, STT) and TT 05 fields of a dossier from the dossier store.

    Raises:
        ArchiveError: a member's document is no longer stored (a package must not lack one).
    """
    d, f = view.dossier, view.facts
    missing = [e.member.stt for e in view.entries if e.document is None]
    if missing:
        raise ArchiveError(f"dossier {d.code}: documents with STT {missing} are no longer stored")
    fields = PackageDossier(
        file_code=d.code,
        title=d.title,
        maintenance=d.maintenance,
        mode=d.mode,
        language=d.language,
        start_date=f.start_date.isoformat() if f.start_date else None,
        end_date=f.end_date.isoformat() if f.end_date else None,
        keyword=list(d.keyword),
        number_of_paper=d.number_of_paper,
        format=d.format,
        infor_sign=d.infor_sign,
        confidence_level=d.confidence_level,
        paper_file_code=d.paper_file_code,
        description=d.description,
        agency=agency,
    )
    return [(e.member.doc_id, e.member.stt) for e in view.entries], fields


def dossier_members(store: ObjectStore, code: str) -> list[str]:
    """Documents whose ``dossier_code`` is ``code``, in batch order."""
    docs = [d for d in _documents(store) if d.dossier_code == code]
    pos = _batch_positions(store, {d.batch for d in docs if d.batch})
    docs.sort(key=lambda d: (d.ingested_at or "", d.batch or "", pos.get(d.id, 0), d.source_file))
    return [d.id for d in docs]


def batch_members(store: ObjectStore, batch: str) -> list[str]:
    """The documents of a batch, in its report's order."""
    return document_ids(store, batch=batch)


def _events(
    store: ObjectStore, document: Document, ocr: OcrDocument, record: ArchiveRecord
) -> list[PackageEvent]:
    ingested = document.ingested_at or record.made_at
    events = [
        PackageEvent(
            type="ingestion", at=ingested, detail=f"original {document.source_file} ({document.size} bytes)"
        ),
        PackageEvent(
            type="metadata extraction",
            at=ingested,
            detail=f"OCR {ocr.engine or 'Tesseract'} ({ocr.languages}), {len(ocr.pages)} pages, "
            f"mean confidence {ocr.confidence:.1f}",
        ),
    ]
    versions = store.list_versions(f"derived/{document.id}/{ARTIFACT_DOCUMENT}")
    for v in sorted(versions, key=lambda v: v.last_modified or datetime.min.replace(tzinfo=UTC))[1:]:
        if v.last_modified is not None and not v.is_delete_marker:
            events.append(
                PackageEvent(
                    type="metadata modification",
                    at=v.last_modified.isoformat(timespec="seconds"),
                    detail=f"document.json version {v.version_id}",
                )
            )
    if record.pdfa is not None:
        events.append(
            PackageEvent(
                type="validation",
                at=record.made_at,
                detail=f"{record.pdfa.validator} {record.pdfa.profile}: "
                + ("compliant" if record.pdfa.compliant else "NOT compliant"),
                outcome="success" if record.pdfa.compliant else "failure",
                agent="veraPDF",
            )
        )
    if record.signed and record.signature is not None:
        events.append(
            PackageEvent(
                type="digital signature generation",
                at=record.signature.signing_time or record.made_at,
                detail=f"PAdES by {record.signature.signer}",
                outcome="success" if record.signature.intact else "failure",
                agent=record.signature.signer or "agency",
            )
        )
    return events


def package_input(
    store: ObjectStore,
    members: list[tuple[str, int]],
    dossier: PackageDossier,
    ctx: ArchiveContext,
    *,
    work: Path,
    package_id: str | None = None,
) -> PackageInput:
    """Download what the package holds (copies made first where missing) and describe it.

    Raises:
        ArchiveError: a document has no compliant archive copy even after trying to make one.
    """
    if not members:
        raise ArchiveError(f"dossier {dossier.file_code}: no documents to package")
    codes = {sha: doc_code(dossier.file_code, stt) for sha, stt in members}
    build_stored(store, [sha for sha, _ in members], ctx, work=work / "build", doc_codes=codes)
    files = work / "files"
    files.mkdir(parents=True, exist_ok=True)
    docs: list[PackageDocument] = []
    for sha, stt in members:
        record = load_record(store, sha)
        if record is None or not record.compliant:
            why = "; ".join(record.problems) if record else "no copy"
            raise ArchiveError(f"document {sha[:12]} (STT {stt}) has no compliant archive copy: {why}")
        document = Document.model_validate(store.get_json(sha, ARTIFACT_DOCUMENT))
        ocr = OcrDocument.model_validate(store.get_json(sha, ARTIFACT_OCR))
        copy = files / f"{sha}.pdf"
        copy.write_bytes(store.get_artifact(sha, ARTIFACT_ARCHIVE_PDF))
        original = store.download_original(sha, files / f"{sha}.original")
        m = document.metadata
        docs.append(
            PackageDocument(
                doc_id=sha,
                stt=stt,
                doc_code=codes[sha],
                archive_copy=copy,
                original=original,
                original_name=document.source_file,
                original_mime=document.media_type,
                code_number=str(m.value("so")) if m.value("so") is not None else None,
                code_notation=m.value("ky_hieu"),
                issued_date=m.value("ngay_ban_hanh"),
                organ_name=m.value("co_quan_ban_hanh"),
                subject=m.value("trich_yeu"),
                type_name=m.value("loai_van_ban"),
                signer=m.value("nguoi_ky"),
                number_of_page=document.page_count or len(ocr.pages),
                events=_events(store, document, ocr, record),
            )
        )
    dates = sorted(d.issued_date for d in docs if d.issued_date)
    dossier = dossier.model_copy(
        update={
            "start_date": dossier.start_date or (dates[0] if dates else None),
            "end_date": dossier.end_date or (dates[-1] if dates else None),
        }
    )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    stamp = now.replace(":", "").replace("-", "")[:15]
    return PackageInput(
        dossier=dossier,
        documents=docs,
        package_id=package_id or f"sohoa-{_ascii(dossier.file_code)}-{stamp}",
        created=now,
    )


def _ascii(code: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in code)
