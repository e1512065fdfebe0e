"""After a batch is stored: documents whose manifest row (or upload form) names a dossier join it.

The manifest's ``dossier_code`` is already in each ``document.json`` (``pipeline.chain.build_document``);
this step turns it into membership with an STT. A dossier that does not exist yet is not invented: its
documents keep the code and join when staff create the dossier (``DossierService.create``). A failure
here is logged and never fails the batch (``sohoa dossier add`` repairs it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pipeline.dossiers import DossierService
from sohoa.errors import SohoaError
from sohoa.settings import Settings

__all__ = ["join_dossiers"]

log = logging.getLogger(__name__)


def join_dossiers(settings: Settings, doc_ids: Iterable[str], *, batch: str, uploader: str | None) -> int:
    """Add each stored document that names a dossier to it (in batch order); returns how many joined."""
    ids = list(dict.fromkeys(doc_ids))
    if not ids:
        return 0
    joined = 0
    try:
        service = DossierService.from_settings(settings)
        by_code: dict[str, list[str]] = {}
        for doc_id in ids:
            doc = service.store.document(doc_id)
            if doc is not None and doc.dossier_code:
                by_code.setdefault(doc.dossier_code.strip(), []).append(doc_id)
        for code, members in by_code.items():
            if not service.store.exists(code):
                log.info(
                    "batch %s: dossier %s does not exist yet; %d documents wait for it",
                    batch,
                    code,
                    len(members),
                )
                continue
            try:
                outcome = service.assign(
                    code, members, by=uploader or f"batch:{batch}", source=f"manifest:{batch}"
                )
            except SohoaError as e:
                log.error("batch %s: documents could not join dossier %s: %s", batch, code, e)
                continue
            joined += len(outcome.added)
            for doc_id, previous in outcome.moved_from.items():
                log.warning("batch %s: %s moved from dossier %s to %s", batch, doc_id[:12], previous, code)
    except (SohoaError, ValueError) as e:
        log.error("batch %s: dossier membership not updated (run `sohoa dossier add`): %s", batch, e)
    return joined
