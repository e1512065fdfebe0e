"""The dossier store: ``dossiers/<code>.json`` (the source of truth) and the reads of a dossier's documents.

Layout::

    dossiers/<code>.json        sohoa.model.dossier.Dossier (versioned, like everything in the bucket)

Documents are read for display and export through the documents index (one search for hundreds of
documents) with ``document.json`` as the fallback for any the index lacks, because 500 single reads from
MinIO take about half a second here and the index is built from those same files
(``storage.records.build_record``). Nothing here decides what a dossier may contain; that is
``pipeline.dossiers``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from pydantic import ValidationError

from sohoa.errors import ObjectNotFoundError, SearchIndexError
from sohoa.model.document import Document
from sohoa.model.dossier import Dossier, MemberDoc, is_dossier_code
from storage.index import SearchIndex
from storage.index import _translate as _es_translate
from storage.objects import ARTIFACT_DOCUMENT, ObjectStore

__all__ = [
    "DOSSIER_PREFIX",
    "DossierStore",
    "dossier_key",
    "member_doc_from_document",
    "member_doc_from_record",
]

log = logging.getLogger(__name__)

DOSSIER_PREFIX = "dossiers/"
_MGET_CHUNK = 1000
_READERS = 16
#: index fields a dossier shows of its documents (never the page texts)
_DOC_FIELDS = [
    "sha256",
    "source_file",
    "page_count",
    "access_level",
    "language",
    "dossier_code",
    "so_ky_hieu",
    "so",
    "ky_hieu",
    "ngay_ban_hanh",
    "loai_van_ban",
    "co_quan_ban_hanh",
    "trich_yeu",
    "nguoi_ky",
    "do_mat",
    "batch",
    "ocr_confidence",
]


def dossier_key(code: str) -> str:
    """The object key of a dossier."""
    if not is_dossier_code(code):
        raise ValueError(f"bad dossier code {code!r}")
    return f"{DOSSIER_PREFIX}{code}.json"


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def member_doc_from_record(rec: dict[str, Any]) -> MemberDoc:
    """A dossier's view of a document from its index record."""
    return MemberDoc(
        id=rec["sha256"],
        source_file=rec.get("source_file", ""),
        page_count=rec.get("page_count") or 0,
        access_level=rec.get("access_level", "internal"),
        language=rec.get("language", "vi"),
        dossier_code=rec.get("dossier_code"),
        so_ky_hieu=rec.get("so_ky_hieu"),
        so=_int(rec.get("so")),
        ky_hieu=rec.get("ky_hieu"),
        ngay_ban_hanh=_date(rec.get("ngay_ban_hanh")),
        loai_van_ban=rec.get("loai_van_ban"),
        co_quan_ban_hanh=rec.get("co_quan_ban_hanh"),
        trich_yeu=rec.get("trich_yeu"),
        nguoi_ky=rec.get("nguoi_ky"),
        do_mat=rec.get("do_mat"),
        batch=rec.get("batch"),
        ocr_confidence=rec.get("ocr_confidence") or 0.0,
    )


def member_doc_from_document(document: Document) -> MemberDoc:
    """A dossier's view of a document from its ``document.json`` (the same coercions as the index)."""
    from storage.records import build_record

    return member_doc_from_record(build_record(document))


