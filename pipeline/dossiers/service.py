"""Creating, editing and filling dossiers: the rules around the dossier store.

:class:`DossierService` is the one entry point the web app, the CLI, the ingest flow and other features
(#14's bulk edit, #17's archive packages) use::

    service = DossierService.from_settings(settings)
    service.create(DossierInput(code=..., kind="archival", title=..., maintenance="04"), by="staff1")
    service.assign("000.00.14.H26.2023.01", [doc_id, ...], by="staff1")   # STT in the order given
    view = service.view("000.00.14.H26.2023.01")   # fields, entries in STT order with docCode, facts

Every change returns the :class:`Event` list it caused (created, edited, assigned, moved), which the caller
writes to the audit log with the user and address it knows; a document moved from one dossier to another
always produces a ``moved`` event. Nothing here reads the settings or the clock on its own: both are given.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from pydantic import BaseModel, Field, ValidationError

from pipeline.dossiers.codes import CodeRules, check_code, parse_file_code, parse_procedure_code
from pipeline.dossiers.derive import maintenance_years, view_of
from sohoa.errors import DossierError, SearchIndexError
from sohoa.model.dossier import (
    Dossier,
    DossierKind,
    DossierView,
    HistoryEntry,
    Member,
    MemberDoc,
    MemberRole,
    ResultInfo,
)
from sohoa.settings import DossierSettings, Settings
from sohoa.text import fold
from storage import retention
from storage.dossier_index import DossierFilter, DossierIndex
from storage.dossiers import DossierStore
from storage.index import SearchIndex
from storage.objects import ObjectStore

__all__ = ["AssignOutcome", "DossierInput", "DossierService", "Event", "index_record", "record"]

log = logging.getLogger(__name__)

#: fields staff type; everything else is derived or managed by sohoa
EDITABLE_FIELDS: tuple[str, ...] = (
    "title",
    "maintenance",
    "maintenance_years",
    "mode",
    "language",
    "keyword",
    "format",
    "infor_sign",
    "confidence_level",
    "paper_file_code",
    "number_of_paper",
    "description",
    "procedure_code",
    "procedure_name",
    "reception_date",
    "expected_components",
)


class DossierInput(BaseModel):
    """What staff give to create a dossier (the derived fields are not among them)."""

    code: str = Field(min_length=1, max_length=100)
    kind: DossierKind
    title: str = Field(min_length=1, max_length=1000)
    maintenance: str
    maintenance_years: int | None = None
    mode: str = "01"
    language: str = "01"
    keyword: list[str] = Field(default_factory=list)
    format: str | None = None
    infor_sign: str | None = None
    confidence_level: str = "02"
    paper_file_code: str | None = None
    number_of_paper: int | None = None
    description: str | None = None
    procedure_code: str | None = None
    procedure_name: str | None = None
    reception_date: date | None = None
    expected_components: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """One change to audit: ``created``, ``edited``, ``assigned``, ``moved``, ``removed``, ``disposal_*``."""

    action: str
    code: str
    doc_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AssignOutcome:
    """What an assignment did."""

    code: str
    added: list[Member]
    already: list[str]
    moved_from: dict[str, str]
    retained: int
    events: list[Event]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_F = TypeVar("_F", bound=Callable[..., Any])


def _serialized(method: _F) -> _F:
    """Run a changing method under the service's lock."""

    @functools.wraps(method)
    def wrapper(self: DossierService, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(_F, wrapper)


def record(dossier: Dossier, events: Iterable[Event], *, by: str | None) -> Dossier:
    """The dossier with ``events`` appended to its own history (scalar details only)."""
    now = _now()
    entries = [
        HistoryEntry(
            at=now,
            by=by,
            action=e.action,
            doc_id=e.doc_id,
            detail={
                k: v if isinstance(v, str | int | bool) or v is None else str(v) for k, v in e.detail.items()
            },
        )
        for e in events
    ]
    return dossier.model_copy(update={"history": [*dossier.history, *entries]}) if entries else dossier


def _clean_list(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def index_record(view: DossierView) -> dict[str, Any]:
    """The dossiers-index record of a loaded dossier."""
    d, f = view.dossier, view.facts

    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "code": d.code,
        "kind": d.kind.value,
        "title": d.title,
        "title_key": fold(d.title),
        "year": f.year,
        "maintenance": d.maintenance,
        "mode": d.mode,
        "procedure_code": d.procedure_code,
        "procedure_name": d.procedure_name,
        "reception_date": iso(d.reception_date),
        "start_date": iso(f.start_date),
        "end_date": iso(f.end_date),
        "retention_until": iso(f.retention_until),
        "total_doc": f.total_doc,
        "number_of_page": f.number_of_page,
        "components_digitized": f.components_digitized,
        "has_result": f.has_result,
        "results": f.results,
        "results_reused": f.results_reused,
        "complete": f.complete,
        "disposed": f.disposed,
        "disposal_approved": d.disposal is not None,
        "access_level": f.access_level.value,
        "created_at": d.created_at,
    }


class DossierService:
    """Dossiers on one archive bucket, its documents index and the dossiers index."""

    def __init__(
        self,
        store: DossierStore,
        index: DossierIndex,
        rules: CodeRules,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        """Wrap the stores.

        Args:
            store: Dossier JSONs and document reads.
            index: The dossiers index (lists and filters; rebuilt by :meth:`reindex`).
            rules: How fileCodes are written here.
            today: The clock (tests fix it).
        """
        self.store = store
        self.index = index
        self.rules = rules
        self.today = today
        # Changes are read-modify-write of dossier JSONs: one at a time per service (per process).
        # Writers in other processes (an ingest flow) are not serialized with these; see the README.
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings, *, bucket: str | None = None) -> DossierService:
        """The service on the configured bucket, documents index and dossiers index."""
        objects = ObjectStore.from_settings(settings.minio, bucket=bucket)
        documents = SearchIndex.from_settings(settings.elasticsearch)
        return cls(
            DossierStore(objects, documents),
            DossierIndex.from_settings(settings.elasticsearch),
            CodeRules.from_settings(settings.dossier),
        )

    @classmethod
    def on(
        cls,
        objects: ObjectStore,
        documents: SearchIndex,
        settings: DossierSettings,
        *,
        today: Callable[[], date] = date.today,
    ) -> DossierService:
        """The service on an archive bucket and documents index already opened (the web app's)."""
        dossiers = DossierIndex(documents.client, prefix=documents.prefix)
        return cls(DossierStore(objects, documents), dossiers, CodeRules.from_settings(settings), today=today)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, code: str) -> Dossier:
        """The stored dossier.

        Raises:
            DossierError: there is no dossier with this code.
        """
        dossier = self.store.get(code.strip())
        if dossier is None:
            raise DossierError(f"there is no dossier {code!r}")
        return dossier

    def view(self, code: str) -> DossierView:
        """A dossier with its documents in STT order (each with its docCode) and derived facts."""
        return self.view_of(self.get(code))

    def view_of(self, dossier: Dossier, docs: dict[str, MemberDoc | None] | None = None) -> DossierView:
        """The view of a dossier already loaded (``docs``: its documents, if already read)."""
        if docs is None:
            docs = self.store.read_documents(m.doc_id for m in dossier.members)
        return view_of(dossier, docs, self.rules, today=self.today())

    def views(self, codes: Iterable[str]) -> list[DossierView]:
        """Views of many dossiers, their documents read in one pass (the catalogue and reports)."""
        dossiers = list(self.store.load_many(codes))
        docs = self.store.read_documents(m.doc_id for d in dossiers for m in d.members)
        return [view_of(d, docs, self.rules, today=self.today()) for d in dossiers]

    def codes(self, flt: DossierFilter | None = None) -> list[str]:
        """Codes of the dossiers matching ``flt`` (all dossiers without one)."""
        if flt is None:
            return self.store.codes()
        return [r["code"] for r in self.index.all(flt)]

    def codes_of_batch(self, batch_id: str) -> list[str]:
        """Codes of the dossiers that hold documents of an ingestion batch (from its report).

        Raises:
            DossierError: the batch has no report.
        """
        from sohoa.errors import ObjectNotFoundError

        try:
            report = self.store.objects.get_report(batch_id)
        except (ObjectNotFoundError, ValueError) as e:
            raise DossierError(f"batch {batch_id!r} has no report") from e
        ids = [f["document_id"] for f in report.get("files", []) if f.get("document_id")]
        codes = {
            doc.dossier_code
            for doc in map(self.store.document, dict.fromkeys(ids))
            if doc and doc.dossier_code
        }
        return sorted(c for c in codes if self.store.exists(c))

    # -- creating and editing --------------------------------------------------------------------

    def validate(self, data: DossierInput | dict[str, Any]) -> Dossier:
        """A new dossier from staff input, every rule checked.

        Raises:
            DossierError: a malformed code, an unknown code-list value, a reception date in the future
                or one that differs from the date in the code, a missing field.
        """
        try:
            spec = data if isinstance(data, DossierInput) else DossierInput.model_validate(data)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise DossierError(f"{where}: {first.get('msg')}") from e
        today = self.today()
        code = spec.code.strip()
        reception = spec.reception_date
        if spec.kind is DossierKind.PROCEDURE:
            parsed = parse_procedure_code(code, today=today)
            if reception is not None and reception > today:
                raise DossierError(f"reception date {reception:%d/%m/%Y} is in the future")
            if reception is not None and reception != parsed.received:
                raise DossierError(
                    f"reception date {reception:%d/%m/%Y} differs from the date in the code "
                    f"({parsed.received:%d/%m/%Y})"
                )
            reception = parsed.received
        else:
            parse_file_code(code, self.rules, today=today)
            if reception is not None:
                raise DossierError("an archival dossier has no reception date (ngày tiếp nhận)")
        values = spec.model_dump(exclude={"code", "reception_date"})
        dossier = self._checked(Dossier.model_validate({**values, "code": code, "reception_date": reception}))
        return dossier

    def _checked(self, dossier: Dossier) -> Dossier:
        check_code("maintenance", dossier.maintenance, field="maintenance")
        check_code("mode", dossier.mode, field="mode")
        check_code("language", dossier.language, field="language")
        check_code("format", dossier.format, field="format", required=False)
        check_code("confidence_level", dossier.confidence_level, field="confidenceLevel")
        maintenance_years(dossier)  # 07 needs its years
        if dossier.maintenance != "07" and dossier.maintenance_years is not None:
            raise DossierError("maintenance_years is only for maintenance 07 (khác)")
        if dossier.reception_date is not None and dossier.reception_date > self.today():
            raise DossierError(f"reception date {dossier.reception_date:%d/%m/%Y} is in the future")
        return dossier.model_copy(
            update={
                "keyword": _clean_list(dossier.keyword),
                "expected_components": _clean_list(dossier.expected_components),
            }
        )

    @_serialized
    def create(self, data: DossierInput | dict[str, Any], *, by: str | None) -> tuple[Dossier, list[Event]]:
        """Validate and store a new dossier; documents that already carry its code (from a manifest) join it.

        Raises:
            DossierError: the input breaks a rule, or a dossier with this code exists.
        """
        dossier = self.validate(data)
        if self.store.exists(dossier.code):
            raise DossierError(f"dossier {dossier.code} already exists")
        dossier = dossier.model_copy(update={"created_at": _now(), "created_by": by, "updated_at": _now()})
        events = [Event("created", dossier.code, detail={"kind": dossier.kind.value, "title": dossier.title})]
        dossier = record(dossier, events, by=by)
        self.store.put(dossier)
        waiting = self._documents_carrying(dossier.code)
        if waiting:
            outcome = self.assign(dossier.code, waiting, by=by, source="manifest")
            events += outcome.events
            dossier = self.get(dossier.code)
        else:
            self.refresh_index(dossier)
        return dossier, events

    @_serialized
    def update(self, code: str, changes: dict[str, Any], *, by: str | None) -> tuple[Dossier, list[Event]]:
        """Change typed fields (never the code, kind, members or derived fields).

        Raises:
            DossierError: an unknown field or a value that breaks a rule.
        """
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise DossierError(f"these fields cannot be edited: {', '.join(unknown)}")
        old = self.get(code)
        if "reception_date" in changes and changes["reception_date"] != old.reception_date:
            raise DossierError("the reception date is part of a procedure dossier's code and cannot change")
        merged = {**old.model_dump(), **changes}
        try:
            new = self._checked(Dossier.model_validate({**merged, "updated_at": _now()}))
        except ValidationError as e:
            first = e.errors()[0]
            raise DossierError(f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}") from e
        changed = {
            k: {"from": getattr(old, k), "to": getattr(new, k)}
            for k in changes
            if getattr(old, k) != getattr(new, k)
        }
        if changed:
            new = record(new, [Event("edited", code, detail={"fields": ", ".join(sorted(changed))})], by=by)
        self.store.put(new)
        view = self.refresh_index(new)
        if "maintenance" in changed or "maintenance_years" in changed:
            self._retain(view, [m.doc_id for m in new.members])
        return new, [Event("edited", code, detail={"changes": changed})] if changed else []

    # -- membership ------------------------------------------------------------------------------

    @_serialized
    def assign(
        self,
        code: str,
        doc_ids: Iterable[str],
        *,
        by: str | None,
        role: MemberRole | None = None,
        component: str | None = None,
        result: ResultInfo | None = None,
        source: str = "api",
    ) -> AssignOutcome:
        """Put documents into a dossier, in the order given, each with the next STT.

        A document in another dossier is moved (its old dossier forgets it; a ``moved`` event records
        both codes). A document already here keeps its STT. Each document's ``document.json`` gets the
        dossier code (and is re-indexed), and its original is put under retention for the dossier's
        maintenance period.

        Args:
            code: The dossier.
            doc_ids: Document ids (SHA-256).
            by: Who did it.
            role: ``component``/``result`` for procedure dossiers (default: component there, document in
                an archival dossier).
            component: Which expected component the documents are.
            result: Validity and reuse of a result.
            source: How the assignment came (``manifest``, ``upload``, ``bulk``, ``api``, ``cli``), audited.

        Raises:
            DossierError: no such dossier, a document that is not stored, a role that does not fit the
                kind, or the dossier has been disposed.
        """
        dossier = self.get(code)
        if dossier.disposal is not None and dossier.disposal.disposed_at:
            raise DossierError(f"dossier {code} has been disposed; nothing can be added to it")
        archival = dossier.kind is DossierKind.ARCHIVAL
        role = role or (MemberRole.DOCUMENT if archival else MemberRole.COMPONENT)
        if archival and role is not MemberRole.DOCUMENT:
            raise DossierError("an archival dossier holds documents, not components or results")
        if not archival and role is MemberRole.DOCUMENT:
            raise DossierError("a procedure dossier holds components (thành phần) and results (kết quả)")
        if result is not None and role is not MemberRole.RESULT:
            raise DossierError("validity and reuse are recorded for results only")
        ids = list(dict.fromkeys(i.strip() for i in doc_ids if i.strip()))
        documents = {}
        for doc_id in ids:
            doc = self.store.document(doc_id) if len(doc_id) == 64 else None
            if doc is None:
                raise DossierError(f"document {doc_id!r} is not stored")
            documents[doc_id] = doc
        added: list[Member] = []
        already: list[str] = []
        moved_from: dict[str, str] = {}
        events: list[Event] = []
        now = _now()
        for doc_id in ids:
            if dossier.member(doc_id) is not None:
                already.append(doc_id)
                continue
            previous = documents[doc_id].dossier_code
            if previous and previous != code:
                if self._remove_from(previous, doc_id, moved_to=code, by=by):
                    moved_from[doc_id] = previous
                    events.append(
                        Event("moved", code, doc_id, {"from": previous, "to": code, "source": source})
                    )
            member = Member(
                doc_id=doc_id,
                stt=dossier.next_stt(),
                role=role,
                component=component,
                result=result if role is MemberRole.RESULT else None,
                added_at=now,
                added_by=by,
            )
            dossier = dossier.model_copy(update={"members": [*dossier.members, member], "updated_at": now})
            added.append(member)
            if doc_id not in moved_from:
                events.append(
                    Event("assigned", code, doc_id, {"stt": member.stt, "role": role.value, "source": source})
                )
        if not added:
            return AssignOutcome(code, [], already, {}, 0, [])
        self.store.put(record(dossier, events, by=by))
        self.store.put_documents(
            documents[m.doc_id].model_copy(update={"dossier_code": code})
            for m in added
            if documents[m.doc_id].dossier_code != code
        )
        view = self.refresh_index(dossier)
        retained = self._retain(view, [m.doc_id for m in added])
        log.info(
            "dossier %s: %d documents added (%d moved in) by %s via %s",
            code,
            len(added),
            len(moved_from),
            by,
            source,
        )
        return AssignOutcome(code, added, already, moved_from, retained, events)

    @_serialized
    def remove(self, code: str, doc_id: str, *, by: str | None) -> list[Event]:
        """Take a document out of a dossier (its STT is not reused); its ``document.json`` loses the code."""
        if not self._remove_from(code, doc_id, by=by):
            raise DossierError(f"document {doc_id[:12]} is not in dossier {code}")
        doc = self.store.document(doc_id)
        if doc is not None and doc.dossier_code == code:
            self.store.put_document(doc.model_copy(update={"dossier_code": None}))
        return [Event("removed", code, doc_id, {"by": by})]

    @_serialized
    def set_result(self, code: str, doc_id: str, result: ResultInfo, *, by: str | None) -> list[Event]:
        """Record a result's validity and reuse flag."""
        dossier = self.get(code)
        member = dossier.member(doc_id)
        if member is None or member.role is not MemberRole.RESULT:
            raise DossierError(f"document {doc_id[:12]} is not a result of dossier {code}")
        members = [
            m.model_copy(update={"result": result}) if m.doc_id == doc_id else m for m in dossier.members
        ]
        events = [Event("edited", code, doc_id, {"result": result.model_dump_json()})]
        dossier = record(dossier.model_copy(update={"members": members, "updated_at": _now()}), events, by=by)
        self.store.put(dossier)
        self.refresh_index(dossier)
        return events

    def _remove_from(self, code: str, doc_id: str, *, by: str | None, moved_to: str | None = None) -> bool:
        old = self.store.get(code)
        leaving = old.member(doc_id) if old is not None else None
        if old is None or leaving is None:
            return False
        stt = leaving.stt
        old = old.model_copy(
            update={"members": [m for m in old.members if m.doc_id != doc_id], "updated_at": _now()}
        )
        action = "moved_out" if moved_to else "removed"
        old = record(old, [Event(action, code, doc_id, {"stt": stt, "to": moved_to})], by=by)
        self.store.put(old)
        self.refresh_index(old)
        return True

    def _documents_carrying(self, code: str) -> list[str]:
        """Documents whose ``document.json`` already names this dossier (manifest rows before it existed)."""
        index = self.store.documents
        if index is None:
            return []
        from storage.index import _translate

        try:
            with _translate("find documents of a dossier"):
                resp = index.client.search(
                    index=index.alias,
                    query={"term": {"dossier_code": code}},
                    size=10_000,
                    source=False,
                    sort=[{"ingested_at": {"order": "asc", "missing": "_last"}}, {"sha256": "asc"}],
                )
        except SearchIndexError as e:  # no documents index yet: nothing is waiting
            log.info("dossier %s: no documents index to look for waiting documents (%s)", code, e)
            return []
        return [h["_id"] for h in resp["hits"]["hits"]]

    def _retain(self, view: DossierView, doc_ids: list[str]) -> int:
        until = view.facts.retention_until
        return sum(1 for doc_id in doc_ids if retention.retain(self.store.objects, doc_id, until))

    def refresh_index(self, dossier: Dossier) -> DossierView:
        """Re-index a stored dossier's record (after any change); returns its view."""
        view = self.view_of(dossier)
        self.index.put(index_record(view))
        return view

    def reindex(self) -> int:
        """Rebuild the dossiers index from ``dossiers/*.json``; returns the number indexed."""
        views = self.views(self.store.codes())
        self.index.drop()
        return self.index.put_many(index_record(v) for v in views)
