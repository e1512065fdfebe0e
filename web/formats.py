"""Dates and times as people read them here: ``dd/mm/yyyy``, times in the configured time zone.

Stored times are UTC ISO strings; :func:`local_time` shows them in ``web.time_zone`` (default
Asia/Ho_Chi_Minh) in pages and exports. Values that are not times are returned unchanged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sohoa.errors import ConfigurationError

__all__ = ["local_date", "local_time", "parse_day", "zone"]


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` (raises ConfigurationError for an unknown one)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigurationError(f"web.time_zone {name!r} is not a known time zone") from e


def local_time(value: str | datetime | None, tz: str, *, seconds: bool = False) -> str:
    """``dd/mm/yyyy HH:MM`` in ``tz`` for a UTC ISO time (naive values are taken as UTC)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(tz)).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def local_date(value: str | date | None) -> str:
    """``dd/mm/yyyy`` for an ISO date (or the value unchanged when it is not one)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def parse_day(value: str | None) -> date | None:
    """A date typed as ``dd/mm/yyyy`` or ``yyyy-mm-dd`` (what a date input sends), or None."""
    if not value or not value.strip():
        return None
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
