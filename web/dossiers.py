"""Dossier pages and API: list, page, create/edit, add and upload documents, catalogue, disposal, report.

Who may do what: anyone who may search sees dossiers whose usage mode their clearance allows, and in them
only the documents they are cleared for; staff (upload permission) create, edit, fill and export; only an
admin approves and carries out a disposal. Every change is audited (``dossier`` / ``disposal`` actions),
every refusal too.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from pipeline.dossiers import DossierFilter, DossierInput, DossierService, Event
from pipeline.dossiers.catalogue import view_json, write_csv, write_xml
from pipeline.dossiers.derive import MODE_ACCESS
from pipeline.dossiers.digitization import digitization_report, write_report_csv
from pipeline.dossiers.disposal import approve_disposal, disposal_list, dispose, period_ended
from pipeline.dossiers.service import EDITABLE_FIELDS
from sohoa.errors import DossierError
from sohoa.model.codelists import code_list
from sohoa.model.dossier import DossierKind, DossierView, MemberRole, ResultInfo, is_dossier_code
from sohoa.text import fold
from web.app import error_response, render
from web.audit import Action
from web.deps import audit, check_csrf, ctx
from web.deps import require as _require
from web.uploads import stage_upload
from web.users import Permission, Role, User

__all__ = ["audit_events", "router", "service"]

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/dossiers", tags=["dossiers"])

Searcher = Annotated[User, Depends(_require(Permission.SEARCH))]
Staff = Annotated[User, Depends(_require(Permission.UPLOAD))]
_CODE_LISTS = ("maintenance", "mode", "language", "format", "confidence_level")


def service(request: Request) -> DossierService:
    """The dossier service on the app's bucket and indices (one per app)."""
    state = request.app.state
    if getattr(state, "dossiers", None) is None:
        c = ctx(request)
        state.dossiers = DossierService.on(c.backend.store, c.backend.index, c.settings.dossier)
    svc: DossierService = state.dossiers
    return svc


def audit_events(request: Request, events: list[Event]) -> None:
    """Write a dossier change's events to the audit log (``dossier`` or ``disposal``, outcome = event)."""
    for e in events:
        action = Action.DISPOSAL if e.action.startswith("dispos") else Action.DOSSIER
        target = f"{e.code}/{e.doc_id}" if e.doc_id else e.code
        audit(request, action, target=target, outcome=e.action, detail=e.detail)


def _require_admin(request: Request, user: User) -> None:
    if user.role is not Role.ADMIN:
        audit(request, Action.DENIED, target=request.url.path, outcome="forbidden", detail={"needs": "admin"})
        from web.deps import Forbidden

        raise Forbidden()


def _visible_view(request: Request, user: User, code: str) -> DossierView | None:
    """The dossier if it exists and its usage mode is within the user's clearance (audited)."""
    if not is_dossier_code(code):
        return None
    svc = service(request)
    dossier = svc.store.get(code)
    if dossier is None:
        return None
    if not user.may_see(MODE_ACCESS.get(dossier.mode, MODE_ACCESS["02"])):
        audit(request, Action.DENIED, target=code, outcome="above_clearance", detail={"mode": dossier.mode})
        return None
    return svc.view_of(dossier)


def _cleared(view: DossierView, user: User) -> tuple[DossierView, int]:
    """The view with only the documents the user may see, and how many were left out."""
    keep = [e for e in view.entries if e.document is None or user.may_see(e.document.access_level)]
    return view.model_copy(update={"entries": keep}), len(view.entries) - len(keep)


def _choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    return {
        n: [(c, f"{c} {code_list(n).label(c, lang)}") for c in code_list(n).choices()] for n in _CODE_LISTS
    }


# -- list and page ---------------------------------------------------------------------------------


