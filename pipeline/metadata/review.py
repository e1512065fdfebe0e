"""Which documents a clerk must check, and why, as stable reason codes.

A reason is ``<field>.<code>`` for a key field (``so_ky_hieu.missing``, ``so_ky_hieu.handwritten``,
``ngay_ban_hanh.after_signature``, ``co_quan_ban_hanh.uncertain`` ...) or a document-level code
(``page_failed``, ``illegible``). One reason per field at most. The web translates each code through
``reason.<code>`` in ``web.i18n``; the codes themselves never change meaning.
"""

from __future__ import annotations

from sohoa.model.document import KEY_FIELDS, ExtractedField
from sohoa.model.ocr import OcrDocument, PageSource

__all__ = ["ILLEGIBLE_CONFIDENCE", "LOW_CONFIDENCE", "REASON_CODES", "page_reasons", "review"]

#: below this a field is "unsure" and sends its document to review
LOW_CONFIDENCE = 0.6
#: a document whose OCR'd pages average below this word confidence (0-100) is barely legible
ILLEGIBLE_CONFIDENCE = 55.0

# English letters rarely carry a reference number; their date, sender and title matter most.
_EN_KEY_FIELDS = ("ngay_ban_hanh", "co_quan_ban_hanh", "trich_yeu")

#: every code review may give, for the UI's translation table
REASON_CODES: tuple[str, ...] = (
    *(f"{f}.missing" for f in KEY_FIELDS),
    *(f"{f}.uncertain" for f in KEY_FIELDS),
    "so_ky_hieu.handwritten",
    "so_ky_hieu.number_unread",
    "so_ky_hieu.conflict",
    "so_ky_hieu.readers_disagree",
    "so_ky_hieu.line_reread",
    "so_ky_hieu.code_reread",
    "so_ky_hieu.code_disagree",
    "so_ky_hieu.code_garbled",
    "so_ky_hieu.code_repaired",
    "so_ky_hieu.year_mismatch",
    "so_ky_hieu.code_mismatch",
    "ngay_ban_hanh.day_unread",
    "ngay_ban_hanh.month_unread",
    "ngay_ban_hanh.after_signature",
    "ngay_ban_hanh.handwritten",
    "ngay_ban_hanh.conflict",
    "ngay_ban_hanh.readers_disagree",
    "ngay_ban_hanh.line_reread",
    "loai_van_ban.code_mismatch",
    "co_quan_ban_hanh.code_mismatch",
    "nguoi_ky.family_name_lost",
    "page_failed",
    "illegible",
)


def review(
    fields: dict[str, ExtractedField], language: str, notes: dict[str, str] | None = None
) -> tuple[bool, list[str]]:
    """Decide whether a document needs review.

    Args:
        fields: The extracted fields by name.
        language: ``"vi"`` or ``"en"``.
        notes: Why a field's value is doubtful, by field (a code from the extraction rules), used as
            the field's reason when its confidence is low.

    Returns:
        (needs_review, reasons), one reason code per doubtful key field.
    """
    keys = _EN_KEY_FIELDS if language == "en" else KEY_FIELDS
    notes = notes or {}
    reasons = []
    for name in keys:
        f = fields.get(name)
        if f is None or f.value is None:
            reasons.append(f"{name}.missing")
        elif f.confidence < LOW_CONFIDENCE:
            reasons.append(notes.get(name, f"{name}.uncertain"))
    return bool(reasons), reasons


def page_reasons(doc: OcrDocument) -> list[str]:
    """Document-level reasons: failed pages, or a scan too poor to trust any value read from it."""
    out = []
    if doc.failed_pages:
        out.append("page_failed")
    ocr_pages = [p for p in doc.pages if p.source is PageSource.OCR]
    if ocr_pages and sum(p.confidence for p in ocr_pages) / len(ocr_pages) < ILLEGIBLE_CONFIDENCE:
        out.append("illegible")
    return out
