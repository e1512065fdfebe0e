"""Dossiers (hồ sơ): archival dossiers (TT 05/2025) and administrative-procedure dossiers (TTHC), one model.

A dossier is stored in MinIO as ``dossiers/<code>.json`` (the source of truth) and indexed for lists and
filters. It holds its typed fields and its ordered members (document id + STT + role); the fields TT 05
derives from the documents (``startDate``, ``endDate``, ``totalDoc``, ``numberOfPage``) are never stored or
typed: :class:`DossierFacts` carries them, computed from the documents by ``pipeline.dossiers``.

Field names are Python names; the TT 05 element names (``fileCode``, ``maintenance``, ``inforSign`` …) are
the catalogue's (``pipeline.dossiers.catalogue``). Codes are the strings of the code lists in
``sohoa/model/codes/`` (``"01"`` …), so a rule change is a data change.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from sohoa.model.document import AccessLevel

__all__ = [
    "CODE_PATTERN",
    "STT_DIGITS",
    "Disposal",
    "Dossier",
    "DossierEntry",
    "DossierFacts",
    "DossierKind",
    "DossierView",
    "HistoryEntry",
    "Member",
    "MemberDoc",
    "MemberRole",
    "ResultInfo",
    "doc_code",
    "is_dossier_code",
]

#: dossier codes are object-key and URL safe: TT 05 allows up to 100 characters
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
_CODE = re.compile(CODE_PATTERN)
#: the order number (STT) inside a docCode has 7 digits (TT 05)
STT_DIGITS = 7


def is_dossier_code(value: str) -> bool:
    """Whether ``value`` has the characters and length a dossier code may have (not its rules)."""
    return bool(_CODE.match(value)) and ".." not in value


def doc_code(file_code: str, stt: int) -> str:
    """The document's archival code (mã lưu trữ, ``docCode``): the dossier code + the 7-digit STT.

    >>> doc_code("000.00.14.H26.2023.01", 3)
    '000.00.14.H26.2023.01.0000003'
    """
    if not 1 <= stt < 10**STT_DIGITS:
        raise ValueError(f"STT {stt} does not fit in {STT_DIGITS} digits")
    return f"{file_code}.{stt:0{STT_DIGITS}d}"


class DossierKind(StrEnum):
    """Archival dossier (hồ sơ lưu trữ) or administrative-procedure dossier (hồ sơ thủ tục hành chính)."""

    ARCHIVAL = "archival"
    PROCEDURE = "procedure"


class MemberRole(StrEnum):
    """What a document is in its dossier: a document of an archival dossier, a component or a result."""

    DOCUMENT = "document"
    COMPONENT = "component"
    RESULT = "result"


class ResultInfo(BaseModel):
    """What a procedure result (kết quả giải quyết) records beyond the document itself (TT 01/2023)."""

    model_config = ConfigDict(frozen=True)

    valid_until: date | None = Field(None, description="Thời hạn hiệu lực; None with permanent=True")
    permanent: bool = Field(False, description="Valid without a time limit (không thời hạn)")
    reused: bool = Field(False, description="Re-used by another procedure (tái sử dụng)")


class Member(BaseModel):
    """One document of a dossier, with its order number."""

    model_config = ConfigDict(frozen=True)

    doc_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    stt: int = Field(ge=1, lt=10**STT_DIGITS, description="Order number in the dossier (STT)")
    role: MemberRole = MemberRole.DOCUMENT
    component: str | None = Field(None, max_length=500, description="Which expected component it is")
    result: ResultInfo | None = None
    added_at: str | None = None
    added_by: str | None = None


class Disposal(BaseModel):
    """The disposal (hủy) of a dossier whose maintenance period ended: approval first, then deletion."""

    decision: str = Field(min_length=1, max_length=200, description="Number of the disposal decision")
    approved_by: str
    approved_at: str
    disposed_at: str | None = None
    disposed_by: str | None = None
    objects_deleted: int = 0


class HistoryEntry(BaseModel):
    """One change of a dossier, kept in the dossier itself (the audit log has it too, when a user did it)."""

    model_config = ConfigDict(frozen=True)

    at: str
    by: str | None = None
    action: str
    doc_id: str | None = None
    detail: dict[str, str | int | bool | None] = Field(default_factory=dict)


class Dossier(BaseModel):
    """A dossier's typed fields and ordered members (the stored JSON)."""

    code: str = Field(pattern=CODE_PATTERN, description="fileCode, or the procedure dossier code")
    kind: DossierKind
    title: str = Field(min_length=1, max_length=1000)
    maintenance: str = Field(description="Thời hạn bảo quản code (01-07)")
    maintenance_years: int | None = Field(None, ge=1, le=500, description="Years when maintenance is 07")
    mode: str = Field("01", description="Chế độ sử dụng code (01-03)")
    language: str = Field("01", description="Ngôn ngữ code")
    keyword: list[str] = Field(default_factory=list)
    format: str | None = Field(None, description="Tình trạng vật lý code (01-03)")
    infor_sign: str | None = Field(None, max_length=30, description="Ký hiệu thông tin")
    confidence_level: str = Field("02", description="Mức độ tin cậy: 02 digitized")
    paper_file_code: str | None = Field(None, max_length=200, description="Mã hồ sơ gốc giấy")
    number_of_paper: int | None = Field(None, ge=0, description="Số tờ of the paper dossier (counted)")
    description: str | None = Field(None, max_length=2000)
    # procedure dossiers
    procedure_code: str | None = Field(None, max_length=100, description="Mã thủ tục hành chính")
    procedure_name: str | None = Field(None, max_length=1000, description="Tên thủ tục hành chính")
    reception_date: date | None = Field(None, description="Ngày tiếp nhận")
    expected_components: list[str] = Field(default_factory=list, description="Thành phần hồ sơ")
    # membership and life cycle
    members: list[Member] = Field(default_factory=list)
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    disposal: Disposal | None = None
    history: list[HistoryEntry] = Field(default_factory=list, description="Assignments, moves, disposal")

    def member(self, doc_id: str) -> Member | None:
        """The member entry of a document, if it belongs here."""
        return next((m for m in self.members if m.doc_id == doc_id), None)

    def ordered(self) -> list[Member]:
        """Members by STT."""
        return sorted(self.members, key=lambda m: m.stt)

    def next_stt(self) -> int:
        """The STT a new document gets: one more than the highest (numbers are never reused)."""
        return max((m.stt for m in self.members), default=0) + 1


