"""``sohoa dossier create|show|add|list|reindex``: dossiers from the command line.

Bad input (a malformed code, an unknown code-list value, a reception date in the future) is a
``DossierError`` and exits with code 3 through the CLI's error boundary. Every change is written to the
web app's audit log (the same database), with the operator's login name.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline.dossiers import DossierService, Event
from pipeline.dossiers.catalogue import view_json
from sohoa.model.codelists import code_list
from sohoa.model.dossier import DossierKind, MemberRole, ResultInfo
from sohoa.settings import Settings, get_settings

__all__ = ["audit_events", "register"]

_out = Console()
_DATES = ["%Y-%m-%d", "%d/%m/%Y"]


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def audit_events(settings: Settings, events: list[Event], *, user: str) -> None:
    """Write dossier events to the web app's audit log (moves, assignments, disposals)."""
    from web.app import database_path
    from web.audit import Action, AuditLog

    log = AuditLog(database_path(settings))
    for e in events:
        action = Action.DISPOSAL if e.action.startswith("dispos") else Action.DOSSIER
        target = f"{e.code}/{e.doc_id}" if e.doc_id else e.code
        log.record(action, user=user, target=target, outcome=e.action, detail={"via": "cli", **e.detail})


def _service() -> tuple[Settings, DossierService]:
    settings = get_settings()
    return settings, DossierService.from_settings(settings)


def create(
    code: Annotated[str, typer.Argument(help="fileCode (archival) or V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX.")],
    kind: Annotated[DossierKind, typer.Option("--kind", help="archival or procedure.")],
    title: Annotated[str | None, typer.Option("--title", help="Tiêu đề hồ sơ (default: the code).")] = None,
    maintenance: Annotated[str, typer.Option("--maintenance", help="Thời hạn bảo quản 01-07.")] = "01",
    maintenance_years: Annotated[
        int | None, typer.Option("--maintenance-years", help="Years for 07.")
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="Chế độ sử dụng 01-03.")] = "01",
    language: Annotated[str, typer.Option("--language", help="Ngôn ngữ code.")] = "01",
    keyword: Annotated[list[str] | None, typer.Option("--keyword", help="Từ khóa; repeatable.")] = None,
    physical: Annotated[str | None, typer.Option("--format", help="Tình trạng vật lý 01-03.")] = None,
    infor_sign: Annotated[str | None, typer.Option("--infor-sign", help="Ký hiệu thông tin.")] = None,
    confidence: Annotated[
        str, typer.Option("--confidence-level", help="Mức độ tin cậy (02 digitized).")
    ] = "02",
    paper_file_code: Annotated[
        str | None, typer.Option("--paper-file-code", help="Mã hồ sơ gốc giấy.")
    ] = None,
    number_of_paper: Annotated[int | None, typer.Option("--number-of-paper", help="Số tờ.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Ghi chú.")] = None,
    procedure_code: Annotated[str | None, typer.Option("--procedure-code", help="Mã thủ tục.")] = None,
    procedure_name: Annotated[str | None, typer.Option("--procedure-name", help="Tên thủ tục.")] = None,
    reception_date: Annotated[
        datetime | None, typer.Option("--reception-date", formats=_DATES, help="Ngày tiếp nhận.")
    ] = None,
    component: Annotated[
        list[str] | None, typer.Option("--component", help="Expected component (thành phần); repeatable.")
    ] = None,
) -> None:
    """Create a dossier (documents that already carry its code join it)."""
    settings, service = _service()
    data = {
        "code": code,
        "kind": kind,
        "title": title or code,
        "maintenance": maintenance,
        "maintenance_years": maintenance_years,
        "mode": mode,
        "language": language,
        "keyword": keyword or [],
        "format": physical,
        "infor_sign": infor_sign,
        "confidence_level": confidence,
        "paper_file_code": paper_file_code,
        "number_of_paper": number_of_paper,
        "description": description,
        "procedure_code": procedure_code,
        "procedure_name": procedure_name,
        "reception_date": reception_date.date() if reception_date else None,
        "expected_components": component or [],
    }
    user = _operator()
    dossier, events = service.create(data, by=user)
    audit_events(settings, events, user=user)
    _out.print(
        f"created {dossier.kind.value} dossier [bold]{dossier.code}[/] ({len(dossier.members)} documents)"
    )


