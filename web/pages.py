"""Server-rendered pages: sign-in, search, document, upload, batch progress, audit log.

Every value from a document (OCR text, extracted metadata, file names) reaches the page through Jinja2
autoescaping; the only markup built in Python is our own ``<mark>`` around escaped text (``web.highlight``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from sohoa.errors import InputError, ObjectNotFoundError, SohoaError
from sohoa.model.document import FIELD_NAMES
from sohoa.model.ocr import OcrPage
from sohoa.model.report import BatchState, FileStatus
from sohoa.model.search import Sort
from sohoa.model.split import SplitMode
from web.api import start_upload, visible_document
from web.app import error_response, render
from web.audit import Action, AuditEntry
from web.auth import SESSION_COOKIE
from web.backend import is_batch_id
from web.codes import error_labels
from web.deps import audit, check_csrf, client_ip, ctx, current_user
from web.deps import require as _require
from web.exports import audit_csv, report_csv
from web.formats import parse_day, zone
from web.highlight import MarkContext, document_context, highlight_text, marked_words, safe_fragment
from web.i18n import translate
from web.searching import MAX_OFFSET, SearchParams, to_query
from web.users import Permission, User

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

Searcher = Annotated[User, Depends(_require(Permission.SEARCH))]
Uploader = Annotated[User, Depends(_require(Permission.UPLOAD))]
Auditor = Annotated[User, Depends(_require(Permission.AUDIT))]

_WORD = re.compile(r"\w+", re.UNICODE)
#: facet name in SearchResult → (URL parameter, multi-valued)
_FACET_PARAMS: dict[str, tuple[str, bool]] = {
    "loai_van_ban": ("type", True),
    "co_quan_ban_hanh": ("issuer", True),
    "year": ("year", False),
    "access_level": ("access", True),
    "batch": ("batch", False),
    "dossier_code": ("dossier", False),
    "signed_by": ("signed_by", True),
    "signature_valid": ("signature", False),
    "stamp_signed_by": ("stamp_signed_by", True),
}
#: audit rows per page, and at most in one CSV export
_AUDIT_PAGE = 200
_AUDIT_CSV_ROWS = 100_000
_HIT_FIELDS = ("so_ky_hieu", "loai_van_ban", "ngay_ban_hanh", "co_quan_ban_hanh")
_ACTIVE = (BatchState.QUEUED, BatchState.RUNNING)
_PAGE_SIZE = 20
_STOPPED = (BatchState.FAILED.value, BatchState.CANCELLED.value)


def _safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect to another site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# -- sign-in ---------------------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    """Search for those who may search, otherwise the upload page."""
    user = current_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/search" if user.can(Permission.SEARCH) else "/upload", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    """The sign-in form."""
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    """Check the password; on success set the session cookie and go where the user was heading."""
    check_csrf(request, csrf_token)
    c = ctx(request)
    name = username.strip()
    ip = client_ip(request)
    wait = c.throttle.retry_after(name, ip)
    if wait > 0:
        c.audit.record(Action.LOGIN, user=name, outcome="throttled", ip=ip,
                       detail={"method": "form", "wait_s": round(wait)})  # fmt: skip
        response = render(
            request, "login.html", status_code=429, next=_safe_next(next), error="login.locked",
            wait=int(wait) + 1,
        )  # fmt: skip
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = c.users.authenticate(name, password)
    if user is None:
        c.throttle.failed(name, ip)
        c.audit.record(Action.LOGIN, user=name, outcome="failed", ip=ip, detail={"method": "form"})
        return render(request, "login.html", status_code=401, next=_safe_next(next), error="login.failed")
    c.throttle.succeeded(name, ip)
    c.audit.record(Action.LOGIN, user=user.name, ip=ip, detail={"method": "form"})
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        c.codec.issue(user.name, c.sessions.open(user.name)),
        max_age=c.settings.web.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=c.settings.web.secure_cookies,
    )
    return redirect


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session: its server-side row goes, so the cookie is refused even if replayed."""
    check_csrf(request, csrf_token)
    c = ctx(request)
    user = current_user(request)
    session = c.codec.read(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        c.sessions.close(session.sid)
    if user is not None:
        audit(request, Action.LOGOUT)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=c.settings.web.secure_cookies
    )
    return response


