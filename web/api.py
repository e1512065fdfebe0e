"""The JSON API under ``/api/`` (OpenAPI docs at ``/docs``) for other ministry systems.

Authentication: an API token (``Authorization: Bearer sohoa_...``), HTTP Basic (``curl -u clerk1:...``)
or the browser session cookie (then POSTs need the ``X-CSRF-Token`` header the pages embed). No
credentials → 401 ``{"error": ...}``; a role
without the permission → 403. Documents above the caller's clearance do not exist for them (404).
"""

from __future__ import annotations

import logging
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pipeline.correction import field_states
from sohoa.errors import InputError
from sohoa.model.document import Document
from sohoa.model.report import BatchProgress, BatchReport
from sohoa.model.review import FieldState
from sohoa.model.search import SearchResult
from sohoa.model.split import SplitMode
from web.audit import Action
from web.backend import DocumentView, is_batch_id
from web.deps import audit, check_csrf, ctx
from web.deps import require as _require
from web.searching import SearchParams, encode_cursor, to_query
from web.uploads import stage_upload
from web.users import Permission, User

__all__ = ["router", "start_upload", "visible_document"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["api"])


class ApiError(BaseModel):
    """Every error of the API."""

    error: str


class SearchResponse(SearchResult):
    """A page of hits, with the cursor of the next page."""

    next: str | None = Field(None, description="Pass as `after` to get the next page; null on the last page")


class PageText(BaseModel):
    """One page's OCR text."""

    number: int
    text: str
    confidence: float
    image: str | None = Field(None, description="URL of the page image, if stored")


class DocumentResponse(BaseModel):
    """A document's metadata, page texts and download links (which check access and expire)."""

    document: Document
    pages: list[PageText]
    links: dict[str, str]
    fields: dict[str, FieldState] = Field(
        default_factory=dict, description="Each field's value and provenance; `document.history`: the changes"
    )


class Received(BaseModel):
    """One uploaded file: where it went in the batch (the batch report says what became of it)."""

    name: str = Field(description="The file name as sent")
    path: str = Field(description="Its path inside the batch")
    bytes: int
    kind: str | None = Field(
        None, description="pdf, png, jpeg, tiff or zip by its first bytes; null: unknown"
    )
    renamed: bool = False
    members: int = Field(0, description="Files unpacked from it (zips)")


class BatchCreated(BaseModel):
    """A started batch."""

    batch: str
    files: int
    bytes: int
    manifest_rows: int | None
    status: str
    report: str
    received: list[Received] = Field(default_factory=list)


class BatchList(BaseModel):
    """Recent batches, newest first."""

    batches: list[dict[str, Any]]


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError, "description": "No or wrong credentials"},
    403: {"model": ApiError, "description": "Role not allowed"},
}

Searcher = Annotated[User, Depends(_require(Permission.SEARCH))]
Uploader = Annotated[User, Depends(_require(Permission.UPLOAD))]


def visible_document(request: Request, user: User, doc_id: str, *, action: Action) -> DocumentView | None:
    """The document if it exists and the user is cleared for it; audits the view or the refusal.

    A document above the user's clearance is reported as not found, like a missing one, so ids cannot be
    probed.
    """
    view = ctx(request).backend.document(doc_id)
    if view is None:
        audit(request, action, target=doc_id, outcome="not_found")
        return None
    if not user.may_see(view.document.access_level):
        level = view.document.access_level.value
        audit(request, Action.DENIED, target=doc_id, outcome="above_clearance",
              detail={"level": level, "clearance": user.clearance.value})  # fmt: skip
        return None
    audit(request, action, target=doc_id)
    return view


