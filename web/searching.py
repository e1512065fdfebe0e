"""From URL parameters to a SearchQuery (shared by the search page and ``GET /api/search``).

The access levels of the query come from the user's clearance, never from the request: a request may
narrow them (the access-level facet) but not widen them.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sohoa.errors import InputError
from sohoa.model.document import AccessLevel
from sohoa.model.search import SearchQuery, Sort
from web.users import User

__all__ = ["MAX_OFFSET", "SearchParams", "decode_cursor", "encode_cursor", "to_query"]

_MAX_CURSOR = 2048
#: numbered pages reach this far (Elasticsearch's result window is 10,000 hits)
MAX_OFFSET = 9_900


@dataclass
class SearchParams:
    """The search parameters as sent (page and API use the same names)."""

    q: str = ""
    type: list[str] = field(default_factory=list)
    issuer: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    year: int | None = None
    dossier: str | None = None
    batch: str | None = None
    access: list[str] = field(default_factory=list)
    sort: str = Sort.RELEVANCE.value
    size: int = 20
    after: str | None = None
    offset: int = 0
    #: only documents the scan quality gate asks to rescan
    rescan: bool = False
    #: signers of an embedded PDF signature (any of), and "true"/"false" for the signatures' validity
    signed_by: list[str] = field(default_factory=list)
    signature: str | None = None
    #: signers named by the stamps drawn into the pages (any of): read by OCR, not verified
    stamp_signed_by: list[str] = field(default_factory=list)

    def audit_detail(self) -> dict[str, Any]:
        """The non-empty parameters, for the audit log."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [])}


def encode_cursor(sort_values: list[Any] | None) -> str | None:
    """An opaque URL-safe cursor for ``search_after``."""
    if not sort_values:
        return None
    raw = json.dumps(sort_values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The sort values of a cursor (raises InputError for a damaged one)."""
    if not cursor:
        return None
    if len(cursor) > _MAX_CURSOR:
        raise InputError("the page cursor is too long")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as e:
        raise InputError("the page cursor is damaged; start the search again") from e
    if not isinstance(values, list) or not all(isinstance(v, str | int | float) or v is None for v in values):
        raise InputError("the page cursor is damaged; start the search again")
    return values


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise InputError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from e


def to_query(params: SearchParams, user: User) -> SearchQuery:
    """The SearchQuery for ``params`` as ``user`` may run it.

    Raises:
        InputError: a parameter cannot be understood.
    """
    try:
        sort = Sort(params.sort or Sort.RELEVANCE.value)
    except ValueError as e:
        raise InputError(f"sort must be one of {', '.join(s.value for s in Sort)}") from e
    levels = user.access_levels
    if params.access:
        try:
            asked = {AccessLevel(a) for a in params.access}
        except ValueError as e:
            raise InputError(f"access must be one of {', '.join(a.value for a in AccessLevel)}") from e
        # Narrow only: a level the user is not cleared for is dropped, never added.
        levels = [a for a in levels if a in asked]
    date_from, date_to = _date(params.date_from, "from"), _date(params.date_to, "to")
    if date_from and date_to and date_from > date_to:
        raise InputError(f"from {date_from} is after to {date_to}")
    if not 1 <= params.size <= 100:
        raise InputError("size must be between 1 and 100")
    if not 0 <= params.offset <= MAX_OFFSET:
        raise InputError(f"pages go up to hit {MAX_OFFSET:,}; narrow the search or use the `after` cursor")
    if params.signature not in (None, "", "true", "false"):
        raise InputError("signature must be true or false")
    return SearchQuery(
        text=params.q.strip()[:500],
        loai_van_ban=[t for t in params.type if t],
        co_quan_ban_hanh=[i for i in params.issuer if i],
        date_from=date_from,
        date_to=date_to,
        year=params.year,
        dossier_code=params.dossier or None,
        needs_rescan=True if params.rescan else None,
        signed_by=[s for s in params.signed_by if s.strip()],
        signature_valid={"true": True, "false": False}.get(params.signature or ""),
        stamp_signed_by=[s for s in params.stamp_signed_by if s.strip()],
        batch=params.batch or None,
        access_levels=levels,
        sort=sort,
        size=params.size,
        search_after=decode_cursor(params.after),
        offset=params.offset if not params.after else 0,
    )
