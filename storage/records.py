"""Turn a stored document (sohoa.model.document.Document + its OCR result) into the index record.

Pure functions, no service: the same record comes out whether a flow indexes a fresh document or
reindexing rebuilds it from MinIO, which is what makes a rebuilt index give the same results.
Values are coerced to the mapping's types here, because Elasticsearch rejects a whole document for one
badly typed field (a date the extractor got wrong must not make the document unsearchable).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

from sohoa.model.document import FIELD_NAMES, Document
from sohoa.model.ocr import OcrDocument
from sohoa.model.review import reason_code, reason_field
from sohoa.text import clean_spaces, doc_number_key, facet_key, nfc

__all__ = ["LIST_FIELDS", "build_record"]

log = logging.getLogger(__name__)

#: metadata fields that hold lists of strings
LIST_FIELDS: frozenset[str] = frozenset({"noi_nhan", "kinh_gui"})
_INT_FIELDS = frozenset({"so"})
_DATE_FIELDS = frozenset({"ngay_ban_hanh"})


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = nfc(str(value)).strip()
    return text or None


def _as_date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def _coerce(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        items = value if isinstance(value, list | tuple) else [value]
        out = [t for t in (_as_text(v) for v in items) if t]
        return out or None
    if name in _DATE_FIELDS:
        return _as_date(value)
    if name in _INT_FIELDS:
        return _as_int(value)
    return _as_text(value)


def build_record(document: Document, ocr: OcrDocument | None = None) -> dict[str, Any]:
    """The Elasticsearch source of one document (its ``_id`` is ``document.id``).

    Args:
        document: The document with its extracted metadata.
        ocr: Its OCR result; without it only the metadata is searchable.

    Returns:
        A JSON-ready dict matching :data:`storage.mapping.MAPPINGS` (None values omitted).
    """
    rec: dict[str, Any] = {
        "sha256": document.id,
        "source_file": nfc(document.source_file),
        "media_type": document.media_type,
        "size": document.size,
        "batch": document.batch,
        "dossier_code": _as_text(document.dossier_code),
        "uploader": document.uploader,
        "page_count": document.page_count or (len(ocr.pages) if ocr else 0),
        "language": document.language,
        "ocr_confidence": round(document.ocr_confidence or (ocr.confidence if ocr else 0.0), 2),
        "access_level": document.access_level.value,
        "needs_review": document.metadata.needs_review,
        "ingested_at": document.ingested_at,
    }
    _review_fields(rec, document)
    for name in FIELD_NAMES:
        raw = document.metadata.value(name)
        value = _coerce(name, raw)
        if raw not in (None, "", []) and value is None:
            log.warning("%s: %s=%r is not a valid %s; indexed without it", document.id[:12], name, raw, name)
        rec[name] = value
    if rec["dossier_code"] is None and rec.get("ma_ho_so"):
        rec["dossier_code"] = rec["ma_ho_so"]
    if rec["so_ky_hieu"]:
        rec["so_ky_hieu_key"] = doc_number_key(rec["so_ky_hieu"]) or None
    if rec["loai_van_ban"]:
        rec["loai_van_ban_key"] = facet_key(rec["loai_van_ban"])
    if rec["co_quan_ban_hanh"]:
        rec["co_quan_ban_hanh_key"] = facet_key(rec["co_quan_ban_hanh"])
    issued = rec["ngay_ban_hanh"] or _reduced_date(document.metadata.value("ngay_ban_hanh"))
    if issued:
        # a date read in part ("2024-03": the day unread, in review) still files the record under its year
        rec["year"] = int(issued[:4])
    rec["needs_rescan"] = document.needs_rescan
    rec["qa_codes"] = sorted({f.code.value for f in document.qa}) or None
    rec["source_sha256"] = document.source.sha256 if document.source else None
    if document.signatures:
        rec["signed_by"] = sorted({nfc(s.signer) for s in document.signatures if s.signer}) or None
        rec["signature_valid"] = all(s.ok for s in document.signatures)
    _stamp_fields(rec, document)
    if ocr is not None:
        rec["pages"] = [{"number": p.number, "text": nfc(p.text)} for p in ocr.pages if p.text.strip()]
    return {k: v for k, v in rec.items() if v is not None}


def _reduced_date(raw: object) -> str | None:
    """A reduced-precision ISO 8601 date (``2024-03``, ``2024``), else None."""
    return raw if isinstance(raw, str) and re.fullmatch(r"\d{4}(-\d{2})?", raw) else None


def _review_fields(rec: dict[str, Any], document: Document) -> None:
    """What the review queue filters on and the correction figures count (None values are dropped)."""
    meta = document.metadata
    rec["review_reasons"] = sorted({reason_code(r) for r in meta.reasons}) or None
    rec["review_fields"] = sorted({f for r in meta.reasons if (f := reason_field(r))}) or None
    rec["corrected_fields"] = sorted(meta.corrections) or None
    rec["reviewed_at"] = meta.approval.at if meta.approval else None
    rec["reviewed_by"] = meta.approval.by if meta.approval else None
    rec["version"] = document.version


def _stamp_fields(rec: dict[str, Any], document: Document) -> None:
    """Who the page stamps name and when: apart from ``signed_by``, as OCR read them and nothing verified."""
    stamps = document.metadata.stamps
    signers = {clean_spaces(nfc(s.signer)) for s in stamps if s.signer}
    rec["stamp_signed_by"] = sorted(n for n in signers if n) or None
    times: set[str] = set()
    for s in stamps:
        if not s.signing_time:
            continue
        try:
            times.add(datetime.fromisoformat(s.signing_time).isoformat())
        except ValueError:
            # a time read wrong must not make the document unsearchable (the record keeps it as read)
            log.warning("%s: stamp time %r is not ISO 8601; not indexed", document.id[:12], s.signing_time)
    rec["stamp_signed_at"] = sorted(times) or None
