"""Retention and disposal: the list of dossiers whose maintenance period ended, approval, deletion.

A dossier is disposable when its maintenance period ended (``DossierFacts.retention_until`` is on or
before today) and it is not permanent. Disposal takes two steps: an admin approves it with the number of
the disposal decision (recorded in the dossier), then :func:`dispose` deletes its documents' originals and
artifacts (every version, with the governance bypass) and removes them from the index. The dossier's
record and the audit log keep what was disposed, when, by whom and under which decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from pipeline.dossiers.service import DossierService, Event, record
from sohoa.errors import DossierError
from sohoa.model.dossier import Disposal, DossierView
from storage import retention
from storage.dossier_index import DossierFilter

__all__ = ["DisposalGroup", "DisposalList", "approve_disposal", "dispose", "disposal_list", "period_ended"]

log = logging.getLogger(__name__)


def period_ended(view: DossierView) -> date | None:
    """The last day of the maintenance period (None when the dossier is kept permanently)."""
    until = view.facts.retention_until
    return until - timedelta(days=1) if until else None


@dataclass(frozen=True)
class DisposalGroup:
    """The dossiers whose period ended in one year, with totals."""

    year: int
    views: list[DossierView]

    @property
    def dossiers(self) -> int:
        """Number of dossiers."""
        return len(self.views)

    @property
    def documents(self) -> int:
        """Documents in them."""
        return sum(v.facts.total_doc for v in self.views)

    @property
    def pages(self) -> int:
        """Pages in them."""
        return sum(v.facts.number_of_page for v in self.views)


@dataclass(frozen=True)
class DisposalList:
    """Dossiers whose maintenance period ended by the end of ``year``, by the year it ended."""

    year: int
    groups: list[DisposalGroup] = field(default_factory=list)

    @property
    def dossiers(self) -> int:
        """Total dossiers."""
        return sum(g.dossiers for g in self.groups)

    @property
    def documents(self) -> int:
        """Total documents."""
        return sum(g.documents for g in self.groups)

    @property
    def pages(self) -> int:
        """Total pages."""
        return sum(g.pages for g in self.groups)


def disposal_list(service: DossierService, year: int) -> DisposalList:
    """Dossiers not yet disposed whose maintenance period ended in ``year`` or before, grouped by year."""
    by_year: dict[int, list[DossierView]] = {}
    # the index narrows the candidates; each is then judged from its stored dossier and documents
    flt = DossierFilter(retention_before=date(year + 1, 1, 1).isoformat(), disposed=False)
    codes = service.codes(flt)
    for view in service.views(codes):
        ended = period_ended(view)
        if ended is None or view.facts.disposed or ended.year > year:
            continue
        by_year.setdefault(ended.year, []).append(view)
    groups = [DisposalGroup(y, sorted(v, key=lambda x: x.code)) for y, v in sorted(by_year.items())]
    return DisposalList(year, groups)


def _check_ended(view: DossierView, today: date) -> None:
    ended = period_ended(view)
    if ended is None:
        raise DossierError(
            f"dossier {view.code} is kept permanently (maintenance {view.dossier.maintenance})"
        )
    if ended >= today:
        raise DossierError(
            f"dossier {view.code}: its maintenance period runs until {ended:%d/%m/%Y}; "
            "it cannot be disposed yet"
        )


def approve_disposal(service: DossierService, code: str, decision: str, *, by: str) -> list[Event]:
    """Record an admin's approval of a dossier's disposal with the decision's number.

    The caller checks that ``by`` is an admin.

    Raises:
        DossierError: no decision number, the period has not ended, permanent, already approved.
    """
    decision = decision.strip()
    if not decision:
        raise DossierError("a disposal needs the number of the disposal decision (số quyết định hủy)")
    view = service.view(code)
    if view.dossier.disposal is not None:
        raise DossierError(f"the disposal of {code} was already approved ({view.dossier.disposal.decision})")
    _check_ended(view, service.today())
    approval = Disposal(
        decision=decision, approved_by=by, approved_at=datetime.now(UTC).isoformat(timespec="seconds")
    )
    events = [Event("disposal_approved", code, detail={"decision": decision, "approved_by": by})]
    dossier = record(view.dossier.model_copy(update={"disposal": approval}), events, by=by)
    service.store.put(dossier)
    service.refresh_index(dossier)
    log.info("dossier %s: disposal approved by %s, decision %s", code, by, decision)
    return events


def dispose(service: DossierService, code: str, *, by: str) -> list[Event]:
    """Delete an approved dossier's originals and artifacts (all versions) and its documents' index entries.

    Raises:
        DossierError: no approved decision (refused), the period has not ended, already disposed.
    """
    view = service.view(code)
    approval = view.dossier.disposal
    if approval is None:
        raise DossierError(
            f"disposal of {code} refused: no admin has approved it with a disposal decision number"
        )
    if approval.disposed_at:
        raise DossierError(f"dossier {code} was already disposed on {approval.disposed_at}")
    _check_ended(view, service.today())
    deleted = 0
    events: list[Event] = []
    for entry in view.entries:
        doc_id = entry.member.doc_id
        n = retention.purge_document(service.store.objects, doc_id)
        deleted += n
        if service.store.documents is not None:
            service.store.documents.delete_document(doc_id)
        events.append(Event("disposed", code, doc_id, {"docCode": entry.doc_code, "versions_deleted": n}))
    done = approval.model_copy(
        update={
            "disposed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "disposed_by": by,
            "objects_deleted": deleted,
        }
    )
    summary = Event(
        "disposal_done", code, detail={"decision": approval.decision, "versions_deleted": deleted}
    )
    dossier = record(view.dossier.model_copy(update={"disposal": done}), [summary], by=by)
    service.store.put(dossier)
    service.refresh_index(dossier)
    log.warning(
        "dossier %s disposed by %s under decision %s: %d object versions deleted",
        code,
        by,
        approval.decision,
        deleted,
    )
    events.append(summary)
    return events
