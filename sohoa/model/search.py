"""The search API's request and response models: the contract between storage, the CLI and the web app.

The web layer and ``sohoa search --json`` serialize these directly, so renaming a field is an API change.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from sohoa.model.document import AccessLevel

__all__ = ["SearchHit", "SearchQuery", "SearchResult", "Sort"]


class Sort(StrEnum):
    """Result order."""

    RELEVANCE = "relevance"
    DATE_DESC = "date_desc"
    DATE_ASC = "date_asc"


class SearchQuery(BaseModel):
    """Free text plus filters; every filter is optional."""

    text: str = ""
    loai_van_ban: list[str] = Field(default_factory=list, description="Document types (any of)")
    co_quan_ban_hanh: list[str] = Field(default_factory=list, description="Issuers (any of)")
    date_from: date | None = None
    date_to: date | None = None
    year: int | None = None
    dossier_code: str | None = None
    batch: str | None = None
    access_levels: list[AccessLevel] = Field(
        default_factory=lambda: [AccessLevel.PUBLIC],
        description="Levels the caller is cleared for; enforced inside the Elasticsearch query",
    )
    sort: Sort = Sort.RELEVANCE
    size: int = Field(10, ge=1, le=200)
    search_after: list[Any] | None = Field(
        default=None, description="Cursor from the previous page's last hit"
    )
    facets: bool = True
    offset: int = Field(0, ge=0, le=10_000, description="Hits to skip (numbered pages; search_after wins)")
    needs_rescan: bool | None = Field(
        default=None, description="Only documents the quality gate asks to rescan (True) or not (False)"
    )
    signed_by: list[str] = Field(
        default_factory=list, description="Signers of the embedded PDF signatures (any of, as stored)"
    )
    signature_valid: bool | None = Field(
        default=None,
        description="Only signed documents whose every signature verifies (True) or whose signature "
        "does not (False); None: no signature filter",
    )
    stamp_signed_by: list[str] = Field(
        default_factory=list,
        description="Signers named by the signature stamps drawn into the pages (any of, as OCR read them; "
        "not verified signatures, see signed_by)",
    )


class SearchHit(BaseModel):
    """One matching document."""

    id: str
    score: float | None
    fields: dict[str, Any] = Field(
        description="so_ky_hieu, ngay_ban_hanh, loai_van_ban, co_quan_ban_hanh, ..."
    )
    source_file: str
    access_level: AccessLevel
    pages: list[int] = Field(default_factory=list, description="Page numbers whose text matched")
    highlights: list[dict[str, Any]] = Field(
        default_factory=list,
        description='[{"page": 2, "field": "text", "fragments": ["... <mark>x</mark> ..."]}]',
    )
    sort: list[Any] | None = Field(
        default=None, description="Cursor to pass as search_after for the next page"
    )
    page_count: int = Field(0, description="Pages of the document")
    batch: str | None = Field(default=None, description="Ingestion batch")
    dossier_code: str | None = Field(default=None, description="Mã hồ sơ")


class SearchResult(BaseModel):
    """A page of hits with facet counts."""

    total: int = Field(
        description="Matching documents, counted exactly up to 10,000; beyond that a lower bound "
        "(see total_is_lower_bound: show it as '≥ 10,000')"
    )
    took_ms: int
    total_is_lower_bound: bool = Field(
        default=False, description="True when more documents match than were counted (total is a minimum)"
    )
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="loai_van_ban / co_quan_ban_hanh / year / access_level / batch / dossier_code → "
        "{display value: count}; types and issuers are counted by normalized key, shown in their most "
        "frequent spelling",
    )
