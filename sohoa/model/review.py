"""Review and correction of extracted metadata: who changed which value, when, and what it was before.

Human values are kept apart from extracted ones: ``Metadata.fields`` holds what the extractor read (with its
confidence and box); ``Metadata.corrections`` holds what a person set, and wins when the value is read.
Each save appends a :class:`Revision` to the document's history and bumps its ``version``.

Review reasons are stable codes ``<field>.<code>`` (``so_ky_hieu.missing``); older documents carry free
strings (``"so_ky_hieu: not found"``). :func:`reason_field` reads the field out of either form.
This module imports nothing else of sohoa's models (``document`` imports it).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Approval",
    "Correction",
    "FieldChange",
    "FieldState",
    "Provenance",
    "Revision",
    "RevisionAction",
    "reason_code",
    "reason_field",
]

_CODE_REASON = re.compile(r"^([a-z_]+)\.([a-z0-9_]+)$")
_TEXT_REASON = re.compile(r"^([a-z_]+)\s*:\s*(.*)$")


class Provenance(StrEnum):
    """Where a field's current value comes from."""

    EXTRACTED = "extracted"
    CORRECTED = "corrected"


class RevisionAction(StrEnum):
    """What made a new version of a document's metadata."""

    CORRECT = "correct"
    APPROVE = "approve"
    BULK = "bulk"
    REEXTRACT = "reextract"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Correction(_Frozen):
    """A value a person set for one field."""

    value: Any = None
    by: str
    at: str = Field(description="ISO 8601 UTC time of the save")
    previous: Any = Field(None, description="The value shown before this correction")
    version: int = Field(1, ge=1, description="The document version this correction was saved in")


class FieldChange(_Frozen):
    """One field's value before and after a revision."""

    before: Any = None
    after: Any = None


class Revision(_Frozen):
    """One saved version of a document's metadata."""

    version: int = Field(ge=2, description="The version this revision created (ingestion made version 1)")
    action: RevisionAction
    by: str
    at: str
    changes: dict[str, FieldChange] = Field(default_factory=dict)
    approved: bool = False
    engine: str | None = Field(None, description="For a re-extraction: what re-extracted")


class Approval(_Frozen):
    """A person confirmed the document's metadata (and so cleared ``needs_review``)."""

    by: str
    at: str
    version: int


class FieldState(_Frozen):
    """What a reader sees of one field, with where it came from."""

    value: Any = None
    provenance: Provenance
    confidence: float | None = Field(None, description="The extractor's confidence (0-1)")
    page: int | None = Field(None, description="The page the extracted value was read on")
    box: tuple[int, int, int, int] | None = Field(None, description="x, y, w, h in OCR page pixels")
    extracted: Any = Field(None, description="The extracted value (kept when a person corrected it)")
    corrected_by: str | None = None
    corrected_at: str | None = None
    previous: Any = Field(None, description="The value shown before the correction")


def reason_field(reason: str) -> str | None:
    """The field a reason is about: ``so_ky_hieu.missing``, ``so_ky_hieu: not found`` → ``so_ky_hieu``."""
    m = _CODE_REASON.match(reason) or _TEXT_REASON.match(reason)
    return m.group(1) if m else None


def reason_code(reason: str) -> str:
    """A stable code for a reason: codes stay as they are; old free strings map to ``<field>.<code>``.

    ``"so_ky_hieu: not found"`` → ``so_ky_hieu.missing``, ``"… low confidence 0.52"`` → ``….uncertain``
    (the codes :mod:`pipeline.metadata.review` gives today).
    """
    if _CODE_REASON.match(reason):
        return reason
    m = _TEXT_REASON.match(reason)
    if not m:
        return reason
    text = m.group(2)
    code = (
        "missing" if text.startswith("not found")
        else "uncertain" if text.startswith("low confidence")
        else re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "other"
    )  # fmt: skip
    return f"{m.group(1)}.{code}"
