"""End to end in Debian's Chromium: staff fix a wrong number and a wrong date from the keyboard and approve;
a clerk then finds the document by the corrected number and is refused when trying to edit it.

The app runs in a thread on a free loopback port, on this run's own bucket and index (real MinIO and
Elasticsearch). Screenshots of the queue and the review screen go to ``test-artifacts/``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from sohoa.model.document import AccessLevel, Document
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from tests.review_support import Flagged, add_flagged
from tests.support import remove_bucket
from tests.web.browser_support import ARTIFACTS, free_port, login
from tests.web.conftest import PASSWORD, web_settings
from web.app import create_app
from web.users import Role, UserStore

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.slow]

log = logging.getLogger(__name__)
GOAL_SECONDS = 10.0


@dataclass
class Server:
    url: str
    store: ObjectStore
    docs: dict[str, Flagged]


@pytest.fixture(scope="module")
def server(services: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    run = uuid.uuid4().hex[:10]
    home = tmp_path_factory.mktemp("reviewweb")
    settings = web_settings(services, home, f"rb{run}")
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    index.ensure()
    db = home / "web.sqlite3"
    users = UserStore(db)
    users.add("staff1", PASSWORD, role=Role.STAFF)
    users.add("clerk1", PASSWORD, role=Role.CLERK, clearance=AccessLevel.INTERNAL)
    docs = {
        # the newest batch first, by file name: "a-wrong" opens first, "b-next" after it
        "wrong": add_flagged(
            store, index, "a-wrong", number="8/QĐ-UBND", date="2025-05-02", batch="20250301-b"
        ),
        "next": add_flagged(
            store, index, "b-next", number="9/QĐ-UBND", date="2025-03-03", batch="20250301-b"
        ),
        "old": add_flagged(store, index, "c-old", number=None, date="2024-01-01", batch="20250101-a"),
    }
    uv = uvicorn.Server(uvicorn.Config(create_app(settings, db_path=db), host="127.0.0.1", port=free_port(),
                                       log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=uv.run, name="sohoa-review-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "web server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{uv.config.port}", store, docs)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        index.drop()
        index.client.close()
        remove_bucket(store)


def test_staff_fix_number_and_date_from_the_keyboard_then_a_clerk_finds_it(
    server: Server, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    wrong, nxt = server.docs["wrong"], server.docs["next"]
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    login(page, server.url, "staff1")

    # The queue: newest batch first, with the count in the navigation.
    page.goto(f"{server.url}/review")
    expect(page.locator("#nav-review .count")).to_have_text("3")
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(3)
    assert rows.nth(0).get_attribute("data-id") == wrong.id
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
    page.click("#start-review")
    page.wait_for_url(f"**/review/{wrong.id}")
    number = page.locator("#f-so_ky_hieu")
    expect(number).to_be_focused()
    expect(page.locator(".field-box")).to_have_count(1)  # the number's box on the page image
    page.screenshot(path=str(ARTIFACTS / "review-screen.png"), full_page=True)

    # From here on the keyboard only; the clock runs until the next document is open.
    started = time.perf_counter()
    page.keyboard.type("88/QĐ-UBND")  # replaces the selected wrong number
    page.keyboard.press("Enter")  # saves
    expect(page.locator("#status")).to_have_attribute("data-saved", "2")
    page.keyboard.press("Tab")
    expect(page.locator("#f-ngay_ban_hanh")).to_be_focused()
    box = page.locator(".field-box")
    expect(box).to_have_count(1)  # the highlight moved to the date's box
    page.keyboard.type("31/02/2025")  # not a date: refused, named at the field
    page.keyboard.press("Enter")
    expect(page.locator("#err-ngay_ban_hanh")).not_to_be_empty()
    expect(page.locator("#f-ngay_ban_hanh")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("ngày 05 tháng 02 năm 2025")
    page.keyboard.press("Control+Enter")  # saves, approves, opens the next
    page.wait_for_url(f"**/review/{nxt.id}")
    expect(page.locator("#f-so_ky_hieu")).to_be_focused()
    seconds = time.perf_counter() - started
    log.warning("review interaction: %.2f s (goal < %.0f s)", seconds, GOAL_SECONDS)
    (ARTIFACTS / "review-timing.txt").write_text(f"fix number + date and approve: {seconds:.2f} s\n")
    assert seconds < GOAL_SECONDS, seconds
    expect(page.locator("#nav-review .count")).to_have_text("2")
    # issuer suggestions: values already in the archive, then reference data
    page.focus("#f-co_quan_ban_hanh")
    page.keyboard.press("Control+a")
    page.keyboard.type("uy ban nhan dan tinh la")
    options = page.locator("#suggest-co_quan_ban_hanh option")
    expect(options.first).to_have_attribute("value", "ỦY BAN NHÂN DÂN TỈNH LÀO CAI")
    assert "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN" in [o.get_attribute("value") for o in options.all()]

    stored = Document.model_validate(server.store.get_json(wrong.id, "document.json"))
    assert stored.version == 3 and stored.metadata.needs_review is False
    assert stored.metadata.value("so_ky_hieu") == "88/QĐ-UBND"
    assert stored.metadata.value("ngay_ban_hanh") == "2025-02-05"
    assert stored.metadata.corrections["so_ky_hieu"].previous == "8/QĐ-UBND"
    assert stored.metadata.fields["so_ky_hieu"].value == "8/QĐ-UBND"
    context.close()

    # A clerk finds it by the corrected number, reads it, and may not edit it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, server.url, "clerk1")
    expect(page.locator("#nav-review")).to_have_count(0)
    page.fill("input[name=q]", "88/QĐ-UBND")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    hits = page.locator("li.hit")
    expect(hits.first).to_contain_text("88/QĐ-UBND")
    hits.first.locator("a.hit-title").click()
    page.wait_for_url(f"**/documents/{wrong.id}*")
    expect(page.locator("table.fields")).to_contain_text("05/02/2025")  # dates shown dd/mm/yyyy
    expect(page.locator("table.fields .badge.corrected")).to_have_count(4)  # number, so, ký hiệu, date
    status = page.evaluate(
        """async (id) => {
            const r = await fetch(`/api/documents/${id}/metadata`, {method: "PATCH",
                headers: {"Content-Type": "application/json", "X-Requested-With": "fetch",
                          "X-CSRF-Token": document.body.dataset.csrf},
                body: JSON.stringify({fields: {so_ky_hieu: "1/QĐ-UBND"}})});
            return r.status;
        }""",
        wrong.id,
    )
    assert status == 403
    response = page.goto(f"{server.url}/review/{wrong.id}")
    assert response is not None and response.status == 403
    assert Document.model_validate(server.store.get_json(wrong.id, "document.json")).version == 3
    context.close()
