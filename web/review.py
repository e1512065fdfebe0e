"""Review pages: the queue, the review screen (page image beside the fields), bulk edit, review figures.

``register(app)`` adds these pages and the review API (:mod:`web.review_api`) to the app, the labels
(:mod:`web.review_i18n`) and ``review_count(user)`` for the navigation. The review screen is built from
small parts (fields, page images with boxes, history, actions) so further corrections, such as merging
or splitting documents, can add a section of their own.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import Response

from pipeline.correction import DOCUMENT_FIELDS, SECRECY, TYPE_NAMES, URGENCY, field_states
from sohoa.errors import InputError, SohoaError
from sohoa.model.document import FIELD_NAMES, KEY_FIELDS, AccessLevel
from sohoa.model.ocr import OcrPage
from sohoa.model.review import FieldState, reason_code
from web.app import error_response, render
from web.audit import Action
from web.backend import DocumentView
from web.deps import audit, check_csrf, ctx, labels
from web.deps import require as _require
from web.review_api import BULK_FIELDS, BulkPatch, backend_of, bulk, reviews
from web.review_api import router as api_router
from web.review_i18n import install as install_labels
from web.searching import SearchParams, decode_cursor, encode_cursor, to_query
from web.users import Permission, User

__all__ = ["SECTIONS", "ReviewSection", "register", "router"]

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

Reviewer = Annotated[User, Depends(_require(Permission.REVIEW))]
Auditor = Annotated[User, Depends(_require(Permission.AUDIT))]

#: the review screen's field order: what reviewers check most first
FORM_ORDER: tuple[str, ...] = (
    "so_ky_hieu", "ngay_ban_hanh", "loai_van_ban", "co_quan_ban_hanh", "trich_yeu", "nguoi_ky", "chuc_vu_ky",
    "dossier_code", "access_level", "so", "ky_hieu", "ma_loai", "noi_ban_hanh", "co_quan_chu_quan",
    "hinh_thuc_ky", "noi_nhan", "kinh_gui", "do_mat", "do_khan", "ma_ho_so",
)  # fmt: skip
_SUGGESTED = frozenset({"co_quan_ban_hanh", "nguoi_ky", "co_quan_chu_quan", "chuc_vu_ky", "noi_ban_hanh",
                        "dossier_code"})  # fmt: skip
_QUEUE_PARAMS = ("batch", "reason", "field")
assert set(FORM_ORDER) == set(FIELD_NAMES) | set(DOCUMENT_FIELDS)


@dataclass(frozen=True)
class ReviewSection:
    """A part of the review screen another correction adds (e.g. "merge with previous / split here").

    ``template`` (in ``web/templates``) is rendered below the fields with ``section`` = ``context(...)``.
    """

    template: str
    context: Callable[[Request, DocumentView], dict[str, Any]]


#: sections appended to every review screen, in order (append at import time of the adding module)
SECTIONS: list[ReviewSection] = []


def register(app: FastAPI) -> None:
    """Add the review pages, the review API, their labels and the navigation count to ``app``."""
    install_labels()
    app.include_router(api_router)
    app.include_router(router)

    def review_count(user: User) -> int | str:
        try:
            return backend_of(app).count(user.access_levels)
        except SohoaError as e:
            log.warning("review count unavailable: %s", e.message)
            return "?"

    app.state.ctx.templates.globals["review_count"] = review_count


def _reason_label(request: Request) -> Callable[[str], str]:
    """The label of a review reason in this request's language (``reason.<code>``), else the reason itself."""
    t = labels(request)

    def label(reason: str) -> str:
        key = f"reason.{reason_code(reason)}"
        text = t(key)
        return reason if text == key else text

    return label


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _queue_params(batch: str | None, reason: str | None, field: str | None) -> list[tuple[str, str]]:
    return [(k, v) for k, v in zip(_QUEUE_PARAMS, (batch, reason, field), strict=True) if v]


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _box_pct(state: FieldState, pages: dict[int, OcrPage]) -> list[float] | None:
    """A field's box as percentages of its page image (the image is the OCR page, scaled)."""
    page = pages.get(state.page or 0)
    if state.box is None or page is None or not page.width or not page.height:
        return None
    x, y, w, h = state.box
    return [round(100 * x / page.width, 2), round(100 * y / page.height, 2),
            round(100 * w / page.width, 2), round(100 * h / page.height, 2)]  # fmt: skip


