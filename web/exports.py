"""CSV exports of a batch report and of the audit log: UTF-8 with a BOM (so Excel reads Vietnamese right).

Codes are written translated (the page's language) beside the code itself, and times in the configured
time zone as ``dd/mm/yyyy HH:MM:SS``, the same as on the pages. Cells that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@`` first) are prefixed with a quote: file names and OCR text are untrusted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sohoa.model.report import BatchReport
from web.audit import AuditEntry
from web.codes import action_label, detail_text, error_label, outcome_label, reason_label
from web.formats import local_time
from web.i18n import translate

__all__ = ["BOM", "audit_csv", "report_csv"]

BOM = "\ufeff"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: list[str], rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def report_csv(report: BatchReport, lang: str) -> str:
    """One row per file of a batch report."""
    t = lambda key: translate(lang, key)  # noqa: E731
    header = [t("batch.file"), t("batch.status"), t("batch.pages"), t("batch.number"), t("batch.document"),
              t("batch.error_type"), t("batch.error")]  # fmt: skip
    rows = []
    for f in report.files:
        if f.error:
            kind = f"{error_label(lang, f.error.get('type'))} ({f.error.get('type', '')})"
            why = f.error.get("message", "")
        else:
            kind, why = "", "; ".join(reason_label(lang, r) for r in f.reasons)
        rows.append([f.path, t(f"status.{f.status.value}"), f.pages, f.so_ky_hieu or "", f.document_id or "",
                     kind, why])  # fmt: skip
    return _csv(header, rows)


def audit_csv(entries: Iterable[AuditEntry], lang: str, time_zone: str) -> str:
    """One row per audit entry, times in ``time_zone``."""
    t = lambda key: translate(lang, key)  # noqa: E731
    header = ["#", t("audit.time"), t("audit.user"), t("audit.action"), t("audit.target"), t("audit.outcome"),
              t("audit.ip"), t("audit.detail")]  # fmt: skip
    rows = [
        [
            e.id,
            local_time(e.at, time_zone, seconds=True),
            e.user or "",
            action_label(lang, e.action),
            e.target or "",
            outcome_label(lang, e.outcome),
            e.ip or "",
            " · ".join(f"{k}: {v}" for k, v in detail_text(lang, e.detail)),
        ]  # fmt: skip
        for e in entries
    ]
    return _csv(header, rows)
