"""Documents join their dossier through the real ingest flow: by the manifest, and by an upload into the
dossier's page (web app → staged upload with a generated manifest → flow → membership with STT).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from cli.samples import SAMPLE_DOCS, render_page
from flows.ingest import run_ingest
from pipeline.dossiers import DossierService
from sohoa.settings import Settings
from storage import retention
from storage.dossier_index import DossierIndex
from storage.index import SearchIndex
from storage.objects import ObjectStore, original_key
from web.app import create_app
from web.backend import Backend
from web.users import Role, UserStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.services, pytest.mark.slow]

CODE = "000.00.00.H00.2024.LT-07"


@pytest.fixture(scope="module")
def dossiers(archive: Settings) -> Iterator[DossierService]:
    service = DossierService.from_settings(archive)
    service.create({"code": CODE, "kind": "archival", "title": "Hồ sơ thử", "maintenance": "05"}, by="staff1")
    yield service
    DossierIndex.from_settings(archive.elasticsearch).drop()


def test_manifest_assigns_documents_with_stt(
    archive: Settings, dossiers: DossierService, tmp_path: Path
) -> None:
    batch = tmp_path / "lo"
    batch.mkdir()
    render_page(SAMPLE_DOCS[0]).save(batch / "a-quyet-dinh.png")
    render_page(SAMPLE_DOCS[1]).save(batch / "b-cong-van.png")
    (batch / "manifest.csv").write_text(
        f"file,ma_ho_so\na-quyet-dinh.png,{CODE}\nb-cong-van.png,{CODE}\n", encoding="utf-8"
    )
    report = run_ingest(str(batch), batch_id="dossier-manifest")
    ids = [f.document_id for f in report.files]
    assert all(ids) and report.totals.stored + report.totals.needs_review == 2
    view = dossiers.view(CODE)
    assert [(e.member.stt, e.member.doc_id) for e in view.entries] == [(1, ids[0]), (2, ids[1])]
    assert [e.doc_code for e in view.entries] == [f"{CODE}.0000001", f"{CODE}.0000002"]
    assert view.facts.total_doc == 2 and view.facts.number_of_page == 2
    assert view.entries[0].document is not None and view.entries[0].document.so_ky_hieu
    store = ObjectStore.from_settings(archive.minio)
    assert retention.retained_until(store, original_key(ids[0])) == view.facts.retention_until


def test_upload_into_the_dossier_page(archive: Settings, dossiers: DossierService, tmp_path: Path) -> None:
    settings = archive.model_copy(
        update={"home": tmp_path, "web": archive.web.model_copy(update={"secret_key": SecretStr("k" * 32)})}
    )
    db = tmp_path / "web.sqlite3"
    UserStore(db).add("staff1", "correct horse battery", role=Role.STAFF)

    def launch(source: str, **kw: Any) -> str:
        # the real flow, run synchronously instead of in a background process
        run_ingest(source, batch_id=kw["batch_id"], uploader=kw["uploader"])
        return str(kw["batch_id"])

    store = ObjectStore.from_settings(settings.minio)
    backend = Backend(store, SearchIndex.from_settings(settings.elasticsearch), launcher=launch)
    client = TestClient(create_app(settings, backend=backend, db_path=db), base_url="http://testserver")
    page = tmp_path / "to-trinh.png"
    render_page(SAMPLE_DOCS[2]).save(page)
    r = client.post(
        f"/dossiers/{CODE}/upload",
        files=[("files", ("to-trinh.png", page.read_bytes(), "image/png"))],
        headers={"Authorization": "Basic c3RhZmYxOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ=="},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    view = dossiers.view(CODE)
    last = view.entries[-1]
    assert last.member.stt == 3 and last.document is not None and last.document.source_file == "to-trinh.png"
    assert last.document.dossier_code == CODE
    assert any(
        h.action == "assigned" and h.detail.get("source", "").startswith("manifest:")
        for h in view.dossier.history
    )