def start_upload(
    request: Request,
    user: User,
    files: list[UploadFile],
    manifest: UploadFile | None,
    *,
    split: SplitMode | None = None,
    expect_color: bool = False,
) -> tuple[str, BatchCreated]:
    """Stage and check an upload, copy it to storage, start the batch; audited either way."""
    c = ctx(request)
    max_bytes = c.settings.web.max_upload_mb * 1024 * 1024
    tmp_root = c.settings.home / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    names = [f.filename or "" for f in files]
    with tempfile.TemporaryDirectory(prefix="upload-", dir=tmp_root) as tmp:
        try:
            staged = stage_upload(
                [(f.filename or "", f.file) for f in files if f.filename],
                tmp_root / tmp,
                max_bytes=max_bytes,
                manifest=(manifest.filename or "manifest.csv", manifest.file)
                if manifest and manifest.filename
                else None,
            )
        except InputError as e:
            audit(
                request, Action.UPLOAD, outcome="refused", detail={"files": names[:50], "reason": e.message}
            )
            raise
        batch_id = c.backend.new_batch_id()
        c.backend.start_batch(
            batch_id, staged.files, uploader=user.name, split=split, expect_color=expect_color
        )
    created = BatchCreated(
        batch=batch_id,
        files=staged.documents,
        bytes=staged.total_bytes,
        manifest_rows=staged.manifest_rows,
        status=f"/api/batches/{batch_id}",
        report=f"/api/batches/{batch_id}/report",
        received=[Received(**r.__dict__) for r in staged.received],
    )
    detail: dict[str, object] = {
        "files": staged.documents,
        "bytes": staged.total_bytes,
        "manifest_rows": staged.manifest_rows,
    }
    if split is not None:
        detail["split"] = split.value
    if expect_color:
        detail["expect_color"] = True
    audit(request, Action.UPLOAD, target=batch_id, detail=detail)
    return batch_id, created


@router.get("/search", response_model=SearchResponse, responses=_ERRORS)
def search(
    request: Request,
    user: Searcher,
    q: Annotated[
        str, Query(max_length=500, description="Words (with or without diacritics) or a number")
    ] = "",
    type: Annotated[list[str], Query(description="Document types, any of (loai_van_ban)")] = [],  # noqa: A002, B006
    issuer: Annotated[list[str], Query(description="Issuers, any of (co_quan_ban_hanh)")] = [],  # noqa: B006
    date_from: Annotated[
        str | None, Query(alias="from", description="Issued on or after (YYYY-MM-DD)")
    ] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Issued on or before (YYYY-MM-DD)")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    dossier: Annotated[str | None, Query(max_length=200, description="Dossier code (mã hồ sơ)")] = None,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    access: Annotated[list[str], Query(description="Narrow to these access levels (within clearance)")] = [],  # noqa: B006
    sort: Annotated[str, Query(description="relevance, date_desc or date_asc")] = "relevance",
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(description="Cursor from the previous page's `next`")] = None,
    rescan: Annotated[bool, Query(description="Only documents whose scan must be redone")] = False,
    signed_by: Annotated[
        list[str], Query(max_length=200, description="Signers of an embedded PDF signature, any of")
    ] = [],  # noqa: B006
    signature: Annotated[
        bool | None, Query(description="Only signed documents whose signatures verify (true) or not (false)")
    ] = None,
    stamp_signed_by: Annotated[
        list[str],
        Query(max_length=200, description="Signers named by a stamp drawn into a page (OCR, not verified)"),
    ] = [],  # noqa: B006
) -> Response:
    """Search documents; only levels the caller is cleared for are searched."""
    params = SearchParams(
        q, type, issuer, date_from, date_to, year, dossier, batch, access, sort, size, after, rescan=rescan,
        signed_by=signed_by, signature=None if signature is None else str(signature).lower(),
        stamp_signed_by=stamp_signed_by,
    )  # fmt: skip
    query = to_query(params, user)
    result = ctx(request).backend.search(query)
    audit(
        request,
        Action.SEARCH,
        target=q[:200] or None,
        detail={**params.audit_detail(), "total": result.total},
    )
    last = result.hits[-1].sort if result.hits and len(result.hits) == query.size else None
    # Serialized here, once: a returned model would be validated again (on another thread) and then
    # serialized by FastAPI; the response_model above still documents the shape.
    body = SearchResponse.model_construct(**dict(result), next=encode_cursor(last))
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/documents/{doc_id}", response_model=DocumentResponse, responses={**_ERRORS, 404: {"model": ApiError}}
)
def document(request: Request, user: Searcher, doc_id: str) -> DocumentResponse | JSONResponse:
    """A document's metadata, OCR text per page and links to its original and searchable PDF."""
    view = visible_document(request, user, doc_id, action=Action.VIEW)
    if view is None:
        return JSONResponse({"error": "document not found"}, status_code=404)
    pages = [
        PageText(
            number=p.number,
            text=p.text,
            confidence=p.confidence,
            image=f"/documents/{doc_id}/pages/{p.number}.jpg" if p.number in view.thumbnails else None,
        )
        for p in (view.ocr.pages if view.ocr else [])
    ]
    links = {"original": f"/documents/{doc_id}/original"}
    if view.has_pdf:
        links["searchable_pdf"] = f"/documents/{doc_id}/searchable.pdf"
    fields = field_states(view.document)
    return DocumentResponse(document=view.document, pages=pages, links=links, fields=fields)