@router.get("/dossiers")
def dossier_list(
    request: Request,
    user: Searcher,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[str | None, Query(max_length=4)] = None,
    maintenance: Annotated[str | None, Query(max_length=2)] = None,
    procedure: Annotated[str | None, Query(max_length=100)] = None,
    complete: Annotated[str | None, Query(max_length=3)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Dossiers with filters: kind, year, maintenance, procedure, complete or not, code/title words."""
    svc = service(request)
    flt = DossierFilter(
        kind=kind if kind in ("archival", "procedure") else None,
        year=int(year) if year and year.isdigit() else None,
        maintenance=maintenance or None,
        procedure_code=procedure or None,
        complete={"yes": True, "no": False}.get(complete or ""),
        text_key=fold(q).strip() or None,
    )
    total, rows = svc.index.search(flt, size=500)
    visible = [r for r in rows if user.may_see(MODE_ACCESS.get(r.get("mode") or "02", MODE_ACCESS["02"]))]
    lang = getattr(request.state, "lang", "vi")
    return render(
        request,
        "dossiers.html",
        rows=visible,
        total=total,
        flt=flt,
        q=q,
        complete=complete or "",
        years=sorted(svc.index.facet("year"), reverse=True),
        procedures=sorted(svc.index.facet("procedure_code")),
        choices=_choices(lang),
        maintenance_label=lambda c: code_list("maintenance").label(c, lang),
    )


@router.get("/dossiers/new")
def new_form(request: Request, user: Staff) -> Response:
    """The create form."""
    lang = getattr(request.state, "lang", "vi")
    return render(request, "dossier_form.html", dossier=None, values={}, error=None, choices=_choices(lang))


def _form_values(form: Any) -> dict[str, Any]:
    def text(name: str) -> str | None:
        value = form.get(name)
        return str(value).strip() or None if value is not None else None

    values: dict[str, Any] = {name: text(name) for name in EDITABLE_FIELDS}
    values["keyword"] = [k.strip() for k in (text("keyword") or "").replace(";", ",").split(",") if k.strip()]
    values["expected_components"] = [
        c.strip() for c in (text("expected_components") or "").splitlines() if c.strip()
    ]
    for name in ("maintenance_years", "number_of_paper"):
        raw = values[name]
        if raw is not None and not raw.isdigit():
            raise DossierError(f"{name}: {raw!r} is not a whole number")
        values[name] = int(raw) if raw is not None else None
    if values["reception_date"]:
        try:
            values["reception_date"] = date.fromisoformat(values["reception_date"])
        except ValueError as e:
            raise DossierError(
                f"reception date {values['reception_date']!r} is not a date (YYYY-MM-DD)"
            ) from e
    for name in ("mode", "language", "confidence_level"):
        if values[name] is None:
            values.pop(name)
    # a field the form did not send is left as it is (never cleared by a partial form)
    return {k: v for k, v in values.items() if k in form}


@router.post("/dossiers/new")
async def create(request: Request, user: Staff) -> Response:
    """Create a dossier from the form; a refusal shows the form again with the reason."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    lang = getattr(request.state, "lang", "vi")
    code = str(form.get("code") or "").strip()
    kind = str(form.get("kind") or "")
    try:
        values = _form_values(form)
        dossier, events = service(request).create({**values, "code": code, "kind": kind}, by=user.name)
    except DossierError as e:
        audit(
            request,
            Action.DOSSIER,
            target=code[:100] or None,
            outcome="refused",
            detail={"reason": e.message},
        )
        return render(request, "dossier_form.html", status_code=400, dossier=None, values=dict(form),
                      error=e.message, choices=_choices(lang))  # fmt: skip
    audit_events(request, events)
    return RedirectResponse(f"/dossiers/{quote(dossier.code)}", status_code=303)


@router.get("/dossiers/{code}")
def dossier_page(request: Request, user: Searcher, code: str) -> Response:
    """A dossier: its fields, its documents in STT order, completeness, access level, history."""
    view = _visible_view(request, user, code)
    if view is None:
        return error_response(request, 404, "dossier not found")
    audit(request, Action.VIEW, target=f"dossier:{code}")
    shown, hidden = _cleared(view, user)
    lang = getattr(request.state, "lang", "vi")
    return render(
        request,
        "dossier.html",
        view=shown,
        d=shown.dossier,
        f=shown.facts,
        hidden=hidden,
        label=lambda name, value: code_list(name).label(value, lang) if value else "",
        ended=period_ended(view),
        roles=[
            r.value
            for r in MemberRole
            if (r is MemberRole.DOCUMENT) == (view.dossier.kind is DossierKind.ARCHIVAL)
        ],
        can_edit=user.can(Permission.UPLOAD),
        is_admin=user.role is Role.ADMIN,
        history=list(reversed(view.dossier.history[-50:])),
    )


@router.get("/dossiers/{code}/edit")
def edit_form(request: Request, user: Staff, code: str) -> Response:
    """The edit form."""
    view = _visible_view(request, user, code)
    if view is None:
        return error_response(request, 404, "dossier not found")
    values = view.dossier.model_dump(mode="json")
    values["keyword"] = ", ".join(view.dossier.keyword)
    values["expected_components"] = "\n".join(view.dossier.expected_components)
    lang = getattr(request.state, "lang", "vi")
    return render(
        request, "dossier_form.html", dossier=view.dossier, values=values, error=None, choices=_choices(lang)
    )


@router.post("/dossiers/{code}/edit")
async def edit(request: Request, user: Staff, code: str) -> Response:
    """Save the typed fields (derived ones cannot be typed)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    view = _visible_view(request, user, code)
    if view is None:
        return error_response(request, 404, "dossier not found")
    try:
        values = _form_values(form)
        values.pop("reception_date", None)  # part of a procedure dossier's code; archival ones have none
        changes = {k: v for k, v in values.items() if getattr(view.dossier, k) != v}
        _, events = service(request).update(code, changes, by=user.name)
    except DossierError as e:
        audit(request, Action.DOSSIER, target=code, outcome="refused", detail={"reason": e.message})
        lang = getattr(request.state, "lang", "vi")
        return render(request, "dossier_form.html", status_code=400, dossier=view.dossier, values=dict(form),
                      error=e.message, choices=_choices(lang))  # fmt: skip
    audit_events(request, events)
    return RedirectResponse(f"/dossiers/{quote(code)}", status_code=303)


# -- filling ---------------------------------------------------------------------------------------


def _result(
    role: MemberRole | None, valid_until: str | None, permanent: bool, reused: bool
) -> ResultInfo | None:
    if role is not MemberRole.RESULT:
        return None
    until = None
    if valid_until:
        try:
            until = date.fromisoformat(valid_until)
        except ValueError as e:
            raise DossierError(f"validity {valid_until!r} is not a date (YYYY-MM-DD)") from e
    return ResultInfo(valid_until=until, permanent=permanent, reused=reused)


def _assign(
    request: Request,
    user: User,
    code: str,
    ids: list[str],
    role: MemberRole | None,
    result: ResultInfo | None,
    component: str | None,
    source: str,
) -> Any:
    svc = service(request)
    for doc_id in ids:
        doc = svc.store.read_documents([doc_id]).get(doc_id)
        if doc is not None and not user.may_see(doc.access_level):
            raise DossierError(f"document {doc_id!r} is not stored")  # above clearance: not there for them
    outcome = svc.assign(
        code, ids, by=user.name, role=role, component=component, result=result, source=source
    )
    audit_events(request, outcome.events)
    return outcome


@router.post("/dossiers/{code}/documents")
def add_documents(
    request: Request,
    user: Staff,
    code: str,
    doc_ids: Annotated[str, Form(max_length=100_000)],
    role: Annotated[str, Form(max_length=20)] = "",
    component: Annotated[str, Form(max_length=500)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    permanent: Annotated[str, Form(max_length=5)] = "",
    reused: Annotated[str, Form(max_length=5)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Add documents by id (one per line) with their role; a document in another dossier is moved."""
    check_csrf(request, csrf_token)
    if _visible_view(request, user, code) is None:
        return error_response(request, 404, "dossier not found")
    member_role = MemberRole(role) if role in {r.value for r in MemberRole} else None
    try:
        result = _result(member_role, valid_until or None, bool(permanent), bool(reused))
        _assign(request, user, code, doc_ids.split(), member_role, result, component.strip() or None, "web")
    except DossierError as e:
        audit(request, Action.DOSSIER, target=code, outcome="refused", detail={"reason": e.message})
        return error_response(request, 400, e.message)
    return RedirectResponse(f"/dossiers/{quote(code)}", status_code=303)


def _dossier_manifest(staged_files: list[tuple[str, Any]], code: str) -> bytes:
    """A manifest naming ``code`` for every staged file (an uploaded manifest's other columns are kept)."""
    from pipeline.batch import MANIFEST_NAMES, parse_manifest

    rows = {}
    for rel, path in staged_files:
        if rel in MANIFEST_NAMES:
            rows = {r.file: r for r in parse_manifest(path.read_bytes(), name=rel)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "dossier_code", "expected_pages", "access_level", "notes"])
    for rel, _ in staged_files:
        if rel in MANIFEST_NAMES:
            continue
        row = rows.get(rel)
        level = row.access_level.value if row and row.access_level else ""
        pages = row.expected_pages if row and row.expected_pages is not None else ""
        writer.writerow([rel, code, pages, level, (row.notes if row else None) or ""])
    return out.getvalue().encode("utf-8")


@router.post("/dossiers/{code}/upload")
def upload_into(
    request: Request,
    user: Staff,
    code: str,
    files: Annotated[list[UploadFile], File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Upload scans straight into this dossier: the batch's manifest names the dossier for every file."""
    check_csrf(request, csrf_token)
    if _visible_view(request, user, code) is None:
        return error_response(request, 404, "dossier not found")
    c = ctx(request)
    tmp_root = c.settings.home / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="upload-", dir=tmp_root) as tmp:
        staged = stage_upload(
            [(f.filename or "", f.file) for f in files if f.filename],
            tmp_root / tmp,
            max_bytes=c.settings.web.max_upload_mb * 1024 * 1024,
        )
        manifest = staged.root / "manifest.csv"
        manifest.write_bytes(_dossier_manifest(staged.files, code))
        batch_files = [(rel, p) for rel, p in staged.files if rel != "manifest.csv"] + [
            ("manifest.csv", manifest)
        ]
        batch_id = c.backend.new_batch_id()
        c.backend.start_batch(batch_id, batch_files, uploader=user.name)
    audit(request, Action.UPLOAD, target=batch_id, detail={"files": staged.documents, "dossier": code})
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


# -- outputs ---------------------------------------------------------------------------------------


@router.get("/dossiers/{code}/catalogue.{fmt}")
def catalogue(request: Request, user: Staff, code: str, fmt: str) -> Response:
    """The dossier's catalogue (TT 05 field names and codes) as CSV (UTF-8 with BOM) or XML."""
    view = _visible_view(request, user, code)
    if view is None or fmt not in ("csv", "xml"):
        return error_response(request, 404, "dossier not found")
    shown, _ = _cleared(view, user)
    audit(request, Action.DOWNLOAD, target=f"dossier:{code}", detail={"catalogue": fmt})
    name = quote(f"{code}-catalogue.{fmt}")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    if fmt == "csv":
        text = io.StringIO()
        write_csv([shown], text)
        return Response(("\ufeff" + text.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers=headers)  # fmt: skip
    data = io.BytesIO()
    write_xml([shown], data, agency=ctx(request).settings.dossier.agency_id)
    return Response(data.getvalue(), media_type="application/xml", headers=headers)


@router.get("/archive/disposal")
def disposal_page(
    request: Request, user: Staff, year: Annotated[int | None, Query(ge=1900, le=9999)] = None
) -> Response:
    """Dossiers whose maintenance period has ended, by the year it ended, with totals."""
    svc = service(request)
    chosen = year or svc.today().year
    return render(request, "disposal.html", listing=disposal_list(svc, chosen), year=chosen,
                  is_admin=user.role is Role.ADMIN, ended=period_ended)  # fmt: skip


@router.post("/dossiers/{code}/disposal/approve")
def approve(
    request: Request,
    user: Staff,
    code: str,
    decision: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """An admin approves a disposal, recording the decision number."""
    check_csrf(request, csrf_token)
    _require_admin(request, user)
    try:
        events = approve_disposal(service(request), code, decision, by=user.name)
    except DossierError as e:
        audit(request, Action.DISPOSAL, target=code, outcome="refused", detail={"reason": e.message})
        return error_response(request, 400, e.message)
    audit_events(request, events)
    return RedirectResponse(f"/dossiers/{quote(code)}", status_code=303)


@router.post("/dossiers/{code}/disposal/execute")
def execute(request: Request, user: Staff, code: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    """An admin carries out an approved disposal (refused without approval)."""
    check_csrf(request, csrf_token)
    _require_admin(request, user)
    try:
        events = dispose(service(request), code, by=user.name)
    except DossierError as e:
        audit(request, Action.DISPOSAL, target=code, outcome="refused", detail={"reason": e.message})
        return error_response(request, 400, e.message)
    audit_events(request, events)
    return RedirectResponse(f"/dossiers/{quote(code)}", status_code=303)


def _report(request: Request, date_from: str | None, date_to: str | None) -> Any:
    def parse(value: str | None) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError as e:
            raise DossierError(f"{value!r} is not a date (YYYY-MM-DD)") from e

    svc = service(request)
    codes = [r["code"] for r in svc.index.all(DossierFilter(kind="procedure"))]
    return digitization_report(svc.views(codes), date_from=parse(date_from), date_to=parse(date_to))


@router.get("/archive/digitization")
def digitization_page(
    request: Request,
    user: Staff,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    """The digitization figures (QĐ 766) per procedure for a period."""
    rows = _report(request, date_from, date_to)
    query = "&".join(f"{k}={v}" for k, v in (("from", date_from), ("to", date_to)) if v)
    return render(request, "digitization.html", rows=rows, date_from=date_from or "", date_to=date_to or "",
                  csv_href="/archive/digitization.csv" + (f"?{query}" if query else ""))  # fmt: skip


@router.get("/archive/digitization.csv")
def digitization_csv(
    request: Request,
    user: Staff,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    """The digitization report as CSV (UTF-8 with BOM)."""
    text = io.StringIO()
    write_report_csv(_report(request, date_from, date_to), text)
    headers = {"Content-Disposition": "attachment; filename=digitization-report.csv"}
    return Response(
        ("\ufeff" + text.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers
    )


# -- JSON API ----------------------------------------------------------------------------------------


class AssignRequest(BaseModel):
    """Documents to put into a dossier."""

    doc_ids: list[str] = Field(min_length=1, max_length=10_000)
    role: MemberRole | None = None
    component: str | None = Field(None, max_length=500)
    result: ResultInfo | None = None


@api.get("")
def api_list(
    request: Request,
    user: Searcher,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=1900, le=9999)] = None,
    maintenance: Annotated[str | None, Query(max_length=2)] = None,
    procedure: Annotated[str | None, Query(max_length=100)] = None,
    complete: bool | None = None,
) -> dict[str, Any]:
    """Dossiers matching the filters (index records)."""
    svc = service(request)
    flt = DossierFilter(
        kind=kind, year=year, maintenance=maintenance, procedure_code=procedure, complete=complete
    )
    total, rows = svc.index.search(flt, size=500)
    rows = [r for r in rows if user.may_see(MODE_ACCESS.get(r.get("mode") or "02", MODE_ACCESS["02"]))]
    return {"total": total, "dossiers": rows}


@api.get("/{code}")
def api_dossier(request: Request, user: Searcher, code: str) -> Any:
    """A dossier's fields, facts and documents (docCode, STT, metadata) within the caller's clearance."""
    view = _visible_view(request, user, code)
    if view is None:
        return JSONResponse({"error": "dossier not found"}, status_code=404)
    audit(request, Action.VIEW, target=f"dossier:{code}", detail={"api": True})
    return view_json(_cleared(view, user)[0])


@api.post("", status_code=201)
def api_create(request: Request, user: Staff, body: DossierInput) -> Any:
    """Create a dossier (400 with the reason when a rule is broken)."""
    check_csrf(request, None)
    dossier, events = service(request).create(body, by=user.name)
    audit_events(request, events)
    return {"fileCode": dossier.code, "documents": len(dossier.members)}


@api.post("/{code}/documents")
def api_assign(request: Request, user: Staff, code: str, body: AssignRequest) -> Any:
    """Put documents into a dossier (moves are audited); returns the STTs given."""
    check_csrf(request, None)
    if _visible_view(request, user, code) is None:
        return JSONResponse({"error": "dossier not found"}, status_code=404)
    outcome = _assign(request, user, code, body.doc_ids, body.role, body.result, body.component, "api")
    return {
        "added": [{"docId": m.doc_id, "stt": m.stt} for m in outcome.added],
        "already": outcome.already,
        "moved_from": outcome.moved_from,
    }


@api.put("/{code}/documents/{doc_id}/result")
def api_set_result(request: Request, user: Staff, code: str, doc_id: str, body: ResultInfo) -> Any:
    """Record a result's validity (valid_until or permanent) and reuse flag."""
    check_csrf(request, None)
    if _visible_view(request, user, code) is None:
        return JSONResponse({"error": "dossier not found"}, status_code=404)
    audit_events(request, service(request).set_result(code, doc_id, body, by=user.name))
    return {"docId": doc_id, "result": body.model_dump(mode="json")}


@api.delete("/{code}/documents/{doc_id}")
def api_remove(request: Request, user: Staff, code: str, doc_id: str) -> Any:
    """Take a document out of a dossier (its STT is not reused)."""
    check_csrf(request, None)
    if _visible_view(request, user, code) is None:
        return JSONResponse({"error": "dossier not found"}, status_code=404)
    audit_events(request, service(request).remove(code, doc_id, by=user.name))
    return {"removed": doc_id}


router.include_router(api)