@router.get("/review")
def queue_page(
    request: Request,
    user: Reviewer,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    reason: Annotated[str | None, Query(max_length=100)] = None,
    field: Annotated[str | None, Query(max_length=40)] = None,
    after: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response:
    """Documents flagged for review, newest batch first, filterable by batch, reason and field."""
    params = _queue_params(batch or None, reason or None, field or None)
    try:
        page, items = reviews(request).queue(
            user.access_levels, batch=batch or None, reason=reason or None, field=field or None, size=50,
            after=decode_cursor(after),
        )  # fmt: skip
    except InputError as e:
        return error_response(request, 400, e.message)
    rows = [
        {
            "id": i.document.id,
            "href": _url(f"/review/{i.document.id}", params),
            "source_file": i.document.source_file,
            "batch": i.document.batch,
            "reasons": i.document.metadata.reasons,
            "values": {n: _display(i.fields[n].value) for n in KEY_FIELDS},
        }
        for i in items
    ]
    more = None
    if len(page.ids) == 50 and page.sorts:
        more = _url("/review", [*params, ("after", encode_cursor(page.sorts[-1]) or "")])
    first = _url(f"/review/{rows[0]['id']}", params) if rows else None
    return render(request, "review_queue.html", rows=rows, total=page.total, facets=page.facets,
                  batch=batch or "", reason=reason or "", field=field or "", more=more, first=first,
                  key_fields=KEY_FIELDS, reason_label=_reason_label(request))  # fmt: skip


@router.get("/review/bulk")
def bulk_page(
    request: Request,
    user: Reviewer,
    q: Annotated[str, Query(max_length=500)] = "",
    batch: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """Pick documents from a search (words and/or a batch) and set shared values on them."""
    hits: list[Any] = []
    total = 0
    error = None
    if q.strip() or batch:
        try:
            result = ctx(request).backend.search(
                to_query(SearchParams(q, batch=batch or None, size=100), user)
            )
            hits, total = result.hits, result.total
        except InputError as e:
            error = e.message
    return render(request, "review_bulk.html", q=q, batch=batch or "", hits=hits, total=total, error=error,
                  result=None, types=TYPE_NAMES, levels=[a.value for a in user.access_levels])  # fmt: skip


@router.post("/review/bulk")
def bulk_form(
    request: Request,
    user: Reviewer,
    ids: Annotated[list[str], Form()] = [],  # noqa: B006
    csrf_token: Annotated[str, Form()] = "",
    dossier_code: Annotated[str, Form(max_length=100)] = "",
    access_level: Annotated[str, Form(max_length=20)] = "",
    loai_van_ban: Annotated[str, Form(max_length=100)] = "",
    co_quan_ban_hanh: Annotated[str, Form(max_length=300)] = "",
    q: Annotated[str, Form(max_length=500)] = "",
    batch: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Apply a bulk edit from the page (empty boxes change nothing); one audit entry."""
    check_csrf(request, csrf_token)
    values = dict(zip(BULK_FIELDS, (dossier_code, access_level, loai_van_ban, co_quan_ban_hanh), strict=True))
    fields = {k: v for k, v in values.items() if v.strip()}
    try:
        result, error = bulk(request, user, BulkPatch(ids=ids, fields=fields)), None
    except InputError as e:  # FieldValueError included
        result, error = None, e.message
    return render(request, "review_bulk.html", q=q, batch=batch, hits=[], total=0, error=error,
                  result=result, types=TYPE_NAMES, levels=[a.value for a in user.access_levels])  # fmt: skip


@router.get("/review/{doc_id}")
def review_page(
    request: Request,
    user: Reviewer,
    doc_id: str,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    reason: Annotated[str | None, Query(max_length=100)] = None,
    field: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The review screen: page images with the fields' boxes beside the editable fields."""
    rb = reviews(request)
    view = rb.document(doc_id)
    if view is None or not user.may_see(view.document.access_level):
        audit(request, Action.VIEW, target=doc_id, outcome="not_found")
        return error_response(request, 404, "document not found")
    audit(request, Action.VIEW, target=doc_id, detail={"screen": "review"})
    doc = view.document
    params = _queue_params(batch or None, reason or None, field or None)
    around = rb.neighbours(doc_id, user.access_levels, batch=batch or None, reason=reason or None,
                           field=field or None)  # fmt: skip
    ocr_pages = {p.number: p for p in view.ocr.pages} if view.ocr else {}
    states = field_states(doc)
    t = labels(request)
    fields = []
    for name in FORM_ORDER:
        s = states[name]
        box = _box_pct(s, ocr_pages)
        fields.append(
            {
                "name": name,
                "label": t("review." + name) if name in DOCUMENT_FIELDS else t("field." + name),
                "value": _display(s.value),
                "state": s,
                "page": s.page if box else None,
                "box": json.dumps(box) if box else "",
                "suggest": name in _SUGGESTED,
                "flagged": any(r.startswith((name + ".", name + ":")) for r in doc.metadata.reasons),
            }
        )
    pages = [
        {"number": n, "image": f"/documents/{doc_id}/pages/{n}.jpg"}
        for n in range(1, doc.page_count + 1)
        if n in view.thumbnails
    ]
    return render(
        request,
        "review.html",
        doc=doc,
        fields=fields,
        pages=pages,
        prev_href=_url(f"/review/{around.previous}", params) if around.previous else "",
        next_href=_url(f"/review/{around.next}", params) if around.next else "",
        queue_href=_url("/review", params),
        types=TYPE_NAMES,
        secrecy=SECRECY,
        urgency=URGENCY,
        levels=[a.value for a in AccessLevel if user.may_see(a)],
        sections=[(sec.template, sec.context(request, view)) for sec in SECTIONS],
        reason_label=_reason_label(request),
    )


@router.get("/admin/review")
def figures_page(request: Request, user: Auditor) -> Response:
    """Reviews per hour over the last day and the share of documents corrected per field, by batch."""
    c = ctx(request)
    since = (datetime.now(UTC) - timedelta(hours=24)).isoformat(timespec="milliseconds")
    per_hour: dict[str, Counter[str]] = {}
    for action in (Action.APPROVE, Action.CORRECT):
        for e in c.audit.entries(action=action.value, limit=1000):
            if e.at >= since and e.outcome == "ok":
                per_hour.setdefault(e.at[:13], Counter())[action.value] += 1
    hours = [
        {"hour": h.replace("T", " ") + ":00", **counts}
        for h, counts in sorted(per_hour.items(), reverse=True)
    ]
    batches = reviews(request).figures()
    shown = [f for f in FORM_ORDER if any(f in b["corrected"] for b in batches)]
    return render(request, "review_stats.html", hours=hours, batches=batches, shown=shown)
