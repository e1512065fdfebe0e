"""Reference values a reviewer may pick for an issuer.

Agencies of the header vocabulary and provincial people's committees, from the general knowledge in
:mod:`pipeline.metadata.lexicon` (never evaluation data).
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.metadata.lexicon import PHRASES, PROVINCES
from pipeline.metadata.normalize import fold

__all__ = ["reference_values"]

_AGENCY_PREFIXES = ("SỞ ", "BỘ ", "ỦY BAN ", "HỘI ĐỒNG ")
_CITIES = frozenset({"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"})


@lru_cache(maxsize=1)
def _issuers() -> tuple[str, ...]:
    agencies = [p for p in PHRASES().values() if p.startswith(_AGENCY_PREFIXES)]
    committees = [
        f"ỦY BAN NHÂN DÂN {'THÀNH PHỐ' if p in _CITIES else 'TỈNH'} {p.upper()}"
        for p in PROVINCES
        if not p.startswith(("TP.", "Thành phố", "Hồ Chí Minh"))
    ]
    return tuple(dict.fromkeys([*agencies, *committees, "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH"]))


def reference_values(field: str, prefix: str = "", *, limit: int = 10) -> list[str]:
    """Reference values of ``field`` whose words start like ``prefix`` (accent- and case-insensitive)."""
    if field != "co_quan_ban_hanh":
        return []
    key = fold(prefix).strip()
    found = [v for v in _issuers() if not key or fold(v).startswith(key) or f" {key}" in fold(v)]
    return found[:limit]
