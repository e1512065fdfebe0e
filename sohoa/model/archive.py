"""The archival copy of a document: what it says about itself, how it was checked and signed.

``ArchiveRecord`` is stored beside the original as ``derived/<sha>/archive.json`` and shown in the UI; a
copy whose PDF/A check or signature failed is recorded as such (``compliant=False``), never as valid.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ARTIFACT_ARCHIVE_PDF",
    "ARTIFACT_ARCHIVE_RECORD",
    "ArchiveMeta",
    "ArchiveRecord",
    "PdfaCheck",
    "RuleFailure",
    "SignatureCheck",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArchiveMeta(_Frozen):
    """What the copy's XMP metadata says (TT 05: trích yếu, issuer, date, document code)."""

    title: str = Field("", description="Trích yếu")
    issuer: str = Field("", description="Cơ quan ban hành")
    date: str | None = Field(None, description="Ngày ban hành, ISO 8601 (YYYY-MM-DD)")
    doc_code: str | None = Field(None, description="Mã lưu trữ when the document is in a dossier")
    reference: str | None = Field(None, description="Số, ký hiệu")
    source_sha256: str = Field(description="SHA-256 of the original the copy was made from")
    language: str = "vi"


class RuleFailure(_Frozen):
    """One PDF/A rule the validator found broken."""

    clause: str
    test: int = 0
    description: str = ""
    failed_checks: int = 0


class PdfaCheck(_Frozen):
    """veraPDF's verdict on one file."""

    compliant: bool
    profile: str = Field("", description="e.g. PDF/A-2B validation profile")
    validator: str = Field("", description="veraPDF version")
    failures: list[RuleFailure] = Field(default_factory=list)
    error: str | None = Field(None, description="Why the file could not be validated at all")


class SignatureCheck(_Frozen):
    """What verifying a signed archive copy found."""

    signer: str = ""
    signing_time: str | None = Field(None, description="ISO 8601")
    intact: bool = Field(False, description="The signed bytes are unchanged and the signature is valid")
    trusted: bool = Field(False, description="The signer's certificate chains to a trusted (agency) root")
    covers_whole_file: bool = False
    summary: str = ""


class ArchiveRecord(BaseModel):
    """The archive copy of one document, stored as ``derived/<sha>/archive.json``."""

    document_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    artifact: str = Field("archive.pdf", description="Artifact name of the (signed) copy")
    sha256: str = Field("", description="SHA-256 of the copy's bytes")
    size: int = 0
    original_size: int = 0
    pages: int = 0
    flavour: str = "2b"
    meta: ArchiveMeta | None = None
    pdfa: PdfaCheck | None = Field(None, description="veraPDF on the final (signed) copy")
    pdfa_unsigned: PdfaCheck | None = Field(None, description="veraPDF before signing")
    signature: SignatureCheck | None = None
    signed: bool = False
    compliant: bool = Field(False, description="PDF/A valid and, when signed, the signature intact")
    problems: list[str] = Field(default_factory=list)
    made_at: str = ""
    seconds: float = 0.0


#: artifact names beside the original (``derived/<sha>/...``)
ARTIFACT_ARCHIVE_PDF = "archive.pdf"
ARTIFACT_ARCHIVE_RECORD = "archive.json"