# -- search ----------------------------------------------------------------------------------------


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _facets(base: list[tuple[str, str]], facets: dict[str, dict[str, int]], t: Any) -> list[dict[str, Any]]:
    """Facet groups with a toggle link per value (adds the filter, or removes it when active)."""
    groups = []
    for name, (param, multi) in _FACET_PARAMS.items():
        buckets = facets.get(name)
        if not buckets:
            continue
        values = []
        for value, count in buckets.items():
            active = (param, value) in base
            if active:
                params = [p for p in base if p != (param, value)]
            elif multi:
                params = [*base, (param, value)]
            else:
                params = [p for p in base if p[0] != param] + [(param, value)]
            label = t(f"access.{value}") if name == "access_level" else value
            label = t(f"sigfilter.{value}") if name == "signature_valid" else label
            values.append({"label": label, "count": count, "href": _url("/search", params), "active": active})
        groups.append({"name": name, "label": t(f"facet.{name}"), "values": values})
    return groups


@router.get("/search")
def search_page(
    request: Request,
    user: Searcher,
    q: Annotated[str, Query(max_length=500)] = "",
    type: Annotated[list[str], Query()] = [],  # noqa: A002, B006
    issuer: Annotated[list[str], Query()] = [],  # noqa: B006
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    year: Annotated[str | None, Query(max_length=4)] = None,
    dossier: Annotated[str | None, Query(max_length=200)] = None,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    access: Annotated[list[str], Query()] = [],  # noqa: B006
    sort: str = "relevance",
    after: str | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET // _PAGE_SIZE + 1)] = 1,
    rescan: bool = False,
    signed_by: Annotated[list[str], Query(max_length=200)] = [],  # noqa: B006
    signature: Annotated[str | None, Query(pattern="^(true|false)$")] = None,
    stamp_signed_by: Annotated[list[str], Query(max_length=200)] = [],  # noqa: B006
) -> Response:
    """The search page: one box, filters with counts, sorted hits with highlighted snippets."""
    from web.deps import labels

    t = labels(request)
    year_value = int(year) if year and year.isdigit() else None
    params = SearchParams(
        q, type, issuer, date_from, date_to, year_value, dossier, batch, access, sort, _PAGE_SIZE, after,
        offset=(page - 1) * _PAGE_SIZE, rescan=rescan, signed_by=signed_by, signature=signature,
        stamp_signed_by=stamp_signed_by,
    )  # fmt: skip
    base = [(k, v) for k, v in request.query_params.multi_items() if k not in ("after", "page", "lang") and v]
    searched = bool(q.strip()) or len(base) > 0
    result = error = None
    hits: list[dict[str, Any]] = []
    pager: dict[str, Any] = {}
    try:
        query = to_query(params, user)
        result = ctx(request).backend.search(query)
    except InputError as e:
        error = e.message
    except SohoaError as e:
        error = t("error.503")
        log.error("search failed: %s", e.message)
        audit(
            request,
            Action.SEARCH,
            target=q[:200] or None,
            outcome="error",
            detail={"error": e.__class__.__name__},
        )
    if result is not None:
        audit(
            request,
            Action.SEARCH,
            target=q[:200] or None,
            detail={**params.audit_detail(), "total": result.total},
        )
        for h in result.hits:
            snippets = [
                {"page": hl.get("page"), "html": safe_fragment(fragment)}
                for hl in h.highlights
                for fragment in hl.get("fragments", [])[:2]
            ][:3]
            doc_params = [("q", q)] if q.strip() else []
            if h.pages and q.strip():
                doc_params.append(("page", str(h.pages[0])))
            hits.append(
                {
                    "id": h.id,
                    "href": _url(f"/documents/{h.id}", doc_params),
                    "fields": h.fields,
                    "source_file": h.source_file,
                    "access_level": h.access_level.value,
                    "pages": h.pages,
                    "snippets": snippets,
                    "dossier": h.dossier_code,
                    "dossier_href": f"/dossiers/{quote(h.dossier_code or '', safe='')}",
                    "batch": h.batch,
                    "batch_href": f"/batches/{h.batch}"
                    if user.can(Permission.UPLOAD)
                    else _url("/search", [("batch", h.batch or "")]),
                }
            )
        pager = _pager(base, page, result.total)
    return render(
        request,
        "search.html",
        q=q,
        params=params,
        result=result,
        hits=hits,
        error=error,
        searched=searched,
        facets=_facets(base, result.facets, t) if result else [],
        sorts=[s.value for s in Sort],
        hit_fields=_HIT_FIELDS,
        pager=pager,
        page=page,
        clear_href=_url("/search", [("q", q)] if q else []),
        access_levels=[a.value for a in user.access_levels],
    )


