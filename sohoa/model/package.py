"""What an E-ARK SIP of one dossier needs: the dossier's TT 05 fields and its documents in STT order.

A small input model of the packager's own, so packaging does not depend on how dossiers are stored:
``pipeline/archive/sip_input.py`` fills it from the dossier store (or, without one, from the documents'
``dossier_code`` and their batch order).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PackageDocument", "PackageDossier", "PackageEvent", "PackageInput"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PackageEvent(_Frozen):
    """One preservation event of a document (PREMIS)."""

    type: str = Field(description="PREMIS event type: ingestion, metadata extraction, ...")
    at: str = Field(description="ISO 8601")
    detail: str = ""
    outcome: str = "success"
    agent: str = Field("sohoa", description="Who did it: the software, the agency, a user")


class PackageDossier(_Frozen):
    """The dossier (hồ sơ) fields of TT 05/2025 that go into the EAD."""

    file_code: str = Field(min_length=1, max_length=100, description="Mã hồ sơ (fileCode)")
    title: str = Field("", max_length=1000)
    maintenance: str | None = Field(None, description="Thời hạn bảo quản code (01-07)")
    mode: str | None = Field(None, description="Chế độ sử dụng code (01-03)")
    language: str = Field("01", description="Ngôn ngữ code (01 Tiếng Việt)")
    start_date: str | None = None
    end_date: str | None = None
    keyword: list[str] = Field(default_factory=list)
    number_of_paper: int | None = None
    format: str | None = Field(None, description="Tình trạng vật lý code")
    infor_sign: str | None = None
    confidence_level: str = Field("02", description="Mức độ tin cậy: 02 số hóa")
    paper_file_code: str | None = None
    description: str | None = None
    agency: str = Field("", description="The digitizing agency (submitter)")


class PackageDocument(_Frozen):
    """One document of the dossier, with its two files and its history."""

    doc_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    stt: int = Field(ge=1)
    doc_code: str = Field(description="Mã lưu trữ: fileCode + 7-digit STT")
    archive_copy: Path = Field(description="The signed PDF/A copy (local file)")
    original: Path = Field(description="The original as received (local file)")
    original_name: str = Field("", description="The original's file name as uploaded")
    original_mime: str = "application/octet-stream"
    code_number: str | None = Field(None, description="Số")
    code_notation: str | None = Field(None, description="Ký hiệu")
    issued_date: str | None = None
    organ_name: str | None = Field(None, description="Cơ quan ban hành")
    subject: str | None = Field(None, description="Trích yếu")
    type_name: str | None = Field(None, description="Loại văn bản")
    signer: str | None = Field(None, description="Người ký")
    language: str = "01"
    number_of_page: int = 0
    mode: str | None = None
    maintenance: str | None = None
    confidence_level: str = "02"
    description: str | None = None
    events: list[PackageEvent] = Field(default_factory=list)


class PackageInput(_Frozen):
    """A whole package: the dossier and its documents in STT order."""

    dossier: PackageDossier
    documents: list[PackageDocument]
    package_id: str = Field(description="OBJID of the package (uuid:...)")
    created: str = Field(description="ISO 8601 creation time")
