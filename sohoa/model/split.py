"""Splitting one scanned file (a box scanned in one go) into the documents it holds.

A :class:`SplitPlan` says which pages of the scanned file form each document and which pages were
separator sheets. It is stored beside the original; a reviewer's correction (merge with the previous
document, split here) makes a new plan, audited like a metadata correction.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from sohoa.model.qa import QaFinding

__all__ = [
    "DocumentPart",
    "SourceRef",
    "SplitAction",
    "SplitCorrection",
    "SplitMode",
    "SplitPlan",
    "StoredSplit",
]


class SplitMode(StrEnum):
    """How a batch's multi-page files are split (``sohoa ingest --split``)."""

    NONE = "none"
    AUTO = "auto"
    HEADER = "header"
    SEPARATOR = "separator"


class DocumentPart(BaseModel):
    """One document inside a scanned file: its pages (1-based numbers of the scanned file)."""

    model_config = ConfigDict(frozen=True)

    pages: list[int] = Field(min_length=1)
    dossier_code: str | None = Field(None, description="From the separator sheet before it, if any")
    reason: str = Field("", description="Why it starts here: first-page, header, separator, corrected")

    @property
    def first(self) -> int:
        """First page number."""
        return self.pages[0]

    @property
    def last(self) -> int:
        """Last page number."""
        return self.pages[-1]

    @property
    def label(self) -> str:
        """``3-5`` (or ``3``): the page range as shown in reports."""
        return f"{self.first}" if self.first == self.last else f"{self.first}-{self.last}"


class SplitPlan(BaseModel):
    """The documents of one scanned file."""

    model_config = ConfigDict(frozen=True)

    mode: SplitMode
    page_count: int = Field(ge=0)
    parts: list[DocumentPart]
    separators: list[int] = Field(default_factory=list, description="Separator sheets (not in any part)")

    @property
    def starts(self) -> list[int]:
        """First page of every part."""
        return [p.first for p in self.parts]


class SourceRef(BaseModel):
    """Where a split document came from: the scanned file (stored once, as the original) and its pages."""

    model_config = ConfigDict(frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the scanned file")
    file_name: str
    pages: list[int] = Field(description="Page numbers in the scanned file")
    part: int = Field(ge=1, description="1-based position of this document in the file")
    parts: int = Field(ge=1, description="Documents the file was split into")


class SplitAction(StrEnum):
    """A reviewer's correction of a split."""

    MERGE_PREVIOUS = "merge_previous"
    SPLIT_HERE = "split_here"


class SplitCorrection(BaseModel):
    """One correction: merge the document starting at ``page`` into the previous one, or start one there."""

    model_config = ConfigDict(frozen=True)

    action: SplitAction
    page: int = Field(ge=1, description="Page number of the scanned file")
    user: str | None = None
    at: str | None = Field(None, description="ISO 8601 UTC time")


class StoredSplit(BaseModel):
    """What is stored beside a split original (``split.json``): the plan, the file's findings, the history."""

    file_name: str
    plan: SplitPlan
    qa: list[QaFinding] = Field(
        default_factory=list, description="Findings, page numbers of the scanned file"
    )
    corrections: list[SplitCorrection] = Field(default_factory=list, description="Oldest first")
    documents: list[str] = Field(default_factory=list, description="Ids of the current documents, in order")