def show(
    code: Annotated[str, typer.Argument(help="The dossier code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show a dossier: its fields and its documents in order with docCode and STT."""
    _, service = _service()
    view = service.view(code)
    if as_json:
        typer.echo(json.dumps(view_json(view), ensure_ascii=False, indent=2))
        return
    d, f = view.dossier, view.facts
    maint = code_list("maintenance").label(d.maintenance)
    _out.print(f"[bold]{d.code}[/] · {d.kind.value} · {d.title}")
    _out.print(
        f"maintenance {d.maintenance} ({maint}) · mode {d.mode} · {f.total_doc} documents · "
        f"{f.number_of_page} pages · {f.start_date or '?'} – {f.end_date or '?'}"
    )
    table = Table()
    for col in ("STT", "docCode", "role", "số/ký hiệu", "ngày", "trích yếu", "pages"):
        table.add_column(col, overflow="fold")
    for e in view.entries:
        doc = e.document
        table.add_row(
            str(e.member.stt),
            e.doc_code,
            e.member.role.value,
            (doc.so_ky_hieu or "") if doc else "(not stored)",
            str(doc.ngay_ban_hanh or "") if doc else "",
            (doc.trich_yeu or "") if doc else "",
            str(doc.page_count) if doc else "",
        )
    _out.print(table)


def add(
    code: Annotated[str, typer.Argument(help="The dossier code.")],
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (SHA-256), in order.")],
    role: Annotated[
        MemberRole | None, typer.Option("--role", help="component or result (procedure).")
    ] = None,
    component: Annotated[str | None, typer.Option("--component", help="Which expected component.")] = None,
    valid_until: Annotated[
        datetime | None, typer.Option("--valid-until", formats=_DATES, help="A result's validity end.")
    ] = None,
    permanent: Annotated[bool, typer.Option("--permanent", help="A result valid without limit.")] = False,
    reused: Annotated[bool, typer.Option("--reused", help="The result is reused.")] = False,
) -> None:
    """Add documents to a dossier (each gets the next STT; a document in another dossier is moved)."""
    settings, service = _service()
    result = None
    if role is MemberRole.RESULT:
        result = ResultInfo(
            valid_until=valid_until.date() if valid_until else None, permanent=permanent, reused=reused
        )
    user = _operator()
    outcome = service.assign(
        code, doc_ids, by=user, role=role, component=component, result=result, source="cli"
    )
    audit_events(settings, outcome.events, user=user)
    for m in outcome.added:
        moved = outcome.moved_from.get(m.doc_id)
        _out.print(f"STT {m.stt}: {m.doc_id[:12]}" + (f" (moved from {moved})" if moved else ""))
    if outcome.already:
        _out.print(f"already in {code}: {', '.join(i[:12] for i in outcome.already)}")


def list_dossiers(
    kind: Annotated[DossierKind | None, typer.Option("--kind")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List dossiers (from the dossiers index)."""
    from storage.dossier_index import DossierFilter

    _, service = _service()
    _, rows = service.index.search(DossierFilter(kind=kind.value if kind else None, year=year), size=1000)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        _out.print(f"{r['code']}\t{r['kind']}\t{r.get('year') or ''}\t{r['total_doc']}\t{r['title']}")


def reindex() -> None:
    """Rebuild the dossiers index from the dossiers stored in MinIO."""
    _, service = _service()
    _out.print(f"indexed {service.reindex()} dossiers")


def register(app: typer.Typer) -> None:
    """Add ``sohoa dossier ...``."""
    sub = typer.Typer(help="Dossiers (hồ sơ): archival and administrative-procedure.", no_args_is_help=True)
    sub.command("create")(create)
    sub.command("show")(show)
    sub.command("add")(add)
    sub.command("list")(list_dossiers)
    sub.command("reindex")(reindex)
    app.add_typer(sub, name="dossier")
