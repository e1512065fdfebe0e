"""In Debian's Chromium: staff open the dossier list, a dossier page with its documents in order, and
download its catalogue (CSV, UTF-8 with BOM, Vietnamese intact). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from pipeline.dossiers import DossierService
from sohoa.model.document import AccessLevel
from sohoa.settings import Settings
from storage.dossier_index import DossierIndex
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.support import remove_bucket
from tests.web.browser_support import ARTIFACTS, free_port
from tests.web.conftest import PASSWORD, add_document, web_settings
from web.app import create_app
from web.users import Role, UserStore

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.slow]

CODE = "000.00.00.H00.2023.TCCB-05"


@pytest.fixture(scope="module")
def url(services: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free port with a dossier of three documents."""
    run = uuid.uuid4().hex[:10]
    home = tmp_path_factory.mktemp("dossierweb")
    settings = web_settings(services, home, run)
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    index.ensure()
    docs = [
        add_document(
            store,
            index,
            f"qd{i}",
            number=f"{i}/QĐ-SNV",
            kind="Quyết định",
            issuer="SỞ NỘI VỤ",
            subject=f"Về việc tuyển dụng viên chức đợt {i}",
            date=f"2023-0{i}-15",
            pages=["Trang một"] * i,
            access=AccessLevel.INTERNAL,
        )  # fmt: skip
        for i in (1, 2, 3)
    ]
    service = DossierService.on(store, index, settings.dossier)
    service.create(
        {
            "code": CODE,
            "kind": "archival",
            "title": "Hồ sơ tuyển dụng viên chức năm 2023",
            "maintenance": "03",
        },
        by="staff1",
    )
    service.assign(CODE, [d.id for d in docs], by="staff1")
    db = home / "web.sqlite3"
    UserStore(db).add("staff1", PASSWORD, role=Role.STAFF)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, db_path=db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "web server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        DossierIndex(index.client, prefix=index.prefix).drop()
        index.drop()
        index.client.close()
        remove_bucket(store)


def test_open_a_dossier_and_export_its_catalogue(url: str, browser: Browser, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "staff1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.click("header nav a[href='/dossiers']")
    page.wait_for_url(f"{url}/dossiers")
    expect(page.locator("#dossier-total")).to_have_text("1")
    page.click(f"a[href='/dossiers/{CODE}']")
    page.wait_for_url(f"{url}/dossiers/{CODE}")
    expect(page.locator("#dossier-code")).to_have_text(CODE)
    expect(page.locator("#entries tbody tr")).to_have_count(3)
    codes = page.locator("#entries td.doccode").all_inner_texts()
    assert codes == [f"{CODE}.000000{i}" for i in (1, 2, 3)]
    expect(page.locator("#total-doc")).to_have_text("3")
    expect(page.locator("#number-of-page")).to_have_text("6")
    page.screenshot(path=str(ARTIFACTS / "dossier-page.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename == f"{CODE}-catalogue.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["title"] == "Hồ sơ tuyển dụng viên chức năm 2023"
    assert [r["subject"] for r in rows[1:]] == [f"Về việc tuyển dụng viên chức đợt {i}" for i in (1, 2, 3)]
    context.close()
