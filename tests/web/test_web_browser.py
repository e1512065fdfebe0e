"""End to end in Debian's Chromium: staff upload a batch that the real flow OCRs; a clerk finds and opens it.

The web server runs in a thread on a free loopback port; batches start through ``flows.launch`` (a
``sohoa ingest`` process) on this run's own bucket and index, which the child process reads from the
environment. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sohoa.model.document import AccessLevel
from sohoa.settings import Settings, get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.support import remove_bucket
from tests.web.conftest import PASSWORD, page_png, web_settings
from web.app import create_app
from web.users import Role, UserStore

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BATCH_TIMEOUT_MS = 300_000


@dataclass
class Server:
    """The running app."""

    url: str
    settings: Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(services: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a free loopback port, with its own bucket, index prefix and users."""
    run = uuid.uuid4().hex[:10]
    home = tmp_path_factory.mktemp("webhome")
    settings = web_settings(services, home, run, max_upload_mb=20)
    mp = pytest.MonkeyPatch()
    # The ingest process started by flows.launch reads its bucket and index from the environment.
    mp.setenv("SOHOA_MINIO__BUCKET", settings.minio.bucket)
    mp.setenv("SOHOA_ELASTICSEARCH__INDEX_PREFIX", settings.elasticsearch.index_prefix)
    get_settings.cache_clear()
    db = home / "web.sqlite3"
    users = UserStore(db)
    users.add("staff1", PASSWORD, role=Role.STAFF)
    users.add("clerk1", PASSWORD, role=Role.CLERK, clearance=AccessLevel.INTERNAL)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, db_path=db), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="sohoa-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "web server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", settings)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        index = SearchIndex.from_settings(settings.elasticsearch)
        index.drop()
        index.client.close()
        remove_bucket(ObjectStore.from_settings(settings.minio))
        mp.undo()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _login(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".user")).to_have_text(name)


def test_upload_then_search_in_a_real_browser(server: Server, browser: Browser, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    scans = {
        "quyet-dinh.png": [
            "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
            "Số: 1340/QĐ-UBND",
            "QUYẾT ĐỊNH",
            "Về việc cấp hộ chiếu công vụ",
            "cho cán bộ Sở Ngoại vụ đi công tác",
        ],
        "cong-van.png": [
            "SỞ NGOẠI VỤ",
            "CÔNG VĂN",
            "Trang có mã <script>alert(1)</script>",
            "mời họp giao ban",
        ],
        "mat.png": ["SỞ NGOẠI VỤ", "BÁO CÁO", "Đàm phán biên giới zebraquartz"],
    }
    paths = []
    for name, lines in scans.items():
        (tmp_path / name).write_bytes(page_png(lines))
        paths.append(str(tmp_path / name))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,access_level\nmat.png,confidential\n", encoding="utf-8")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # Archive staff upload the batch and watch it complete.
    _login(page, server.url, "staff1")
    page.goto(f"{server.url}/upload")
    page.set_input_files("#files", paths)
    page.set_input_files("#manifest", str(manifest))
    expect(page.locator("#file-count")).to_have_text("3")
    page.screenshot(path=str(ARTIFACTS / "upload-page.png"), full_page=True)
    page.click("#upload-submit")
    page.wait_for_url(re.compile(r"/batches/[\w.-]+$"), timeout=60_000)
    report = page.locator("#report")
    report.wait_for(timeout=BATCH_TIMEOUT_MS)
    expect(page.locator("#state")).to_have_text(re.compile("Hoàn tất|Completed"))
    rows = page.locator("table.report tbody tr")
    expect(rows).to_have_count(3)
    statuses = page.locator("table.report tbody tr td:nth-child(2)").all_inner_texts()
    assert all(s in ("Đã lưu", "Cần kiểm tra") for s in statuses), statuses
    secret_row = page.locator("table.report tbody tr", has_text="mat.png")
    secret_href = secret_row.locator("a").get_attribute("href")
    assert secret_href and re.fullmatch(r"/documents/[0-9a-f]{64}", secret_href)
    page.screenshot(path=str(ARTIFACTS / "batch-report.png"), full_page=True)
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/login"))

    # A clerk searches without diacritics, opens the hit and sees the marked words on the page.
    _login(page, server.url, "clerk1")
    page.fill("input[name=q]", "ho chieu cong vu")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    hits = page.locator("li.hit")
    expect(hits).to_have_count(1)
    expect(hits.first.locator(".snippet mark").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)
    hits.first.locator("a.hit-title").click()
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]{64}\?"))
    marks = page.locator(".page-text mark")
    assert marks.count() >= 3
    assert {m.lower() for m in marks.all_inner_texts()} >= {"hộ", "chiếu", "công", "vụ"}
    expect(page.locator(".page-image img").first).to_be_visible()
    natural = page.locator(".page-image img").first.evaluate("img => img.naturalWidth")
    assert natural > 0, "the page image did not load"
    assert page.locator(".word-hit").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "document-page.png"), full_page=True)

    # The OCR'd <script> is shown as text and never runs.
    page.goto(f"{server.url}/search?q=moi+hop+giao+ban")
    expect(page.locator("li.hit")).to_have_count(1)
    page.locator("li.hit a.hit-title").first.click()
    page.wait_for_load_state()
    text = page.locator(".page-text").first.inner_text()
    assert "alert(1)" in text, text
    assert page.evaluate("document.scripts.length") == 1  # only our own document.js
    page.wait_for_timeout(500)
    assert dialogs == []

    # The clerk cannot reach the upload page nor the confidential document by URL, nor find it.
    response = page.goto(f"{server.url}/upload")
    assert response is not None and response.status == 403
    response = page.goto(f"{server.url}{secret_href}")
    assert response is not None and response.status == 404
    assert "zebraquartz" not in page.content()
    page.goto(f"{server.url}/search?q=zebraquartz")
    expect(page.locator("#total")).to_have_text("0")
    assert dialogs == []
    context.close()
