"""Helpers of the dossier tests: a bucket, documents index and dossiers index of their own on the real
services, documents stored the way ingestion stores them (original + document.json, indexed), and a
DossierService on them with a fixed "today".
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.dossiers import CodeRules, DossierService
from sohoa.model.document import AccessLevel, Document
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource
from sohoa.settings import Settings
from storage.dossier_index import DossierIndex
from storage.dossiers import DossierStore
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore
from tests.support import metadata_of, remove_bucket

AGENCY = "000.00.14.H26"
TODAY = date(2026, 11, 30)
RULES = CodeRules(agency_id=AGENCY)


@dataclass
class DossierWorld:
    """Stores, indices and the service of one test module."""

    objects: ObjectStore
    documents: SearchIndex
    dossiers: DossierIndex
    service: DossierService

    def close(self) -> None:
        """Delete everything this world created."""
        self.dossiers.drop()
        self.documents.drop()
        self.documents.client.close()
        remove_bucket(self.objects)


def make_world(
    settings: Settings, *, today: date = TODAY, bucket: str | None = None, prefix: str | None = None
) -> DossierWorld:
    """A fresh world (unique names unless given)."""
    run = uuid.uuid4().hex[:10]
    objects = ObjectStore.from_settings(settings.minio, bucket=bucket or f"sohoa-dossier-{run}")
    documents = SearchIndex.from_settings(settings.elasticsearch, prefix=prefix or f"sohoa-dossier-{run}")
    documents.ensure()
    dossiers = DossierIndex(documents.client, prefix=documents.prefix)
    service = DossierService(DossierStore(objects, documents), dossiers, RULES, today=lambda: today)
    return DossierWorld(objects, documents, dossiers, service)


def add_document(
    world: DossierWorld,
    key: str,
    *,
    number: str = "1/QĐ-UBND",
    kind: str = "Quyết định",
    date_issued: str | None = "2023-03-03",
    subject: str = "Về việc số hóa hồ sơ",
    pages: int = 2,
    access: AccessLevel = AccessLevel.INTERNAL,
    dossier: str | None = None,
    tmp: Path | None = None,
    upload_copy: bool = False,
) -> Document:
    """Store an original and its document.json (+ ocr.json), and index it, like ingestion does."""
    original = f"original {key} {uuid.uuid4()}".encode()
    sha = hashlib.sha256(original).hexdigest()
    so, _, ky = number.partition("/")
    document = Document(
        id=sha,
        source_file=f"{key}.pdf",
        media_type="application/pdf",
        size=len(original),
        batch="lo-dossier",
        dossier_code=dossier,
        page_count=pages,
        access_level=access,
        metadata=metadata_of(
            so_ky_hieu=number,
            so=so,
            ky_hieu=ky or None,
            ngay_ban_hanh=date_issued,
            loai_van_ban=kind,
            co_quan_ban_hanh="ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
            trich_yeu=subject,
        ),
        ingested_at="2026-11-01T08:00:00+00:00",
    )
    path = (tmp or Path("/tmp")) / f"sohoa-dossier-{sha[:12]}.bin"
    path.write_bytes(original)
    try:
        world.objects.put_original(
            path, file_name=f"{key}.pdf", media_type="application/pdf", batch="lo-dossier"
        )
        if upload_copy:  # what the web app leaves under uploads/<batch>/
            world.objects.put_bytes(f"uploads/lo-dossier/{key}.pdf", original)
    finally:
        path.unlink()
    ocr = OcrDocument(
        file_name=f"{key}.pdf",
        sha256=sha,
        media_type="application/pdf",
        languages="vie",
        pages=[
            OcrPage(number=i, source=PageSource.OCR, text=f"{subject} trang {i}", confidence=90.0)
            for i in range(1, pages + 1)
        ],
    )
    world.objects.put_json(sha, ARTIFACT_OCR, ocr)
    world.objects.put_json(sha, ARTIFACT_DOCUMENT, document)
    world.documents.index_document(document, ocr, refresh=True)
    return document


def sha_of(text: str) -> str:
    """A made-up document id."""
    return hashlib.sha256(text.encode()).hexdigest()
