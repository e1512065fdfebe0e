"""Which documents a clerk must check: key fields missing or read with low confidence."""

from __future__ import annotations

from sohoa.model.document import KEY_FIELDS, ExtractedField

__all__ = ["LOW_CONFIDENCE", "review"]

#: below this a field is "unsure" and sends its document to review
LOW_CONFIDENCE = 0.6

# English letters rarely carry a reference number; their date, sender and title matter most.
_EN_KEY_FIELDS = ("ngay_ban_hanh", "co_quan_ban_hanh", "trich_yeu")


def review(fields: dict[str, ExtractedField], language: str) -> tuple[bool, list[str]]:
    """Decide whether a document needs review.

    Args:
        fields: The extracted fields by name.
        language: ``"vi"`` or ``"en"``.

    Returns:
        (needs_review, reasons) where each reason names a field: ``"so_ky_hieu: not found"``,
        ``"ngay_ban_hanh: low confidence 0.52"``.
    """
    keys = _EN_KEY_FIELDS if language == "en" else KEY_FIELDS
    reasons = []
    for name in keys:
        f = fields.get(name)
        if f is None or f.value is None:
            reasons.append(f"{name}: not found")
        elif f.confidence < LOW_CONFIDENCE:
            reasons.append(f"{name}: low confidence {f.confidence:.2f}")
    return bool(reasons), reasons
