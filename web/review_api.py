"""The review API: the queue, corrections of a document's metadata, bulk edits and value suggestions.

Staff and admin only (``Permission.REVIEW``); clerks get 403. Session-authenticated calls that change
something need the ``X-CSRF-Token`` header. A bad value gets 422 ``{"error", "field", "reason"}``; saving
over a version someone else saved meanwhile gets 409. Every save is audited with its changes.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pipeline.correction import EDITABLE_FIELDS, field_states, normalize_value
from pipeline.revise import Saved
from sohoa.errors import ConflictError, DossierError, FieldValueError, InputError, ObjectNotFoundError
from sohoa.model.review import Approval, FieldState, Revision, RevisionAction
from web.audit import Action
from web.backend import is_batch_id
from web.deps import audit, check_csrf
from web.deps import require as _require
from web.review_backend import ReviewBackend
from web.searching import decode_cursor, encode_cursor
from web.users import Permission, User

__all__ = ["BULK_FIELDS", "MAX_BULK", "backend_of", "reviews", "router", "save_metadata"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["review"])

Reviewer = Annotated[User, Depends(_require(Permission.REVIEW))]
Searcher = Annotated[User, Depends(_require(Permission.SEARCH))]
#: what a bulk edit may set
BULK_FIELDS: tuple[str, ...] = ("dossier_code", "access_level", "loai_van_ban", "co_quan_ban_hanh")
MAX_BULK = 1000


def reviews(request: Request) -> ReviewBackend:
    """The app's review backend."""
    return backend_of(request.app)


def backend_of(app: Any) -> ReviewBackend:
    """The review backend of ``app`` (made on first use, sharing the app backend's store and index)."""
    rb = getattr(app.state, "reviews", None)
    if rb is None:
        rb = app.state.reviews = ReviewBackend(app.state.ctx.backend)
    return rb


class QueueField(BaseModel):
    """A field as the queue shows it."""

    value: Any = None
    confidence: float | None = None
    page: int | None = None
    box: tuple[int, int, int, int] | None = None
    provenance: str


class QueueDocument(BaseModel):
    """A document waiting for review."""

    id: str
    source_file: str
    batch: str | None
    version: int
    reasons: list[str]
    fields: dict[str, QueueField]


class QueueResponse(BaseModel):
    """A page of the review queue."""

    total: int
    documents: list[QueueDocument]
    next: str | None = Field(None, description="Pass as `after` for the next page; null on the last page")


class MetadataPatch(BaseModel):
    """Corrections to save, optionally approving the document."""

    fields: dict[str, Any] = Field(default_factory=dict, description="Field name → new value (null clears)")
    approve: bool = Field(False, description="Confirm the metadata and clear needs_review")
    version: int | None = Field(None, description="The version the values were read from (409 if stale)")


class MetadataResponse(BaseModel):
    """A document's metadata after a save: its version, each field with provenance, the history."""

    id: str
    version: int
    needs_review: bool
    reasons: list[str]
    approval: Approval | None
    fields: dict[str, FieldState]
    history: list[Revision]
    indexed: bool = Field(description="Whether the index already has this version (else it catches up)")


class BulkPatch(BaseModel):
    """The same values for many documents: given by id, or every document of a batch."""

    ids: list[str] = Field(default_factory=list, max_length=MAX_BULK)
    batch: str | None = None
    fields: dict[str, Any]


class BulkResponse(BaseModel):
    """What a bulk edit did."""

    documents: int
    changed: int
    unchanged: int
    refused: list[dict[str, str]]


def _field_error(e: FieldValueError) -> JSONResponse:
    return JSONResponse({"error": e.message, "field": e.field, "reason": e.reason}, status_code=422)


def _check_clearance(user: User, fields: dict[str, Any]) -> None:
    """Refuse an access level above the user's own clearance (they could no longer see the document)."""
    if "access_level" in fields:
        level = normalize_value("access_level", fields["access_level"])
        if not user.may_see(level):
            raise FieldValueError("access_level", f"above your clearance ({user.clearance.value})")


