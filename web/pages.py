"""Server-rendered pages: sign-in, search, document, upload, batch progress, audit log.

Every value from a document (OCR text, extracted metadata, file names) reaches the page through Jinja2
autoescaping; the only markup built in Python is our own ``<mark>`` around escaped text (``web.highlight``).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from sohoa.errors import InputError, ObjectNotFoundError, SohoaError
from sohoa.model.document import FIELD_NAMES
from sohoa.model.ocr import OcrPage
from sohoa.model.report import BatchState
from sohoa.model.search import Sort
from sohoa.model.split import SplitMode
from web.api import start_upload, visible_document
from web.app import error_response, render
from web.audit import Action
from web.auth import SESSION_COOKIE
from web.backend import is_batch_id
from web.deps import audit, check_csrf, client_ip, ctx, current_user
from web.deps import require as _require
from web.highlight import highlight_text, query_terms, safe_fragment, term_key
from web.searching import SearchParams, encode_cursor, to_query
from web.users import Permission, User

__all__ = ["router"]

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
}
_HIT_FIELDS = ("so_ky_hieu", "loai_van_ban", "ngay_ban_hanh", "co_quan_ban_hanh")


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
    if c.throttle.locked(name):
        c.audit.record(
            Action.LOGIN, user=name, outcome="locked", ip=client_ip(request), detail={"method": "form"}
        )
        return render(request, "login.html", status_code=429, next=_safe_next(next), error="login.locked")
    user = c.users.authenticate(name, password)
    if user is None:
        c.throttle.failed(name)
        c.audit.record(
            Action.LOGIN, user=name, outcome="failed", ip=client_ip(request), detail={"method": "form"}
        )
        return render(request, "login.html", status_code=401, next=_safe_next(next), error="login.failed")
    c.throttle.succeeded(name)
    c.audit.record(Action.LOGIN, user=user.name, ip=client_ip(request), detail={"method": "form"})
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        c.codec.issue(user.name),
        max_age=c.settings.web.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=c.settings.web.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session."""
    check_csrf(request, csrf_token)
    user = current_user(request)
    if user is not None:
        audit(request, Action.LOGOUT)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=ctx(request).settings.web.secure_cookies
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
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    rescan: bool = False,
) -> Response:
    """The search page: one box, filters with counts, sorted hits with highlighted snippets."""
    from web.deps import labels

    t = labels(request)
    year_value = int(year) if year and year.isdigit() else None
    params = SearchParams(
        q, type, issuer, date_from, date_to, year_value, dossier, batch, access, sort, 20, after, rescan
    )
    base = [(k, v) for k, v in request.query_params.multi_items() if k not in ("after", "page", "lang") and v]
    searched = bool(q.strip()) or len(base) > 0
    result = error = None
    hits: list[dict[str, Any]] = []
    next_href = None
    try:
        query = to_query(params, user)
        result = ctx(request).backend.search(query)
    except InputError as e:
        error = e.message
    except SohoaError as e:
        error = t("error.503")
        audit(request, Action.SEARCH, target=q[:200] or None, outcome="error", detail={"error": e.message})
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
                }
            )
        if len(result.hits) == query.size and result.hits[-1].sort:
            cursor = encode_cursor(result.hits[-1].sort)
            next_href = _url("/search", [*base, ("after", cursor or ""), ("page", str(page + 1))])
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
        next_href=next_href,
        first_href=_url("/search", base) if page > 1 else None,
        page=page,
        clear_href=_url("/search", [("q", q)] if q else []),
        access_levels=[a.value for a in user.access_levels],
    )


# -- documents -------------------------------------------------------------------------------------


def _boxes(page: OcrPage, terms: frozenset[str]) -> list[list[float]]:
    """Matched words' boxes as percentages of the page image (for the overlay on the thumbnail)."""
    if not terms or not page.width or not page.height:
        return []
    out = []
    for w in page.words:
        if any(term_key(tok) in terms for tok in _WORD.findall(w.text)):
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
    terms = query_terms(q)
    fields = [
        (name, doc.metadata.value(name))
        for name in FIELD_NAMES
        if doc.metadata.value(name) not in (None, "", [])
    ]
    pages = []
    for p in view.ocr.pages if view.ocr else []:
        boxes = _boxes(p, terms)
        pages.append(
            {
                "number": p.number,
                "text": highlight_text(p.text, terms),
                "has_text": bool(p.text.strip()),
                "image": f"/documents/{doc_id}/pages/{p.number}.jpg" if p.number in view.thumbnails else None,
                "boxes": json.dumps(boxes),
                "matches": len(boxes) or str(highlight_text(p.text, terms)).count("<mark>"),
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
    """A batch's live progress (polled by the page) and, when it is done, its report."""
    c = ctx(request)
    if not is_batch_id(batch_id):
        return error_response(request, 404, "batch not found")
    status = c.backend.batch_status(batch_id)
    report = c.backend.batch_report(batch_id)
    if status is None and report is None:
        return error_response(request, 404, "batch not found")
    state = report.state.value if report else status.state.value if status else "unknown"
    done = state in (BatchState.COMPLETED.value, BatchState.FAILED.value) and report is not None
    return render(
        request, "batch.html", batch_id=batch_id, status=status, report=report, state=state, done=done
    )


# -- admin -----------------------------------------------------------------------------------------


@router.get("/admin/audit")
def audit_page(
    request: Request,
    user: Auditor,
    who: Annotated[str | None, Query(alias="user", max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The audit log, newest first, filterable by user and action."""
    entries = ctx(request).audit.entries(user=who or None, action=action or None, before=before, limit=200)
    older = None
    if len(entries) == 200:
        older = _url(
            "/admin/audit",
            [(k, v) for k, v in (("user", who), ("action", action)) if v] + [("before", str(entries[-1].id))],
        )
    return render(request, "audit.html", entries=entries, who=who or "", action=action or "", older=older,
                  actions=[a.value for a in Action])  # fmt: skip
