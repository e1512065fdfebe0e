"""Correcting how a scanned file was split into documents: the API and a minimal page.

``GET /api/files/{sha}/split`` returns the stored split (plan, findings, history); ``POST`` applies one
correction (``merge_previous`` or ``split_here`` at a page of the scanned file), rebuilds the documents in
storage (:mod:`pipeline.resplit`), updates the index and records the change in the audit log, like a
metadata correction. ``/files/{sha}/split`` is the page with a button per page. Staff only (upload
permission), and only for users cleared for every document of the file.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from pipeline.resplit import Resplit, correct_split, load_split
from sohoa.model.split import SplitAction, SplitCorrection, StoredSplit
from storage.records import build_record
from web.app import error_response, render
from web.audit import Action
from web.backend import DocumentView, is_document_id
from web.deps import audit, check_csrf, ctx
from web.deps import require as _require
from web.review import SECTIONS, ReviewSection
from web.users import Permission, User

__all__ = ["api_router", "page_router"]

log = logging.getLogger(__name__)

api_router = APIRouter(prefix="/api")
page_router = APIRouter()
Staff = Annotated[User, Depends(_require(Permission.UPLOAD))]


def _review_section(request: Request, view: DocumentView) -> dict[str, Any]:
    """The review screen's split block: where a split document sits in its scanned file (None if whole)."""
    return {"source": view.document.source}


# The review screen shows a split document's pages in its file with "merge with previous" / "split here".
SECTIONS.append(ReviewSection(template="review_split.html", context=_review_section))


class SplitView(BaseModel):
    """A stored split with its documents' numbers, for the API and the page."""

    sha256: str
    split: StoredSplit
    numbers: list[str | None]


def _visible_split(request: Request, user: User, sha256: str) -> StoredSplit | None:
    """The split if it exists and the user may see every document of it (else None, audited)."""
    if not is_document_id(sha256):
        return None
    split = load_split(ctx(request).backend.store, sha256)
    if split is None:
        audit(request, Action.VIEW, target=sha256, outcome="not_found", detail={"what": "split"})
        return None
    for doc_id in split.documents:
        view = ctx(request).backend.document(doc_id)
        if view is not None and not user.may_see(view.document.access_level):
            audit(request, Action.DENIED, target=sha256, outcome="above_clearance", detail={"what": "split"})
            return None
    return split


def _numbers(request: Request, split: StoredSplit) -> list[str | None]:
    out: list[str | None] = []
    for doc_id in split.documents:
        view = ctx(request).backend.document(doc_id)
        out.append(view.document.metadata.value("so_ky_hieu") if view else None)
    return out


def _apply(request: Request, user: User, sha256: str, correction: SplitCorrection) -> Resplit:
    """Correct, reindex the file's documents, audit; ValueError for a correction that does not fit."""
    c = ctx(request)
    result = correct_split(c.backend.store, sha256, correction, user=user.name)
    index = c.backend.index
    index.index_records([build_record(doc, ocr) for doc, ocr in result.documents], refresh=True)
    for doc_id in result.retired:
        index.delete_document(doc_id, refresh=True)
    audit(
        request,
        Action.SPLIT,
        target=sha256,
        detail={
            "action": correction.action.value,
            "page": correction.page,
            "before": [p.pages for p in result.before.plan.parts],
            "after": [p.pages for p in result.split.plan.parts],
            "retired": result.retired,
        },
    )
    return result


@api_router.get("/files/{sha256}/split", response_model=SplitView)
def get_split(request: Request, user: Staff, sha256: str) -> SplitView | JSONResponse:
    """How a scanned file was split: the plan (pages of the file), its findings, its correction history."""
    split = _visible_split(request, user, sha256)
    if split is None:
        return JSONResponse({"error": "no split for this file"}, status_code=404)
    audit(request, Action.VIEW, target=sha256, detail={"what": "split"})
    return SplitView(sha256=sha256, split=split, numbers=_numbers(request, split))


class CorrectionRequest(BaseModel):
    """One correction, in pages of the scanned file."""

    action: SplitAction
    page: int


@api_router.post("/files/{sha256}/split", response_model=SplitView)
def post_split(
    request: Request, user: Staff, sha256: str, body: CorrectionRequest
) -> SplitView | JSONResponse:
    """Merge the document starting at ``page`` into the previous one, or start a new document at ``page``."""
    check_csrf(request, request.headers.get("x-csrf-token"))
    if _visible_split(request, user, sha256) is None:
        return JSONResponse({"error": "no split for this file"}, status_code=404)
    try:
        result = _apply(request, user, sha256, SplitCorrection(action=body.action, page=body.page))
    except ValueError as e:
        audit(request, Action.SPLIT, target=sha256, outcome="refused", detail={"reason": str(e)})
        return JSONResponse({"error": str(e)}, status_code=400)
    return SplitView(sha256=sha256, split=result.split, numbers=_numbers(request, result.split))


@page_router.get("/files/{sha256}/split")
def split_page(request: Request, user: Staff, sha256: str) -> Response:
    """The documents of a scanned file, each page with "split here" and each document with "merge"."""
    split = _visible_split(request, user, sha256)
    if split is None:
        return error_response(request, 404, "no split for this file")
    audit(request, Action.VIEW, target=sha256, detail={"what": "split"})
    rows: list[dict[str, Any]] = [
        {"id": doc_id, "pages": part.pages, "dossier": part.dossier_code, "number": number}
        for doc_id, part, number in zip(
            split.documents, split.plan.parts, _numbers(request, split), strict=False
        )
    ]
    return render(request, "split.html", sha256=sha256, split=split, rows=rows, message=None)


@page_router.post("/files/{sha256}/split")
def split_form(
    request: Request,
    user: Staff,
    sha256: str,
    action: Annotated[SplitAction, Form()],
    page: Annotated[int, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The page's buttons: apply one correction, then show the file again."""
    check_csrf(request, csrf_token)
    if _visible_split(request, user, sha256) is None:
        return error_response(request, 404, "no split for this file")
    try:
        _apply(request, user, sha256, SplitCorrection(action=action, page=page))
    except ValueError as e:
        audit(request, Action.SPLIT, target=sha256, outcome="refused", detail={"reason": str(e)})
        return error_response(request, 400, str(e))
    return RedirectResponse(f"/files/{sha256}/split", status_code=303)
