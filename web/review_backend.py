"""What the review pages and API ask of storage, the index and the correction stages, behind one class.

Like :mod:`web.backend`, routes never reach storage directly; access control stays in the routes, except
that every index query here is given the caller's access levels.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.chain import load_document
from pipeline.correction import field_states
from pipeline.revise import Saved, correct_document
from pipeline.suggest import reference_values
from sohoa.model.document import AccessLevel, Document
from sohoa.model.review import FieldState, RevisionAction
from storage.review import QueuePage, ReviewIndex
from web.backend import Backend, DocumentView, is_document_id

__all__ = ["Neighbours", "QueueItem", "ReviewBackend"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueItem:
    """A document of the review queue with its fields."""

    document: Document
    fields: dict[str, FieldState]


@dataclass(frozen=True)
class Neighbours:
    """The documents before and after one in the queue (None at either end)."""

    previous: str | None
    next: str | None


class ReviewBackend:
    """Review queue, corrections, suggestions and figures on the app's store and index."""

    def __init__(self, backend: Backend) -> None:
        """Share the app backend's store and index."""
        self.backend = backend
        self.reviews = ReviewIndex(backend.index)
        self._mapping_checked = False

    def _ensure_mapping(self) -> None:
        # An index made by an older sohoa lacks the review fields: add them once before the first write.
        if not self._mapping_checked:
            self.backend.index.ensure()
            self._mapping_checked = True

    def queue(
        self,
        levels: Sequence[AccessLevel],
        *,
        batch: str | None = None,
        reason: str | None = None,
        field: str | None = None,
        size: int = 20,
        after: list[Any] | None = None,
    ) -> tuple[QueuePage, list[QueueItem]]:
        """A page of the queue and its documents read from MinIO (the source of truth)."""
        page = self.reviews.queue(
            access_levels=levels, batch=batch, reason=reason, field=field, size=size, after=after
        )
        items = []
        for doc_id in page.ids:
            # document.json only: the queue needs no OCR pages (ocr.json can be megabytes)
            document = load_document(self.backend.store, doc_id)
            if document is not None:
                items.append(QueueItem(document, field_states(document)))
        return page, items

    def count(self, levels: Sequence[AccessLevel]) -> int:
        """Documents waiting for review that these levels see."""
        return self.reviews.count(levels)

    def neighbours(
        self, doc_id: str, levels: Sequence[AccessLevel], *, batch: str | None, reason: str | None,
        field: str | None,
    ) -> Neighbours:  # fmt: skip
        """The queue's previous and next documents around ``doc_id`` (which may have left the queue)."""
        key = self.reviews.sort_key(doc_id)
        if key is None:
            return Neighbours(None, None)
        common: dict[str, Any] = {
            "access_levels": levels, "batch": batch, "reason": reason, "field": field, "size": 1,
            "after": key, "facets": False,
        }  # fmt: skip
        nxt = self.reviews.queue(**common)
        prev = self.reviews.queue(**common, reverse=True)
        return Neighbours(prev.ids[0] if prev.ids else None, nxt.ids[0] if nxt.ids else None)

    def stored(self, doc_id: str) -> Document | None:
        """A stored document's ``document.json`` alone (no OCR pages), or None."""
        return load_document(self.backend.store, doc_id) if is_document_id(doc_id) else None

    def document(self, doc_id: str) -> DocumentView | None:
        """A stored document with its pages."""
        return self.backend.document(doc_id) if is_document_id(doc_id) else None

    def correct(
        self,
        doc_id: str,
        values: Mapping[str, Any],
        *,
        by: str,
        approve: bool,
        expected_version: int | None,
        action: RevisionAction = RevisionAction.CORRECT,
    ) -> Saved:
        """Save corrections (and approval) as a new version and update the index at once."""
        self._ensure_mapping()
        return correct_document(
            self.backend.store, self.backend.index, doc_id, values, by=by, approve=approve,
            expected_version=expected_version, action=action,
        )  # fmt: skip

    def suggestions(self, field: str, prefix: str, levels: Sequence[AccessLevel]) -> list[str]:
        """Values for a field: those already in the archive (most used first), then reference data."""
        found = self.reviews.suggestions(field, prefix, levels)
        return list(dict.fromkeys([*found, *reference_values(field, prefix)]))[:15]

    def batch_documents(self, batch: str, levels: Sequence[AccessLevel], limit: int) -> list[str]:
        """Ids of a batch's documents these levels see (at most ``limit``)."""
        return self.reviews.batch_ids(batch, levels, limit)

    def figures(self) -> list[dict[str, Any]]:
        """Correction figures per batch (see :meth:`storage.review.ReviewIndex.figures`)."""
        return self.reviews.figures()