def _check_dossier(request: Request, fields: dict[str, Any]) -> None:
    """Refuse moving documents into a dossier that has been disposed (nothing can join it)."""
    code = normalize_value("dossier_code", fields["dossier_code"]) if "dossier_code" in fields else None
    if code:
        from web.dossiers import service

        dossier = service(request).store.get(code)
        if dossier is not None and dossier.disposal is not None and dossier.disposal.disposed_at:
            raise FieldValueError("dossier_code", f"dossier {code} has been disposed")


def _sync_dossier(request: Request, user: User, saved: Saved, source: str) -> None:
    """Keep dossier membership in step with a corrected dossier code (the dossier service owns it).

    The correction is saved first (with its provenance); then the document leaves the dossier of its old
    code and joins the dossier of its new one, when those dossiers exist (a code without a dossier record
    stays a plain field, as a manifest sets it). Their events are audited like any dossier change.
    """
    change = saved.document.history[-1].changes.get("dossier_code") if saved.changed else None
    if change is None:
        return
    from web.dossiers import audit_events, service

    svc = service(request)
    doc_id = saved.document.id
    try:
        old = svc.store.get(change.before) if change.before else None
        if old is not None and old.member(doc_id) is not None:
            audit_events(request, svc.remove(old.code, doc_id, by=user.name))
        if change.after and svc.store.get(change.after) is not None:
            audit_events(request, svc.assign(change.after, [doc_id], by=user.name, source=source).events)
    except DossierError as e:
        log.error("%s: dossier code corrected to %s, membership not updated: %s", doc_id[:12], change.after,
                  e.message)  # fmt: skip
        audit(request, Action.DOSSIER, target=doc_id, outcome="refused", detail={"reason": e.message})


def metadata_response(saved: Saved) -> MetadataResponse:
    """The response of a save."""
    doc = saved.document
    return MetadataResponse(
        id=doc.id, version=doc.version, needs_review=doc.metadata.needs_review, reasons=doc.metadata.reasons,
        approval=doc.metadata.approval, fields=field_states(doc), history=doc.history, indexed=saved.indexed,
    )  # fmt: skip


def save_metadata(
    request: Request, user: User, doc_id: str, patch: MetadataPatch
) -> MetadataResponse | JSONResponse:
    """Check and save one document's corrections; audited (refusals too)."""
    rb = reviews(request)
    stored = rb.stored(doc_id)
    if stored is None or not user.may_see(stored.access_level):
        audit(request, Action.CORRECT, target=doc_id, outcome="not_found")
        return JSONResponse({"error": "document not found"}, status_code=404)
    try:
        _check_clearance(user, patch.fields)
        _check_dossier(request, patch.fields)
        saved = rb.correct(doc_id, patch.fields, by=user.name, approve=patch.approve,
                           expected_version=patch.version)  # fmt: skip
    except FieldValueError as e:
        audit(request, Action.CORRECT, target=doc_id, outcome="refused",
              detail={"field": e.field, "reason": e.reason})  # fmt: skip
        return _field_error(e)
    except ConflictError as e:
        audit(request, Action.CORRECT, target=doc_id, outcome="conflict", detail={"version": patch.version})
        return JSONResponse({"error": e.message}, status_code=409)
    if saved.changed:
        last = saved.document.history[-1]
        changes = {k: {"before": v.before, "after": v.after} for k, v in last.changes.items()}
        if changes:
            audit(request, Action.CORRECT, target=doc_id,
                  detail={"version": last.version, "changes": changes})  # fmt: skip
        if patch.approve:
            audit(request, Action.APPROVE, target=doc_id, detail={"version": last.version})
        _sync_dossier(request, user, saved, "review")
    return metadata_response(saved)


