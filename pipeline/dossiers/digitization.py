"""The digitization report of procedure dossiers (the figures of QĐ 766/QĐ-TTg's digitization group).

Per period (reception dates) and per procedure: dossiers received, the share with every component
digitized, the share with a digitized result, and the share of results that were reused. Shares are
fractions of the dossiers (components, result) or of the results (reuse); 0 when there is nothing to
divide.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sohoa.model.dossier import DossierKind, DossierView

__all__ = ["DigitizationRow", "digitization_report", "write_report_csv"]

#: the share QĐ 766 gives full marks for (components and result digitized)
TARGET_SHARE = 0.8


@dataclass(frozen=True)
class DigitizationRow:
    """One procedure's figures (or the total, with ``procedure_code`` None)."""

    procedure_code: str | None
    procedure_name: str | None
    received: int
    components_digitized: int
    result_digitized: int
    fully_digitized: int
    results: int
    results_reused: int

    @staticmethod
    def _share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    @property
    def share_components(self) -> float:
        """Share of dossiers with every component digitized."""
        return self._share(self.components_digitized, self.received)

    @property
    def share_result(self) -> float:
        """Share of dossiers with a digitized result."""
        return self._share(self.result_digitized, self.received)

    @property
    def share_full(self) -> float:
        """Share of dossiers with components and result digitized (QĐ 766's figure)."""
        return self._share(self.fully_digitized, self.received)

    @property
    def share_reused(self) -> float:
        """Share of results that were reused."""
        return self._share(self.results_reused, self.results)


def _row(code: str | None, name: str | None, views: list[DossierView]) -> DigitizationRow:
    return DigitizationRow(
        procedure_code=code,
        procedure_name=name,
        received=len(views),
        components_digitized=sum(1 for v in views if v.facts.components_digitized),
        result_digitized=sum(1 for v in views if v.facts.has_result),
        fully_digitized=sum(1 for v in views if v.facts.complete),
        results=sum(v.facts.results for v in views),
        results_reused=sum(v.facts.results_reused for v in views),
    )


def digitization_report(
    views: Iterable[DossierView], *, date_from: date | None = None, date_to: date | None = None
) -> list[DigitizationRow]:
    """One row per procedure (by code), then the total row, for dossiers received in the period."""
    chosen = [
        v
        for v in views
        if v.dossier.kind is DossierKind.PROCEDURE
        and v.dossier.reception_date is not None
        and (date_from is None or v.dossier.reception_date >= date_from)
        and (date_to is None or v.dossier.reception_date <= date_to)
    ]
    groups: dict[str, list[DossierView]] = {}
    for v in chosen:
        groups.setdefault(v.dossier.procedure_code or "", []).append(v)
    rows = []
    for code in sorted(groups):
        members = groups[code]
        name = next((v.dossier.procedure_name for v in members if v.dossier.procedure_name), None)
        rows.append(_row(code or None, name, members))
    rows.append(_row(None, None, chosen))
    return rows


_COLUMNS = (
    "procedure_code",
    "procedure_name",
    "received",
    "components_digitized",
    "share_components",
    "result_digitized",
    "share_result",
    "fully_digitized",
    "share_full",
    "results",
    "results_reused",
    "share_reused",
)


def report_dicts(rows: Iterable[DigitizationRow]) -> list[dict[str, Any]]:
    """The rows as plain dicts (CSV and JSON)."""
    out = []
    for r in rows:
        out.append({c: getattr(r, c) for c in _COLUMNS} | {"procedure_code": r.procedure_code or "TOTAL"})
    return out


def write_report_csv(rows: Iterable[DigitizationRow], out: Path | io.TextIOBase | Any) -> None:
    """The report as CSV (UTF-8 with BOM for spreadsheets)."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            write_report_csv(rows, f)
            return
    writer = csv.DictWriter(out, fieldnames=_COLUMNS)
    writer.writeheader()
    for d in report_dicts(rows):
        writer.writerow(d)