class DossierStore:
    """Dossiers in the archive bucket, and their documents' display fields."""

    def __init__(self, objects: ObjectStore, documents: SearchIndex | None = None) -> None:
        """Wrap the archive bucket and (optionally) the documents index used to read documents fast.

        Args:
            objects: The archive bucket.
            documents: The documents index; without it documents are read from ``document.json``.
        """
        self.objects = objects
        self.documents = documents

    # -- dossiers --------------------------------------------------------------------------------

    def exists(self, code: str) -> bool:
        """Whether a dossier with this code is stored."""
        try:
            self.objects.stat(dossier_key(code))
        except ObjectNotFoundError:
            return False
        return True

    def get(self, code: str) -> Dossier | None:
        """The stored dossier, or None."""
        if not is_dossier_code(code):
            return None
        try:
            raw = self.objects.get_bytes(dossier_key(code))
        except ObjectNotFoundError:
            return None
        return Dossier.model_validate_json(raw)

    def put(self, dossier: Dossier) -> None:
        """Store a dossier (a new version of its JSON)."""
        self.objects.put_bytes(
            dossier_key(dossier.code),
            dossier.model_dump_json().encode("utf-8"),
            content_type="application/json",
        )
        log.info("dossier %s stored (%d documents)", dossier.code, len(dossier.members))

    def codes(self) -> list[str]:
        """Every stored dossier code, sorted."""
        keys = self.objects.list_keys(DOSSIER_PREFIX)
        return sorted(k[len(DOSSIER_PREFIX) : -len(".json")] for k in keys if k.endswith(".json"))

    def load_many(self, codes: Iterable[str]) -> Iterator[Dossier]:
        """The dossiers of ``codes`` (read in parallel, yielded in order; missing ones skipped)."""
        with ThreadPoolExecutor(_READERS) as pool:
            for dossier in pool.map(self.get, list(codes)):
                if dossier is not None:
                    yield dossier

    # -- documents -------------------------------------------------------------------------------

    def document(self, doc_id: str) -> Document | None:
        """A document's ``document.json`` (the source of truth), or None."""
        try:
            return Document.model_validate(self.objects.get_json(doc_id, ARTIFACT_DOCUMENT))
        except ObjectNotFoundError:
            return None

    def put_documents(self, documents: Iterable[Document]) -> None:
        """Store changed ``document.json`` files and, if an index is attached, re-index their records."""
        from storage.reindex import load_record

        docs = list(documents)
        for document in docs:
            self.objects.put_json(document.id, ARTIFACT_DOCUMENT, document)
        if self.documents is not None and docs:
            records = [r for d in docs if (r := load_record(self.objects, d.id)) is not None]
            self.documents.index_records(records)

    def put_document(self, document: Document) -> None:
        """Store one changed ``document.json`` (and re-index it)."""
        self.put_documents([document])

    def read_documents(self, ids: Iterable[str]) -> dict[str, MemberDoc | None]:
        """The display fields of documents by id (None for a document that is not stored)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, MemberDoc | None] = {}
        if self.documents is not None and wanted:
            try:
                found.update(self._from_index(wanted))
            except SearchIndexError as e:  # the index is a cache here: fall back to MinIO
                log.warning("documents index unavailable for dossier reads, reading MinIO: %s", e)
        rest = [i for i in wanted if i not in found]
        if rest:
            with ThreadPoolExecutor(_READERS) as pool:
                for doc_id, doc in zip(rest, pool.map(self.document, rest), strict=True):
                    found[doc_id] = member_doc_from_document(doc) if doc is not None else None
        return {i: found.get(i) for i in wanted}

    def _from_index(self, ids: list[str]) -> dict[str, MemberDoc]:
        # A filtered search is about 40% faster than mget for hundreds of ids here; a document indexed in
        # the last second (not yet searchable) falls back to its document.json.
        assert self.documents is not None
        out: dict[str, MemberDoc] = {}
        for start in range(0, len(ids), _MGET_CHUNK):
            chunk = ids[start : start + _MGET_CHUNK]
            with _es_translate("read documents"):
                resp = self.documents.client.search(
                    index=self.documents.alias,
                    query={"bool": {"filter": [{"terms": {"sha256": chunk}}]}},
                    size=len(chunk),
                    source_includes=_DOC_FIELDS,
                    track_total_hits=False,
                )
            for hit in resp["hits"]["hits"]:
                try:
                    out[hit["_id"]] = member_doc_from_record(hit["_source"])
                except (ValidationError, KeyError) as e:
                    log.warning(
                        "%s: index record not readable (%s); reading document.json", hit["_id"][:12], e
                    )
        return out