@router.get("/review", response_model=QueueResponse)
def review_queue(
    request: Request,
    user: Reviewer,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    reason: Annotated[
        str | None, Query(max_length=100, description="A reason code (so_ky_hieu.missing)")
    ] = None,
    field: Annotated[
        str | None, Query(max_length=40, description="Documents with a reason about this field")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(description="Cursor from the previous page's `next`")] = None,
) -> QueueResponse:
    """Documents flagged for review that the caller may see, newest batch first."""
    page, items = reviews(request).queue(
        user.access_levels, batch=batch or None, reason=reason or None, field=field or None, size=limit,
        after=decode_cursor(after),
    )  # fmt: skip
    docs = [
        QueueDocument(
            id=i.document.id,
            source_file=i.document.source_file,
            batch=i.document.batch,
            version=i.document.version,
            reasons=i.document.metadata.reasons,
            fields={
                n: QueueField(
                    value=s.value,
                    confidence=s.confidence,
                    page=s.page,
                    box=s.box,
                    provenance=s.provenance.value,
                )
                for n, s in i.fields.items()
            },
        )  # fmt: skip
        for i in items
    ]
    last = page.sorts[-1] if page.sorts and len(page.ids) == limit else None
    return QueueResponse(total=page.total, documents=docs, next=encode_cursor(last))


@router.patch("/documents/{doc_id}/metadata", response_model=MetadataResponse)
def patch_metadata(
    request: Request, user: Reviewer, doc_id: str, patch: MetadataPatch
) -> MetadataResponse | JSONResponse:
    """Correct fields (each value validated; 422 names the field) and/or approve; returns the new version."""
    check_csrf(request, None)
    return save_metadata(request, user, doc_id, patch)


@router.post("/review/bulk", response_model=BulkResponse)
def bulk_edit(request: Request, user: Reviewer, patch: BulkPatch) -> BulkResponse | JSONResponse:
    """Set dossier code, access level, type or issuer on many documents; audited as one action."""
    check_csrf(request, None)
    try:
        return bulk(request, user, patch)
    except FieldValueError as e:
        return _field_error(e)
    except InputError as e:
        return JSONResponse({"error": e.message}, status_code=422)


def bulk(request: Request, user: User, patch: BulkPatch) -> BulkResponse:
    """Apply a bulk edit (shared by the API and the bulk page).

    Raises:
        FieldValueError: a field may not be bulk-edited or a value is invalid (nothing is changed).
        InputError: no documents, too many, or a bad batch id.
    """
    rb = reviews(request)
    unknown = [f for f in patch.fields if f not in BULK_FIELDS]
    if unknown or not patch.fields:
        raise FieldValueError(
            unknown[0] if unknown else "fields", "a bulk edit sets " + ", ".join(BULK_FIELDS)
        )
    _check_clearance(user, patch.fields)
    _check_dossier(request, patch.fields)
    # Validate once before touching anything, so a bad value changes no document.
    for name, value in patch.fields.items():
        normalize_value(name, value)
    ids = list(dict.fromkeys(patch.ids))
    if patch.batch:
        if not is_batch_id(patch.batch):
            raise InputError("bad batch id")
        ids += [i for i in rb.batch_documents(patch.batch, user.access_levels, MAX_BULK) if i not in ids]
    if not ids or len(ids) > MAX_BULK:
        raise InputError(f"give 1 to {MAX_BULK} documents")
    changed = unchanged = 0
    refused: list[dict[str, str]] = []
    for doc_id in ids:
        stored = rb.stored(doc_id)
        if stored is None or not user.may_see(stored.access_level):
            refused.append({"id": doc_id, "error": "document not found"})
            continue
        try:
            saved = rb.correct(doc_id, patch.fields, by=user.name, approve=False, expected_version=None,
                               action=RevisionAction.BULK)  # fmt: skip
        except (ObjectNotFoundError, ConflictError) as e:
            refused.append({"id": doc_id, "error": e.message})
            continue
        _sync_dossier(request, user, saved, "bulk")
        changed += saved.changed
        unchanged += not saved.changed
    audit(request, Action.BULK_EDIT, target=patch.batch or f"{len(ids)} documents",
          detail={"fields": patch.fields, "documents": len(ids), "changed": changed, "ids": ids[:100],
                  "refused": len(refused)})  # fmt: skip
    return BulkResponse(documents=len(ids), changed=changed, unchanged=unchanged, refused=refused)


@router.get("/review/suggestions")
def suggestions(
    request: Request,
    user: Reviewer,
    field: Annotated[str, Query(max_length=40)],
    q: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, list[str]]:
    """Values for an issuer, signer or dossier code: already in the archive first, then reference data."""
    if field not in EDITABLE_FIELDS:
        return {"values": []}
    return {"values": reviews(request).suggestions(field, q, user.access_levels)}