_UPLOAD_ERRORS = {**_ERRORS, 400: {"model": ApiError}, 413: {"model": ApiError}}


@router.post("/batches", status_code=202, response_model=BatchCreated, responses=_UPLOAD_ERRORS)
def create_batch(
    request: Request,
    user: Uploader,
    files: Annotated[list[UploadFile], File(description="Scans (PDF, PNG, JPEG, TIFF) and/or zips of them")],
    manifest: Annotated[UploadFile | None, File(description="Optional manifest CSV")] = None,
    csrf_token: Annotated[str | None, Form(description="Only for browser sessions (or X-CSRF-Token)")] = None,
    split: Annotated[
        SplitMode | None, Form(description="Split multi-document scans: none, auto, header, separator")
    ] = None,
    expect_color: Annotated[bool, Form(description="Scanned in colour: flag bilevel or gray pages")] = False,
) -> BatchCreated:
    """Upload files and start their ingestion; poll the returned status URL."""
    check_csrf(request, csrf_token)
    _, created = start_upload(request, user, files, manifest, split=split, expect_color=expect_color)
    return created


@router.get("/batches", response_model=BatchList, responses=_ERRORS)
def batches(request: Request, user: Uploader, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> BatchList:
    """Recent batches with their state and counts."""
    return BatchList(batches=[b.__dict__ for b in ctx(request).backend.recent_batches(limit)])


@router.get(
    "/batches/{batch_id}", response_model=BatchProgress, responses={**_ERRORS, 404: {"model": ApiError}}
)
def batch_status(request: Request, user: Uploader, batch_id: str) -> BatchProgress | JSONResponse:
    """Live progress of a batch (files and pages done, failures so far)."""
    status = ctx(request).backend.batch_status(batch_id) if is_batch_id(batch_id) else None
    if status is None:
        return JSONResponse({"error": "batch not found"}, status_code=404)
    return status


@router.get(
    "/batches/{batch_id}/report", response_model=BatchReport, responses={**_ERRORS, 404: {"model": ApiError}}
)
def batch_report(request: Request, user: Uploader, batch_id: str) -> BatchReport | JSONResponse:
    """The final report of a batch (404 until it has finished)."""
    report = ctx(request).backend.batch_report(batch_id) if is_batch_id(batch_id) else None
    if report is None:
        return JSONResponse({"error": "no report (yet) for this batch"}, status_code=404)
    return report


@router.post(
    "/batches/{batch_id}/retry", status_code=202, response_model=BatchProgress, responses=_UPLOAD_ERRORS
)
def retry(request: Request, user: Uploader, batch_id: str) -> BatchProgress | JSONResponse:
    """Run a failed or cancelled batch again on the same files; files already stored are skipped."""
    check_csrf(request, None)
    c = ctx(request)
    if not is_batch_id(batch_id):
        return JSONResponse({"error": "batch not found"}, status_code=404)
    try:
        c.backend.retry_batch(batch_id, uploader=user.name)
    except InputError as e:
        audit(request, Action.BATCH_RETRY, target=batch_id, outcome="refused", detail={"reason": e.message})
        raise
    audit(request, Action.BATCH_RETRY, target=batch_id)
    status = c.backend.batch_status(batch_id)
    assert status is not None  # the launcher has just written it
    return status


@router.post("/batches/{batch_id}/cancel", response_model=BatchReport, responses=_UPLOAD_ERRORS)
def cancel(request: Request, user: Uploader, batch_id: str) -> BatchReport | JSONResponse:
    """Stop a queued or running batch; returns its last known report, marked cancelled."""
    check_csrf(request, None)
    if not is_batch_id(batch_id):
        return JSONResponse({"error": "batch not found"}, status_code=404)
    try:
        report = ctx(request).backend.cancel_batch(batch_id)
    except InputError as e:
        audit(request, Action.BATCH_CANCEL, target=batch_id, outcome="refused", detail={"reason": e.message})
        raise
    audit(request, Action.BATCH_CANCEL, target=batch_id)
    return report


@router.get("/me", responses=_ERRORS)
def me(user: Searcher) -> dict[str, Any]:
    """Who the credentials belong to, with role, clearance and the access levels searched."""
    return {"name": user.name, "role": user.role.value, "clearance": user.clearance.value,
            "access_levels": [a.value for a in user.access_levels]}  # fmt: skip
