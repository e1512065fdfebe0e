"""Daily use on the real MinIO and Elasticsearch: sessions, API tokens, the login throttle, batch recovery,
audit CSV, Vietnamese codes, search by dossier code and batch id, highlight noise."""

from __future__ import annotations

import base64
import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from sohoa.model.document import AccessLevel
from sohoa.model.report import BatchProgress, BatchState, FileResult, FileStatus
from tests.web.conftest import PASSWORD, TestClient, WebWorld, add_document, csrf_from, login
from web.audit import AuditEntry, AuditLog
from web.auth import LoginThrottle
from web.users import Role

pytestmark = pytest.mark.services

NOISY = "QUYẾT ĐỊNH về việc lập danh mục hồ sơ lưu trữ\nGiám đốc Sở Nội vụ; Số: 12; cấp hộ chiếu"


@pytest.fixture(scope="module")
def daily(world: WebWorld) -> WebWorld:
    """The shared world plus a document in a dossier, with words that tempt a noisy highlighter."""
    world.docs["dossier"] = add_document(
        world.store,
        world.index,
        "hs77",
        number="77/QĐ-SNV",
        kind="Quyết định",
        issuer="SỞ NỘI VỤ",
        subject="Lập danh mục hồ sơ",
        date="2024-04-04",
        pages=[NOISY],
        access=AccessLevel.INTERNAL,
        batch="20240404-101010-abcd",
        dossier="HS-2024-077",
    )
    return world