class MemberDoc(BaseModel):
    """What a dossier shows and exports of one of its documents (read from the index or document.json)."""

    model_config = ConfigDict(frozen=True)

    id: str
    source_file: str = ""
    page_count: int = 0
    access_level: AccessLevel = AccessLevel.INTERNAL
    language: str = "vi"
    dossier_code: str | None = None
    so_ky_hieu: str | None = None
    so: int | None = None
    ky_hieu: str | None = None
    ngay_ban_hanh: date | None = None
    loai_van_ban: str | None = None
    co_quan_ban_hanh: str | None = None
    trich_yeu: str | None = None
    nguoi_ky: str | None = None
    do_mat: str | None = None
    batch: str | None = None
    ocr_confidence: float = 0.0


class DossierFacts(BaseModel):
    """What is derived from a dossier's documents and rules, never typed."""

    model_config = ConfigDict(frozen=True)

    start_date: date | None = None
    end_date: date | None = None
    total_doc: int = 0
    number_of_page: int = 0
    year: int | None = Field(None, description="Year formed (fileCode) or year received (procedure)")
    access_level: AccessLevel = AccessLevel.PUBLIC
    missing_documents: int = Field(0, description="Members whose document is not stored (any more)")
    components_expected: int = 0
    components_missing: list[str] = Field(default_factory=list)
    components_digitized: bool = False
    has_result: bool = False
    results: int = 0
    results_reused: int = 0
    complete: bool = False
    retention_until: date | None = Field(None, description="End of the maintenance period; None = forever")
    disposed: bool = False


class DossierEntry(BaseModel):
    """One member with its document and docCode, in STT order."""

    model_config = ConfigDict(frozen=True)

    member: Member
    doc_code: str
    document: MemberDoc | None = Field(None, description="None when the document is no longer stored")


class DossierView(BaseModel):
    """A dossier loaded with its ordered documents and derived facts (the public read API)."""

    model_config = ConfigDict(frozen=True)

    dossier: Dossier
    entries: list[DossierEntry]
    facts: DossierFacts

    @property
    def code(self) -> str:
        """The dossier code (fileCode)."""
        return self.dossier.code
