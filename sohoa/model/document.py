"""The document model used across sohoa: a stored original, its extracted fields and its status.

Field names follow the Vietnamese archival terms of the labelled evaluation data (``so_ky_hieu``,
``ngay_ban_hanh``, ``loai_van_ban``, ``co_quan_ban_hanh``, ``trich_yeu``, ``nguoi_ky`` ...). English
documents fill the same fields (reference number, date, title, issuing organization).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sohoa.model.ocr import Box
from sohoa.model.qa import QaFinding
from sohoa.model.review import Approval, Correction, Revision
from sohoa.model.signature import PageStamp, PdfSignature
from sohoa.model.split import SourceRef

__all__ = [
    "FIELD_NAMES",
    "KEY_FIELDS",
    "AccessLevel",
    "Document",
    "ExtractedField",
    "Metadata",
]

#: every field metadata extraction may fill, in display order
FIELD_NAMES: tuple[str, ...] = (
    "so_ky_hieu",
    "so",
    "ky_hieu",
    "ngay_ban_hanh",
    "noi_ban_hanh",
    "loai_van_ban",
    "ma_loai",
    "co_quan_ban_hanh",
    "co_quan_chu_quan",
    "trich_yeu",
    "nguoi_ky",
    "chuc_vu_ky",
    "hinh_thuc_ky",
    "noi_nhan",
    "kinh_gui",
    "do_mat",
    "do_khan",
    "ma_ho_so",
)

#: fields whose absence or low confidence sends a document to review
KEY_FIELDS: tuple[str, ...] = ("so_ky_hieu", "ngay_ban_hanh", "loai_van_ban", "co_quan_ban_hanh")


class AccessLevel(StrEnum):
    """Who may see a document; ordered from least to most restricted."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"

    @property
    def rank(self) -> int:
        """0 for public, 1 internal, 2 confidential."""
        return list(AccessLevel).index(self)


class ExtractedField(BaseModel):
    """One extracted value with where it came from and how sure we are."""

    model_config = ConfigDict(frozen=True)

    value: Any = None
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    page: int | None = None
    box: Box | None = None
    span: tuple[int, int] | None = Field(None, description="Character offsets in that page's text")
    raw: str | None = Field(None, description="The text as read, before normalization")


class Metadata(BaseModel):
    """All extracted fields of one document, and the signature stamps read off its pages.

    The stamps are here, not beside ``Document.signatures``, because extraction finds them in the page
    text, as it finds the fields: a re-extraction or a corrected split refreshes them with the fields,
    and each document split out of a scanned file gets those of its own pages. People correct fields,
    never stamps.
    """

    language: str = "vi"
    fields: dict[str, ExtractedField] = Field(default_factory=dict)
    needs_review: bool = False
    reasons: list[str] = Field(default_factory=list)
    corrections: dict[str, Correction] = Field(
        default_factory=dict, description="Values a person set; they win over the extracted ones"
    )
    approval: Approval | None = Field(None, description="Who confirmed this metadata, if anyone")
    stamps: list[PageStamp] = Field(
        default_factory=list,
        description="Signature stamps drawn into the pages, as OCR read them (not verified signatures)",
    )

    def value(self, name: str) -> Any:
        """The value of a field (a person's correction first), or None when it was not found."""
        c = self.corrections.get(name)
        if c is not None:
            return c.value
        f = self.fields.get(name)
        return f.value if f is not None else None


class Document(BaseModel):
    """One ingested original and what sohoa knows about it."""

    id: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the original's bytes")
    source_file: str
    media_type: str
    size: int = Field(ge=0)
    batch: str | None = None
    dossier_code: str | None = Field(None, description="Mã hồ sơ, from the manifest or the page")
    uploader: str | None = None
    page_count: int = 0
    language: str = "vi"
    ocr_confidence: float = 0.0
    access_level: AccessLevel = AccessLevel.INTERNAL
    metadata: Metadata = Field(default_factory=Metadata)
    notes: str | None = None
    ingested_at: str | None = Field(None, description="ISO 8601 UTC time of first ingestion")
    qa: list[QaFinding] = Field(default_factory=list, description="Scan quality findings (sohoa.model.qa)")
    needs_rescan: bool = Field(False, description="A quality finding asks for pages to be scanned again")
    source: SourceRef | None = Field(
        None, description="For a document split out of a scanned file: that file and its page range"
    )
    signatures: list[PdfSignature] = Field(
        default_factory=list, description="Embedded PDF signatures, read and checked on ingestion"
    )
    version: int = Field(1, ge=1, description="Metadata version: 1 at ingestion, +1 per saved revision")
    history: list[Revision] = Field(default_factory=list, description="Saved revisions, oldest first")
