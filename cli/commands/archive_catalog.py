"""``sohoa archive catalog|disposal|dispose|digitization``: the archive's outputs for dossiers.

``catalog`` writes the TT 05/2025 catalogue (one row/element per dossier and per document) as CSV
(UTF-8 with BOM) or XML; ``disposal`` lists dossiers whose maintenance period ended; ``dispose`` carries
out a disposal an admin approved on the web (refused without one); ``digitization`` writes the QĐ 766
digitization figures. #17 adds ``archive package|verify|build`` to the same group.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.commands._groups import group
from cli.commands.dossier import audit_events
from pipeline.dossiers import DossierService
from pipeline.dossiers.catalogue import write_csv, write_xml
from pipeline.dossiers.digitization import digitization_report, report_dicts, write_report_csv
from pipeline.dossiers.disposal import disposal_list, dispose, period_ended
from sohoa.errors import DossierError
from sohoa.settings import get_settings

__all__ = ["register"]

_out = Console()
_err = Console(stderr=True)
_DATES = ["%Y-%m-%d", "%d/%m/%Y"]


class CatalogFormat(StrEnum):
    """Output format of the catalogue."""

    CSV = "csv"
    XML = "xml"


def catalog(
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[CatalogFormat, typer.Option("--format", help="csv or xml.")] = CatalogFormat.CSV,
    dossier: Annotated[
        list[str] | None, typer.Option("--dossier", help="A dossier code; repeatable.")
    ] = None,
    batch: Annotated[
        str | None, typer.Option("--batch", help="Dossiers holding documents of a batch.")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every dossier.")] = False,
) -> None:
    """Export the catalogue of dossiers and their documents with the TT 05 field names and codes."""
    chosen = sum(1 for x in (dossier, batch, everything) if x)
    if chosen != 1:
        raise DossierError("choose exactly one of --dossier CODE, --batch ID or --all")
    settings = get_settings()
    service = DossierService.from_settings(settings)
    t0 = time.perf_counter()
    if dossier:
        codes = [service.get(c).code for c in dossier]
    elif batch:
        codes = service.codes_of_batch(batch)
    else:
        codes = service.store.codes()
    views = service.views(codes)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt is CatalogFormat.CSV:
        rows = write_csv(views, out)
        what = f"{rows} rows"
    else:
        write_xml(views, out, agency=settings.dossier.agency_id)
        what = "XML"
    docs = sum(len(v.entries) for v in views)
    _err.print(
        f"catalogue of {len(views)} dossiers, {docs} documents → {out} "
        f"({what}, {time.perf_counter() - t0:.2f} s)"
    )


def disposal(
    year: Annotated[
        int, typer.Option("--year", help="Periods ended in this year or before.")
    ] = date.today().year,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List dossiers whose maintenance period has ended, by the year it ended, with totals."""
    service = DossierService.from_settings(get_settings())
    result = disposal_list(service, year)
    if as_json:
        data = {
            "year": year,
            "totals": {"dossiers": result.dossiers, "documents": result.documents, "pages": result.pages},
            "groups": [
                {
                    "year": g.year,
                    "dossiers": g.dossiers,
                    "documents": g.documents,
                    "pages": g.pages,
                    "items": [
                        {
                            "fileCode": v.code,
                            "title": v.dossier.title,
                            "maintenance": v.dossier.maintenance,
                            "ended": str(period_ended(v)),
                            "approved": v.dossier.disposal.decision if v.dossier.disposal else None,
                        }
                        for v in g.views
                    ],
                }
                for g in result.groups
            ],
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"maintenance periods ended by {year}")
    for col in ("year", "fileCode", "title", "maintenance", "docs", "pages", "decision"):
        table.add_column(col, overflow="fold")
    for g in result.groups:
        for v in g.views:
            decision = v.dossier.disposal.decision if v.dossier.disposal else ""
            table.add_row(str(g.year), v.code, v.dossier.title, v.dossier.maintenance, str(v.facts.total_doc),
                          str(v.facts.number_of_page), decision)  # fmt: skip
        table.add_row(
            f"[bold]{g.year}[/]", f"{g.dossiers} dossiers", "", "", str(g.documents), str(g.pages), ""
        )
    _out.print(table)
    _out.print(f"total: {result.dossiers} dossiers, {result.documents} documents, {result.pages} pages")


def dispose_cmd(code: Annotated[str, typer.Argument(help="The dossier code.")]) -> None:
    """Carry out an approved disposal: delete the originals and artifacts (refused without approval)."""
    settings = get_settings()
    service = DossierService.from_settings(settings)
    user = "cli"
    try:
        events = dispose(service, code, by=user)
    except DossierError as e:
        from web.app import database_path
        from web.audit import Action, AuditLog

        AuditLog(database_path(settings)).record(
            Action.DISPOSAL, user=user, target=code, outcome="refused", detail={"reason": e.message}
        )
        raise
    audit_events(settings, events, user=user)
    _out.print(f"dossier {code} disposed: {len(events) - 1} documents deleted")


def digitization(
    out: Annotated[Path | None, typer.Option("--out", help="Write CSV here (default: print JSON).")] = None,
    date_from: Annotated[datetime | None, typer.Option("--from", formats=_DATES)] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=_DATES)] = None,
) -> None:
    """The digitization figures of procedure dossiers (QĐ 766) per procedure for a period."""
    service = DossierService.from_settings(get_settings())
    rows = digitization_report(
        service.views(service.store.codes()),
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    if out is None:
        typer.echo(json.dumps(report_dicts(rows), ensure_ascii=False, indent=2))
    else:
        write_report_csv(rows, out)
        _err.print(f"digitization report → {out}")


def register(app: typer.Typer) -> None:
    """Add ``sohoa archive catalog|disposal|dispose|digitization``."""
    sub = group(app, "archive", help="Archival outputs: catalogue, disposal, digitization report, packages.")
    sub.command("catalog")(catalog)
    sub.command("disposal")(disposal)
    sub.command("dispose")(dispose_cmd)
    sub.command("digitization")(digitization)