def _basic(name: str, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _create_token(c: TestClient, owner: str, role: str = "") -> str:
    page = c.get(f"/users/{owner}")
    r = c.post(
        f"/users/{owner}/tokens",
        data={"csrf_token": csrf_from(page.text), "label": "báo cáo tháng", "role": role},
    )
    assert r.status_code == 200, r.text
    m = re.search(r'<code id="new-token">(sohoa_[0-9a-f]{12}_[\w-]{43})</code>', r.text)
    assert m, "the new token is shown once on the page"
    return m.group(1)


# -- sessions ----------------------------------------------------------------------------------------


def test_logout_revokes_the_session_and_a_replayed_cookie_is_refused(daily: WebWorld) -> None:
    c = daily.client()
    assert login(c, "clerk1").status_code == 303
    cookie = c.cookies.get("sohoa_session")
    assert cookie and c.get("/api/me").json()["name"] == "clerk1"
    page = c.get("/search")
    c.post("/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    replay = daily.client()
    replay.cookies.set("sohoa_session", cookie)
    assert replay.get("/api/me").status_code == 401
    assert replay.get("/search", follow_redirects=False).status_code == 303


def test_password_change_and_disable_revoke_sessions_at_once(daily: WebWorld) -> None:
    daily.users.add("temp1", PASSWORD, role=Role.CLERK)
    a, b = daily.client(), daily.client()
    login(a, "temp1")
    login(b, "temp1")
    page = a.get("/users/temp1")
    r = a.post(
        "/users/temp1/password",
        data={"csrf_token": csrf_from(page.text), "current": PASSWORD, "password": "a brand new password"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert b.get("/api/me").status_code == 401 and a.get("/api/me").status_code == 401
    login(a, "temp1", "a brand new password")
    assert a.get("/api/me").status_code == 200
    admin = daily.client()
    login(admin, "admin1")
    page = admin.get("/users/temp1")
    assert admin.post("/users/temp1/disable", data={"csrf_token": csrf_from(page.text)},
                      follow_redirects=False).status_code == 303  # fmt: skip
    assert a.get("/api/me").status_code == 401


# -- API tokens --------------------------------------------------------------------------------------


def test_token_create_use_scope_and_revoke(daily: WebWorld) -> None:
    c = daily.client()
    login(c, "staff1")
    token = _create_token(c, "staff1")
    api = daily.client()
    assert api.get("/api/me", headers=_bearer(token)).json()["role"] == "staff"
    assert api.get("/api/search?q=danh+muc", headers=_bearer(token)).status_code == 200
    assert api.get("/api/batches", headers=_bearer(token)).status_code == 200
    # A token scoped to clerk may search but not upload, whatever its user may do.
    narrow = _create_token(c, "staff1", role="clerk")
    assert api.get("/api/batches", headers=_bearer(narrow)).status_code == 403
    # An admin role asked for a staff user's token is cut down to staff.
    wide = _create_token(c, "staff1", role="admin")
    assert api.get("/api/me", headers=_bearer(wide)).json()["role"] == "staff"
    page = c.get("/users/staff1")
    token_id = token.split("_")[1]
    assert token_id in page.text and token not in page.text  # listed, never shown again
    c.post("/users/staff1/tokens/revoke", data={"csrf_token": csrf_from(page.text), "token": token_id})
    assert api.get("/api/me", headers=_bearer(token)).status_code == 401
    assert api.get("/api/me", headers=_bearer(narrow)).status_code == 200
    c.post("/users/staff1/tokens/revoke", data={"csrf_token": csrf_from(page.text)})
    assert api.get("/api/me", headers=_bearer(narrow)).status_code == 401
    assert api.get("/api/me", headers=_bearer(wide)).status_code == 401
    assert api.get("/api/me", headers=_bearer("sohoa_000000000000_" + "x" * 43)).status_code == 401
    actions = [e.action for e in daily_audit(daily)]
    assert "token_create" in actions and "token_revoke" in actions


def test_a_user_cannot_manage_another_users_tokens(daily: WebWorld) -> None:
    c = daily.client()
    login(c, "clerk1")
    assert c.get("/users/staff1").status_code == 403
    page = c.get("/users/clerk1")
    r = c.post("/users/staff1/tokens", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 403


def test_token_cli_prints_once_and_revokes(daily: WebWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import app
    from sohoa.settings import get_settings
    from web.app import database_path
    from web.sessions import TokenStore

    monkeypatch.setenv("SOHOA_HOME", str(daily.settings.home / "cli-home"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["user", "add", "script1", "--role", "staff"], input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
        r1 = runner.invoke(app, ["token", "create", "script1", "--role", "clerk", "--label", "nightly"])
        r2 = runner.invoke(app, ["token", "create", "script1"])
        assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
        first = __import__("json").loads(r1.output)
        tokens = TokenStore(database_path(get_settings()))
        assert tokens.verify(first["token"]) is not None and first["role"] == "clerk"
        listed = runner.invoke(app, ["token", "list", "script1"]).output
        assert first["id"] in listed and first["token"] not in listed
        assert runner.invoke(app, ["token", "create", "script1", "--role", "admin"]).exit_code != 0
        r = runner.invoke(app, ["token", "revoke", "script1", "--token", first["id"]])
        assert r.exit_code == 0 and tokens.verify(first["token"]) is None
        r = runner.invoke(app, ["token", "revoke", "script1"])
        assert r.exit_code == 0 and '"revoked": 1' in r.output
    finally:
        get_settings.cache_clear()


# -- the login throttle ------------------------------------------------------------------------------


def test_a_third_partys_lockout_never_stops_the_right_password_from_another_address(daily: WebWorld) -> None:
    attacker, user = daily.clients("10.66.0.1", "10.77.0.2")
    throttle = attacker.app.state.ctx.throttle  # type: ignore[attr-defined]
    statuses: list[int] = []
    # Wrong passwords, waiting out each delay, until the delay has doubled to 4 s.
    while statuses.count(401) < LoginThrottle.PAIR.free + 3:
        time.sleep(throttle.retry_after("clerk1", "10.66.0.1"))
        statuses.append(login(attacker, "clerk1", "wrong password!!").status_code)
    assert statuses == [401] * (LoginThrottle.PAIR.free + 3)
    assert login(attacker, "clerk1", "wrong password!!").status_code == 429
    # The attacker's address is delayed now, even with the right password...
    r = login(attacker, "clerk1")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert attacker.get("/api/me", headers=_basic("clerk1")).status_code == 401
    # ...while the real user, from their own address, signs in at once.
    assert login(user, "clerk1").status_code == 303
    assert user.get("/api/me").json()["name"] == "clerk1"
    assert any(e.outcome == "throttled" for e in daily_audit(daily, "login"))


def test_basic_auth_is_cached_but_follows_password_changes(daily: WebWorld) -> None:
    daily.users.add("basic1", PASSWORD, role=Role.CLERK)
    (c,) = daily.clients("10.88.0.1")
    assert c.get("/api/me", headers=_basic("basic1")).status_code == 200
    assert c.get("/api/me", headers=_basic("basic1")).status_code == 200  # from the cache
    daily.users.set_password("basic1", "changed password!")
    assert c.get("/api/me", headers=_basic("basic1")).status_code == 401
    assert c.get("/api/me", headers=_basic("basic1", "changed password!")).status_code == 200


# -- batch recovery ----------------------------------------------------------------------------------


def _dead_worker() -> str:
    from flows.progress import worker_id

    return worker_id().rpartition(":")[0] + f":{2**22 + 4242}"


def test_a_dead_batch_is_failed_with_its_last_report_then_retried(daily: WebWorld) -> None:
    batch = "20990202-000000-dead"
    done = [
        FileResult(path="a.png", status=FileStatus.STORED, pages=1, document_id="a" * 64),
        FileResult(path="empty.pdf", status=FileStatus.FAILED,
                   error={"type": "EmptyFileError", "message": "empty.pdf is empty (0 bytes)"}),
    ]  # fmt: skip
    now = datetime.now(UTC).isoformat(timespec="seconds")
    daily.store.put_batch_json(batch, "status.json", BatchProgress(
        batch=batch, state=BatchState.RUNNING, files_total=5, files_done=2, failures=done[1:], files=done,
        updated_at=now, heartbeat_at=now, worker=_dead_worker(), source=f"s3://x/uploads/{batch}/",
        uploader="staff1"))  # fmt: skip
    c = daily.client()
    login(c, "staff1")
    status = c.get(f"/api/batches/{batch}").json()
    assert status["state"] == "failed" and status["error"]["type"] == "worker_lost"
    report = c.get(f"/api/batches/{batch}/report").json()
    assert report["state"] == "failed" and [f["path"] for f in report["files"]] == ["a.png", "empty.pdf"]
    page = c.get(f"/batches/{batch}").text
    assert "Thất bại" in page and "Tiến trình xử lý đã dừng" in page and "Tệp rỗng" in page
    # The class name appears only as a tooltip (and in the script's label table), never as the text.
    assert "EmptyFileError" not in re.sub(r"title=\"[^\"]*\"|data-\w+='[^']*'", "", page)
    csv_text = c.get(f"/batches/{batch}/report.csv").content.decode("utf-8")
    assert csv_text.startswith("\ufeff") and "Tệp rỗng (EmptyFileError)" in csv_text
    before = len(daily.launched.calls)
    r = c.post(f"/batches/{batch}/retry", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert r.status_code == 303
    call = daily.launched.calls[before]
    assert (
        call["batch_id"] == batch and call["source"] == f"s3://x/uploads/{batch}/" and call["attempts"] == 2
    )
    # A batch that finished is not retried.
    daily.store.put_batch_json(batch, "status.json", {**status, "state": "completed"})
    assert daily.client().post(f"/api/batches/{batch}/retry", headers=_basic("staff1")).status_code == 400


def test_a_running_batch_can_be_cancelled(daily: WebWorld) -> None:
    batch = "20990303-000000-cafe"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    daily.store.put_batch_json(batch, "status.json", BatchProgress(
        batch=batch, state=BatchState.RUNNING, files_total=3, updated_at=now, heartbeat_at=now,
        worker="another-host:1", source="s3://x/y/"))  # fmt: skip
    r = daily.client().post(f"/api/batches/{batch}/cancel", headers=_basic("staff1"))
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert (
        daily.client().get(f"/api/batches/{batch}", headers=_basic("staff1")).json()["state"] == "cancelled"
    )
    clerk = daily.client().post(f"/api/batches/{batch}/retry", headers=_basic("clerk1"))
    assert clerk.status_code == 403


def test_a_silent_batch_elsewhere_is_failed_after_the_stale_time(daily: WebWorld) -> None:
    batch = "20990404-000000-0ld0"
    old = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="seconds")
    daily.store.put_batch_json(batch, "status.json", BatchProgress(
        batch=batch, state=BatchState.RUNNING, files_total=53, files_done=30, updated_at=old,
        heartbeat_at=old, worker="another-host:1"))  # fmt: skip
    assert daily.client().get(f"/api/batches/{batch}", headers=_basic("staff1")).json()["state"] == "failed"


# -- audit log ---------------------------------------------------------------------------------------


def daily_audit(world: WebWorld, action: str | None = None) -> list[AuditEntry]:
    """The world's audit entries, newest first."""
    return AuditLog(world.db_path).entries(action=action, limit=5000)


def test_audit_csv_filtered_by_date_with_bom_and_labels(daily: WebWorld) -> None:
    c = daily.client()
    login(c, "admin1")
    from web.formats import zone

    today = datetime.now(zone("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")
    r = c.get(f"/admin/audit.csv?from={today}&to={today}&action=login")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:4] == ["#", "Thời gian", "Người dùng", "Hành động"]
    assert len(rows) > 1 and all(row[3] == "Đăng nhập" for row in rows[1:])
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", row[1]) for row in rows[1:])
    tomorrow = (datetime.now(zone("Asia/Ho_Chi_Minh")) + timedelta(days=1)).strftime("%d/%m/%Y")
    later = list(csv.reader(io.StringIO(c.get(f"/admin/audit.csv?from={tomorrow}").content.decode()[1:])))
    assert len(later) == 1
    page = c.get(f"/admin/audit?from={today}")
    assert "Đăng nhập" in page.text and "Thành công" in page.text
    assert c.get("/admin/audit?from=32/13/2026").status_code == 400
    staff = daily.client()
    login(staff, "staff1")
    assert staff.get("/admin/audit.csv").status_code == 403


# -- search ------------------------------------------------------------------------------------------


def test_a_dossier_code_or_batch_id_typed_into_the_box_finds_its_documents(daily: WebWorld) -> None:
    c = daily.client()
    doc = daily.docs["dossier"].id
    for q in ("HS-2024-077", "hs-2024-077", "20240404-101010-abcd"):
        hits = c.get("/api/search", params={"q": q}, headers=_basic("clerk1")).json()["hits"]
        assert [h["id"] for h in hits][:1] == [doc], q


def test_search_and_document_marks_are_not_noisy(daily: WebWorld) -> None:
    c = daily.client()
    login(c, "clerk1")
    page = c.get("/search", params={"q": "ho so"}).text
    hit = next(h for h in page.split('<li class="hit">') if "77/QĐ-SNV" in h)
    marks = re.findall(r"<mark>(.*?)</mark>", hit)
    assert "hồ" in marks and "sơ" in marks and not {"Sở", "Số", "hộ"} & set(marks)
    page = c.get("/search", params={"q": "quyet dinh"}).text
    assert "<mark>danh</mark>" not in page and "<mark>QUYẾT</mark>" in page
    doc = daily.docs["dossier"].id
    text = c.get(f"/documents/{doc}", params={"q": "ho so"}).text
    assert re.findall(r"<mark>(.*?)</mark>", text) == ["hồ", "sơ"]
    assert 'href="/dossiers/HS-2024-077"' in text and "/search?batch=20240404-101010-abcd" in text


def test_pager_has_previous_next_and_numbers() -> None:
    from web.pages import _pager

    p = _pager([("q", "x")], 3, 200)
    assert p["prev"] == "/search?q=x&page=2" and p["next"] == "/search?q=x&page=4"
    assert [n["n"] for n in p["numbers"] if not n["gap"]] == [1, 2, 3, 4, 5, 10]
    assert [n for n in p["numbers"] if n.get("current")][0]["n"] == 3
    assert _pager([], 1, 5) == {"prev": None, "next": None, "numbers": []}
