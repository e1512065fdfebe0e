"""Dossiers: validation, derived fields, docCode numbering, membership, catalogue, disposal, reports.

The public API other features call (the web app, the CLI, #14's bulk edit, #17's archive packages):

- :class:`DossierService` — ``from_settings(settings)``; ``get(code)``, ``view(code)`` (a
  :class:`~sohoa.model.dossier.DossierView`: fields, ``entries`` in STT order each with ``doc_code``,
  ``member`` and ``document``, and ``facts``), ``create``, ``update``, ``assign(code, doc_ids, by=...)``,
  ``remove``, ``views(codes)``, ``reindex()``.
- :func:`assign_documents` — "put these documents into this dossier" (bulk edit, API, upload).
- :func:`sohoa.model.dossier.doc_code` — fileCode + 7-digit STT.
"""

from __future__ import annotations

from pipeline.dossiers.codes import (
    CodeRules,
    looks_like_procedure_code,
    parse_file_code,
    parse_procedure_code,
)
from pipeline.dossiers.service import AssignOutcome, DossierInput, DossierService, Event
from storage.dossier_index import DossierFilter

__all__ = [
    "AssignOutcome",
    "CodeRules",
    "DossierFilter",
    "DossierInput",
    "DossierService",
    "Event",
    "assign_documents",
    "looks_like_procedure_code",
    "parse_file_code",
    "parse_procedure_code",
]


def assign_documents(
    service: DossierService, code: str, doc_ids: list[str], *, by: str | None, source: str = "bulk"
) -> AssignOutcome:
    """Put documents into dossier ``code`` in the order given (moving them from another dossier if needed).

    The outcome's ``events`` are what the caller audits (a ``moved`` event for each document that
    changed dossier).
    """
    return service.assign(code, doc_ids, by=by, source=source)
