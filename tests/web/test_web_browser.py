"""End to end in Debian's Chromium: staff upload a batch that the real flow OCRs; a clerk finds and opens it.

The web server runs in a thread on a free loopback port; batches start through ``flows.launch`` (a
``sohoa ingest`` process) on this run's own bucket and index, which the child process reads from the
environment. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from sohoa.model.document import AccessLevel
from sohoa.settings import Settings, get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.support import remove_bucket
from tests.web.browser_support import ARTIFACTS, free_port, login
from tests.web.conftest import PASSWORD, page_png, web_settings
from web.app import create_app
from web.users import Role, UserStore

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.slow]

BATCH_TIMEOUT_MS = 300_000


@dataclass
class Server:
    """The running app."""

    url: str
    settings: Settings


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
    users.add("admin1", PASSWORD, role=Role.ADMIN)
    port = free_port()
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
    login(page, server.url, "staff1")
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
    rows = page.locator("#report-files tbody tr")
    expect(rows).to_have_count(3)
    statuses = page.locator("#report-files tbody tr td:nth-child(2)").all_inner_texts()
    assert all(s in ("Đã lưu", "Cần kiểm tra") for s in statuses), statuses
    secret_row = page.locator("#report-files tbody tr", has_text="mat.png")
    secret_href = secret_row.locator("a").get_attribute("href")
    assert secret_href and re.fullmatch(r"/documents/[0-9a-f]{64}", secret_href)
    page.screenshot(path=str(ARTIFACTS / "batch-report.png"), full_page=True)
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/login"))

    # A clerk searches without diacritics, opens the hit and sees the marked words on the page.
    login(page, server.url, "clerk1")
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


# -- daily use (issue 15) ------------------------------------------------------------------------------

# Text a user reads that is still a developer's: snake_case codes, Python class names, reprs.
_UNTRANSLATED = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)*Error\b|\{'|\['|\bNone\b")


def _untranslated(page: Page) -> list[str]:
    return _UNTRANSLATED.findall(page.inner_text("body"))


def _wait_report(page: Page) -> None:
    page.locator("#report").wait_for(timeout=BATCH_TIMEOUT_MS)


def test_mixed_upload_reports_every_bad_file_and_stores_the_good_one(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    good = tmp_path / "cong-van-12.png"
    good.write_bytes(page_png(["SỞ NỘI VỤ", "CÔNG VĂN", "Về việc lập danh mục hồ sơ lưu trữ"]))
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    notes = tmp_path / "ghi-chu.txt"
    notes.write_text("không phải bản quét", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server.url, "staff1")
    page.goto(f"{server.url}/upload")
    page.set_input_files("#files", [str(good), str(empty), str(notes)])
    expect(page.locator("#file-list li")).to_have_count(3)
    page.click("#upload-submit")
    # The per-file list shows what the server took in, then the batch page follows it.
    expect(page.locator("#file-list li.warn")).to_have_count(2, timeout=60_000)
    page.wait_for_url(re.compile(r"/batches/[\w.-]+$"), timeout=60_000)
    _wait_report(page)
    rows = page.locator("#report-files tbody tr")
    expect(rows).to_have_count(3)
    by_file = {row.get_attribute("data-path"): row.inner_text() for row in rows.all()}
    assert "Tệp rỗng" in by_file["empty.pdf"] and "is empty (0 bytes)" in by_file["empty.pdf"]
    assert "Loại tệp không được hỗ trợ" in by_file["ghi-chu.txt"]
    assert re.search("Đã lưu|Cần kiểm tra", by_file["cong-van-12.png"]), by_file
    assert _untranslated(page) == []
    page.screenshot(path=str(ARTIFACTS / "mixed-upload-report.png"), full_page=True)
    csv_link = page.locator("#report-csv").get_attribute("href")
    assert csv_link and page.request.get(server.url + csv_link).body().startswith("\ufeff".encode())
    context.close()


def test_a_killed_worker_shows_failed_then_retry_completes(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    import os
    import signal

    paths = []
    # Enough files that the batch is still running after its first file is done, even on an idle machine.
    kinds = (["QUYẾT ĐỊNH", "Số: 21/QĐ-SNV"], ["THÔNG BÁO", "Số: 22/TB-SNV"], ["BÁO CÁO"], ["TỜ TRÌNH"])
    texts = [[*lines, f"Bản số {i}"] for i, lines in enumerate(kinds * 3)]
    for i, lines in enumerate(texts):
        (tmp_path / f"lo-{i}.png").write_bytes(page_png(lines))
        paths.append(str(tmp_path / f"lo-{i}.png"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server.url, "staff1")
    page.goto(f"{server.url}/upload")
    page.set_input_files("#files", paths)
    # Options the retry must run with again (one-page scans: the header split finds one document each).
    page.select_option("#split", "header")
    page.check("#expect-color")
    page.click("#upload-submit")
    page.wait_for_url(re.compile(r"/batches/[\w.-]+$"), timeout=60_000)
    batch = page.url.rsplit("/", 1)[1]
    store = ObjectStore.from_settings(server.settings.minio)
    deadline = time.monotonic() + BATCH_TIMEOUT_MS / 1000
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        status = store.get_batch_json(batch, "status.json")
        if status.get("state") == "running" and int(status.get("files_done") or 0) >= 1:
            break
        time.sleep(0.1)
    assert status.get("state") == "running", f"the batch ended before the test could kill it: {status}"
    assert status.get("flow_run"), "the worker records its Prefect flow run (its state tells a crash)"
    # Kill the ingestion process this test's upload started (its own process group).
    pid = int(str(status["worker"]).rpartition(":")[2])
    os.killpg(pid, signal.SIGKILL)
    _wait_report(page)
    expect(page.locator("#state")).to_have_text("Thất bại")
    expect(page.locator("#batch-error")).to_contain_text("Tiến trình xử lý đã dừng")
    assert page.locator("#report-files tbody tr").count() >= 1  # what was done before it died
    assert _untranslated(page) == []
    page.screenshot(path=str(ARTIFACTS / "batch-worker-killed.png"), full_page=True)
    page.click("#retry-batch")
    page.wait_for_url(re.compile(rf"/batches/{batch}$"))
    expect(page.locator("#state")).to_have_text(re.compile("Đang chờ|Đang xử lý|Hoàn tất"))
    page.locator("#report[data-state=completed]").wait_for(timeout=BATCH_TIMEOUT_MS)
    expect(page.locator("#state")).to_have_text("Hoàn tất")
    rows = page.locator("#report-files tbody tr")
    expect(rows).to_have_count(len(texts))
    statuses = page.locator("#report-files tbody tr td:nth-child(2)").all_inner_texts()
    assert all(s in ("Đã lưu", "Cần kiểm tra", "Trùng") for s in statuses), statuses
    assert "Trùng" in statuses  # the file finished before the kill was skipped, not OCR'd again
    retried = store.get_batch_json(batch, "status.json")
    assert (retried["attempts"], retried["split"], retried["expect_color"]) == (2, "header", True)
    page.screenshot(path=str(ARTIFACTS / "batch-retried.png"), full_page=True)
    context.close()


def test_logout_then_a_replayed_cookie_is_refused(server: Server, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    login(page, server.url, "clerk1")
    cookies = context.cookies()
    assert any(c["name"] == "sohoa_session" for c in cookies)
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/login"))
    replay = browser.new_context()
    replay.add_cookies(cookies)
    other = replay.new_page()
    other.goto(f"{server.url}/search")
    assert "/login" in other.url
    response = other.request.get(f"{server.url}/api/me", headers={"X-Requested-With": "fetch"})
    assert response.status == 401
    replay.close()
    context.close()


def test_highlights_and_the_vietnamese_ui_in_chromium(server: Server, browser: Browser) -> None:
    from tests.web.conftest import add_document

    store = ObjectStore.from_settings(server.settings.minio)
    index = SearchIndex.from_settings(server.settings.elasticsearch)
    index.ensure()  # the flow creates it on the first batch; this test may run alone
    doc = add_document(store, index, "hs-noisy", number="90/QĐ-SNV", kind="Quyết định", issuer="SỞ NỘI VỤ",
                       subject="Lập danh mục hồ sơ", date="2024-05-06", access=AccessLevel.INTERNAL,
                       pages=["QUYẾT ĐỊNH về việc lập danh mục hồ sơ lưu trữ",
                              "Giám đốc Sở Nội vụ; Số: 12; hộ chiếu"], dossier="HS-2024-090")  # fmt: skip
    index.client.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server.url, "clerk1")

    def marks(locator: str) -> list[str]:
        return page.locator(locator).all_inner_texts()

    page.goto(f"{server.url}/search?q=quyet+dinh")
    assert "danh" not in marks(".snippet mark") and {"QUYẾT", "ĐỊNH"} <= set(marks(".snippet mark"))
    page.goto(f"{server.url}/search?q=ho+so")
    hit = page.locator("li.hit", has_text="90/QĐ-SNV")
    got = hit.locator(".snippet mark").all_inner_texts()
    assert {"hồ", "sơ"} <= set(got) and not {"Sở", "Số", "hộ"} & set(got), got
    page.goto(f"{server.url}/search?q=HS-2024-090")
    expect(page.locator("li.hit").first).to_contain_text("90/QĐ-SNV")
    page.goto(f"{server.url}/documents/{doc.id}?q=ho+so")
    assert marks(".page-text mark") == ["hồ", "sơ"]
    expect(page.locator("#dossier-link")).to_have_text("HS-2024-090")
    page.locator(".page-image img").first.click()
    expect(page.locator(".page-image.zoomed")).to_have_count(1)
    # Exact accents: "Số" marks Số only, not Sở.
    page.goto(f"{server.url}/documents/{doc.id}?q=S%E1%BB%91")
    assert marks(".page-text mark") == ["Số"]
    assert _untranslated(page) == []
    # A phone: the filters start folded, the results come first.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    mobile = phone.new_page()
    login(mobile, server.url, "clerk1")
    mobile.goto(f"{server.url}/search?q=ho+so")
    assert mobile.locator("#facets").get_attribute("open") is None
    first = mobile.locator("li.hit").first.bounding_box()
    assert first is not None and first["y"] < 844
    mobile.screenshot(path=str(ARTIFACTS / "search-phone.png"), full_page=True)
    phone.close()
    context.close()


def test_the_vietnamese_ui_shows_no_untranslated_code(server: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server.url, "admin1")
    for path in ("/search?q=ho+so", "/upload", "/admin/audit", "/users/admin1"):
        page.goto(f"{server.url}{path}")
        assert _untranslated(page) == [], path
    for link in page.context.request.get(f"{server.url}/api/batches").json()["batches"][:3]:
        page.goto(f"{server.url}/batches/{link['batch']}")
        assert _untranslated(page) == [], link
    page.goto(f"{server.url}/admin/audit")
    assert page.locator("table.audit tbody tr").count() > 0
    assert "Đăng nhập" in page.inner_text("table.audit")
    page.screenshot(path=str(ARTIFACTS / "audit-page.png"), full_page=True)
    context.close()