def _pager(base: list[tuple[str, str]], page: int, total: int) -> dict[str, Any]:
    """Previous/next links and a window of numbered pages around the current one."""
    last = max(1, min(-(-total // _PAGE_SIZE), MAX_OFFSET // _PAGE_SIZE + 1))

    def href(n: int) -> str:
        return _url("/search", [*base, ("page", str(n))] if n > 1 else base)

    window = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    numbers: list[dict[str, Any]] = []
    for n in window:
        if numbers and n - numbers[-1]["n"] > 1:
            numbers.append({"n": n - 1, "gap": True})
        numbers.append({"n": n, "href": href(n), "current": n == page, "gap": False})
    return {
        "prev": href(page - 1) if page > 1 else None,
        "next": href(page + 1) if page < last else None,
        "numbers": numbers if last > 1 else [],
    }


# -- documents -------------------------------------------------------------------------------------


def _boxes(page: OcrPage, query: str, context: MarkContext) -> list[list[float]]:
    """Marked words' boxes as percentages of the page image (for the overlay on the thumbnail)."""
    if not query.strip() or not page.width or not page.height:
        return []
    out = []
    words = [w.text for w in page.words]
    for w, marked in zip(page.words, marked_words(words, query, context=context), strict=True):
        if marked:
            x, y, bw, bh = w.box
            out.append([round(100 * x / page.width, 2), round(100 * y / page.height, 2),
                        round(100 * bw / page.width, 2), round(100 * bh / page.height, 2)])  # fmt: skip
    return out


@router.get("/documents/{doc_id}")
def document_page(
    request: Request, user: Searcher, doc_id: str, q: Annotated[str, Query(max_length=500)] = ""
) -> Response:
    """Metadata, then each page's image beside its OCR text with the query's words marked."""
    view = visible_document(request, user, doc_id, action=Action.VIEW)
    if view is None:
        return error_response(request, 404, "document not found")
    doc = view.document
    fields = [
        (name, doc.metadata.value(name))
        for name in FIELD_NAMES
        if doc.metadata.value(name) not in (None, "", [])
    ]
    pages = []
    ocr_pages = view.ocr.pages if view.ocr else []
    context = document_context(((p.text, None) for p in ocr_pages), q)
    for p in ocr_pages:
        boxes = _boxes(p, q, context)
        text = highlight_text(p.text, q, context=context)
        pages.append(
            {
                "number": p.number,
                "text": text,
                "has_text": bool(p.text.strip()),
                "image": f"/documents/{doc_id}/pages/{p.number}.jpg" if p.number in view.thumbnails else None,
                "boxes": json.dumps(boxes),
                "matches": len(boxes) or str(text).count("<mark>"),
            }
        )
    return render(
        request,
        "document.html",
        doc=doc,
        fields=fields,
        pages=pages,
        q=q,
        has_pdf=view.has_pdf,
        archive=view.archive,
        back=_url("/search", [("q", q)] if q else []),
        batch_href=f"/batches/{doc.batch}"
        if user.can(Permission.UPLOAD)
        else _url("/search", [("batch", doc.batch or "")]),
    )


@router.get("/documents/{doc_id}/pages/{number}.jpg")
def page_image(request: Request, user: Searcher, doc_id: str, number: int) -> Response:
    """A page image, if the user may see the document (not audited: the document view is)."""
    view = ctx(request).backend.document(doc_id)
    if view is None or not user.may_see(view.document.access_level):
        return Response(status_code=404)
    data = ctx(request).backend.thumbnail(doc_id, number)
    if data is None:
        return Response(status_code=404)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})


def _download(request: Request, user: User, doc_id: str, kind: str) -> Response:
    view = visible_document(request, user, doc_id, action=Action.DOWNLOAD)
    if view is None:
        return error_response(request, 404, "document not found")
    source = view.document.source
    try:
        # a document split out of a scanned file has that file as its original
        target = source.sha256 if kind == "original" and source is not None else doc_id
        url = ctx(request).backend.link(target, kind)
    except ObjectNotFoundError:
        return error_response(request, 404, f"this document has no {kind}")
    return RedirectResponse(url, status_code=303)


@router.get("/documents/{doc_id}/original")
def original(request: Request, user: Searcher, doc_id: str) -> Response:
    """Redirect to a short-lived link to the original (access checked and audited first)."""
    return _download(request, user, doc_id, "original")


@router.get("/documents/{doc_id}/searchable.pdf")
def searchable_pdf(request: Request, user: Searcher, doc_id: str) -> Response:
    """Redirect to a short-lived link to the searchable PDF (access checked and audited first)."""
    return _download(request, user, doc_id, "searchable_pdf")


@router.get("/documents/{doc_id}/archive.pdf")
def archive_pdf(request: Request, user: Searcher, doc_id: str) -> Response:
    """Redirect to a short-lived link to the signed PDF/A archive copy (access checked and audited)."""
    return _download(request, user, doc_id, "archive_pdf")


# -- uploads and batches ---------------------------------------------------------------------------


@router.get("/upload")
def upload_page(request: Request, user: Uploader) -> Response:
    """Drag-and-drop upload and the recent batches."""
    c = ctx(request)
    try:
        recent = c.backend.recent_batches(15)
        error = None
    except SohoaError as e:
        recent, error = [], e.message
    return render(
        request,
        "upload.html",
        recent=recent,
        error=error,
        max_mb=c.settings.web.max_upload_mb,
        split_default=c.settings.split.mode,
    )


@router.post("/upload")
def upload_form(
    request: Request,
    user: Uploader,
    files: Annotated[list[UploadFile], File()],
    manifest: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
    split: Annotated[SplitMode | None, Form()] = None,
    expect_color: Annotated[bool, Form()] = False,
) -> Response:
    """The upload form without JavaScript: start the batch and show its progress page."""
    check_csrf(request, csrf_token)
    batch_id, _ = start_upload(request, user, files, manifest, split=split, expect_color=expect_color)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.get("/batches/{batch_id}")
def batch_page(request: Request, user: Uploader, batch_id: str) -> Response:
    """A batch's live progress (polled by the page), its last known report, and retry or cancel."""
    c = ctx(request)
    if not is_batch_id(batch_id):
        return error_response(request, 404, "batch not found")
    status = c.backend.batch_status(batch_id)
    report = c.backend.batch_report(batch_id)
    if status is None and report is None:
        return error_response(request, 404, "batch not found")
    # The status is newer than a report while a retry runs; the report is the last word otherwise.
    if status is not None and (report is None or status.state in _ACTIVE):
        state = status.state.value
    else:
        state = report.state.value if report else "unknown"
    done = state not in {s.value for s in _ACTIVE} and report is not None
    return render(
        request, "batch.html", batch_id=batch_id, status=status, report=report, state=state, done=done,
        can_retry=state in _STOPPED and bool(status and status.source),
        can_cancel=state in {s.value for s in _ACTIVE},
        errtypes=error_labels(request.state.lang),
        statuses={s.value: translate(request.state.lang, f"status.{s.value}") for s in FileStatus},
    )  # fmt: skip


def _batch_action(
    request: Request, batch_id: str, csrf_token: str, action: Action, run: Callable[[], object]
) -> Response:
    """A staff action on a batch (retry, cancel): checked, audited refused or done, then the batch page."""
    check_csrf(request, csrf_token)
    if not is_batch_id(batch_id):
        return error_response(request, 404, "batch not found")
    try:
        run()
    except InputError as e:
        audit(request, action, target=batch_id, outcome="refused", detail={"reason": e.message})
        raise
    audit(request, action, target=batch_id)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.post("/batches/{batch_id}/retry")
def retry_batch(
    request: Request, user: Uploader, batch_id: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Run a failed or cancelled batch again (finished files are skipped)."""
    return _batch_action(
        request,
        batch_id,
        csrf_token,
        Action.BATCH_RETRY,
        lambda: ctx(request).backend.retry_batch(batch_id, uploader=user.name),
    )


@router.post("/batches/{batch_id}/cancel")
def cancel_batch(
    request: Request, user: Uploader, batch_id: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Stop a queued or running batch."""
    return _batch_action(
        request,
        batch_id,
        csrf_token,
        Action.BATCH_CANCEL,
        lambda: ctx(request).backend.cancel_batch(batch_id),
    )


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/batches/{batch_id}/report.csv")
def batch_report_csv(request: Request, user: Uploader, batch_id: str) -> Response:
    """The batch's last known report as CSV (UTF-8 with BOM)."""
    report = ctx(request).backend.batch_report(batch_id) if is_batch_id(batch_id) else None
    if report is None:
        return error_response(request, 404, "no report (yet) for this batch")
    audit(request, Action.EXPORT, target=batch_id, detail={"what": "report"})
    return _csv_response(report_csv(report, request.state.lang), f"sohoa-{batch_id}.csv")


# -- admin -----------------------------------------------------------------------------------------


def _day_bounds(request: Request, day_from: str | None, day_to: str | None) -> tuple[str | None, str | None]:
    """UTC bounds of local days ``day_from`` .. ``day_to`` (inclusive), in the configured time zone."""
    tz = zone(ctx(request).settings.web.time_zone)
    start, end = parse_day(day_from), parse_day(day_to)
    if (day_from and start is None) or (day_to and end is None):
        raise InputError("dates are dd/mm/yyyy (or yyyy-mm-dd)")

    def utc(d: date) -> str:
        return datetime.combine(d, time.min, tz).astimezone(UTC).isoformat(timespec="milliseconds")

    return (utc(start) if start else None, utc(end + timedelta(days=1)) if end else None)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page and its CSV export are narrowed to: a user, an action, local days."""

    who: str | None = None
    action: str | None = None
    day_from: str | None = None
    day_to: str | None = None

    def params(self) -> list[tuple[str, str]]:
        """The filter as URL parameters (for the older-entries and CSV links)."""
        pairs = (("user", self.who), ("action", self.action), ("from", self.day_from), ("to", self.day_to))
        return [(k, v) for k, v in pairs if v]


async def audit_filter(  # async: pure, so FastAPI runs it inline instead of on a worker thread
    who: Annotated[str | None, Query(alias="user", max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    day_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    day_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> AuditFilter:
    """The audit filter of a request's query string (a dependency of both audit routes)."""
    return AuditFilter(who or None, action or None, day_from or None, day_to or None)


Filter = Annotated[AuditFilter, Depends(audit_filter)]


def filtered_audit(
    request: Request, where: AuditFilter, *, limit: int, before: int | None = None
) -> list[AuditEntry]:
    """The audit entries ``where`` selects, newest first (the one query of the page and the export)."""
    since, until = _day_bounds(request, where.day_from, where.day_to)
    return ctx(request).audit.entries(
        user=where.who, action=where.action, before=before, limit=limit, since=since, until=until
    )


@router.get("/admin/audit")
def audit_page(
    request: Request, user: Auditor, where: Filter, before: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    """The audit log, newest first, filterable by user, action and dates (local days)."""
    entries = filtered_audit(request, where, limit=_AUDIT_PAGE, before=before)
    older = None
    if len(entries) == _AUDIT_PAGE:
        older = _url("/admin/audit", [*where.params(), ("before", str(entries[-1].id))])
    return render(request, "audit.html", entries=entries, who=where.who or "", action=where.action or "",
                  older=older, actions=[a.value for a in Action], day_from=where.day_from or "",
                  day_to=where.day_to or "", csv_href=_url("/admin/audit.csv", where.params()))  # fmt: skip


@router.get("/admin/audit.csv")
def audit_export(request: Request, user: Auditor, where: Filter) -> Response:
    """The filtered audit log as CSV (UTF-8 with BOM, local times), up to 100,000 rows."""
    entries = filtered_audit(request, where, limit=_AUDIT_CSV_ROWS)
    audit(request, Action.EXPORT, target="audit", detail={"what": "audit", "rows": len(entries)})
    text = audit_csv(entries, request.state.lang, ctx(request).settings.web.time_zone)
    return _csv_response(text, "sohoa-audit.csv")
