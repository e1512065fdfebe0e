"""The web app on the real MinIO and Elasticsearch: auth, roles, access levels, CSRF, escaping, uploads."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from tests.web.conftest import PASSWORD, WebWorld, csrf_from, login, page_png

pytestmark = pytest.mark.services


def _basic(name: str, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


# -- authentication ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=hộ+chiếu",
        "/api/documents/" + "a" * 64,
        "/api/batches",
        "/api/batches/x/report",
        "/api/me",
    ],
)
def test_api_without_credentials_is_401_json_and_no_data(world: WebWorld, path: str) -> None:
    r = world.client().get(path)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert set(r.json()) == {"error"}
    assert r.headers["www-authenticate"].startswith("Basic")


def test_api_with_wrong_password_is_401_and_audited(world: WebWorld) -> None:
    c = world.client()
    assert c.get("/api/search?q=x", headers=_basic("clerk1", "wrong password")).status_code == 401
    assert c.get("/api/search?q=x", headers=_basic("ghost", "wrong password")).status_code == 401
    failed = [e for e in world_audit(world, "login") if e.outcome == "failed"]
    assert {"clerk1", "ghost"} <= {e.user for e in failed}


def world_audit(world: WebWorld, action: str) -> list:  # type: ignore[type-arg]
    from web.audit import AuditLog

    return AuditLog(world.db_path).entries(action=action, limit=1000)


def test_pages_redirect_to_login(world: WebWorld) -> None:
    r = world.client().get("/search?q=x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fsearch")


def test_login_sets_httponly_lax_cookie_and_rejects_wrong_password(world: WebWorld) -> None:
    c = world.client()
    bad = login(c, "clerk1", "not the password")
    assert bad.status_code == 401 and "sohoa_session" not in bad.cookies
    ok = login(c, "clerk1")
    assert ok.status_code == 303 and ok.headers["location"] == "/search"
    cookie = next(h for h in ok.headers.get_list("set-cookie") if h.startswith("sohoa_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert c.get("/api/me").json() == {
        "name": "clerk1",
        "role": "clerk",
        "clearance": "internal",
        "access_levels": ["public", "internal"],
    }


def test_login_does_not_redirect_off_site(world: WebWorld) -> None:
    c = world.client()
    token = csrf_from(c.get("/login").text)
    r = c.post(
        "/login",
        data={"username": "clerk1", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_forms_need_csrf_token(world: WebWorld) -> None:
    c = world.client()
    c.get("/login")
    r = c.post("/login", data={"username": "clerk1", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and "sohoa_session" not in r.cookies
    r = c.post(
        "/login",
        data={"username": "clerk1", "password": PASSWORD, "csrf_token": "0" * 64},
        follow_redirects=False,
    )
    assert r.status_code == 403


# -- roles and access levels -------------------------------------------------------------------------


def test_clerk_cannot_reach_upload_or_batches(world: WebWorld) -> None:
    c = world.client()
    login(c, "clerk1")
    assert c.get("/upload").status_code == 403
    assert c.get("/api/batches").status_code == 403
    assert c.get("/admin/audit").status_code == 403
    r = c.post("/api/batches", files={"files": ("a.png", page_png(["x"]), "image/png")})
    assert r.status_code == 403 and set(r.json()) == {"error"}
    assert not world.launched.calls or all(call["uploader"] != "clerk1" for call in world.launched.calls)


def test_staff_reaches_upload_but_not_audit(world: WebWorld) -> None:
    c = world.client()
    login(c, "staff1")
    assert c.get("/upload").status_code == 200
    assert c.get("/admin/audit").status_code == 403


def test_search_enforces_clearance_inside_the_query(world: WebWorld) -> None:
    secret = world.docs["secret"].id
    for name, visible in (("admin1", True), ("clerk1", False), ("viewer1", False)):
        r = world.client().get("/api/search?q=zebraquartz", headers=_basic(name))
        assert r.status_code == 200
        assert (secret in [h["id"] for h in r.json()["hits"]]) is visible, name
    # Asking for the confidential level explicitly gives nothing either.
    r = world.client().get("/api/search?access=confidential", headers=_basic("clerk1"))
    assert r.json()["total"] == 0 and r.json()["hits"] == []
    # The public-only viewer does not see internal documents; the internal clerk does.
    qd = world.docs["qd"].id
    assert qd not in [
        h["id"]
        for h in world.client().get("/api/search?q=ho+chieu", headers=_basic("viewer1")).json()["hits"]
    ]
    assert qd in [
        h["id"] for h in world.client().get("/api/search?q=ho+chieu", headers=_basic("clerk1")).json()["hits"]
    ]


def test_document_routes_enforce_clearance(world: WebWorld) -> None:
    secret = world.docs["secret"].id
    c = world.client()
    login(c, "clerk1")
    for path in (
        f"/documents/{secret}",
        f"/api/documents/{secret}",
        f"/documents/{secret}/pages/1.jpg",
        f"/documents/{secret}/original",
        f"/documents/{secret}/searchable.pdf",
    ):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 404, path
        assert "zebraquartz" not in r.text
    admin = world.client()
    login(admin, "admin1")
    r = admin.get(f"/api/documents/{secret}")
    assert r.status_code == 200 and "zebraquartz" in r.json()["pages"][0]["text"]
    denied = [e for e in world_audit(world, "denied") if e.target == secret]
    assert denied and all(e.user == "clerk1" and e.outcome == "above_clearance" for e in denied)


# -- search and document pages -----------------------------------------------------------------------


def test_accent_free_search_page_with_facets_and_highlights(world: WebWorld) -> None:
    c = world.client()
    login(c, "clerk1")
    r = c.get("/search?q=ho+chieu+cong+vu")
    assert r.status_code == 200
    assert "1340/QĐ-UBND" in r.text and "<mark>" in r.text
    assert f'href="/documents/{world.docs["qd"].id}?q=ho+chieu+cong+vu&amp;page=1"' in r.text
    assert 'data-facet="loai_van_ban"' in r.text
    # A document number typed without diacritics finds it too.
    api = c.get("/api/search?q=1340/qd-ubnd").json()
    assert api["hits"][0]["id"] == world.docs["qd"].id
    # Filters narrow: a type filter that does not match gives nothing.
    assert c.get("/api/search?q=ho+chieu&type=Thông+báo").json()["total"] == 0


def test_search_pagination_with_cursor(world: WebWorld) -> None:
    c = world.client()
    first = c.get("/api/search?size=1&sort=date_desc", headers=_basic("clerk1")).json()
    assert first["total"] == 3 and first["next"]
    second = c.get(
        f"/api/search?size=1&sort=date_desc&after={first['next']}", headers=_basic("clerk1")
    ).json()
    assert second["hits"][0]["id"] != first["hits"][0]["id"]
    assert second["hits"][0]["fields"]["ngay_ban_hanh"] < first["hits"][0]["fields"]["ngay_ban_hanh"]
    assert c.get("/api/search?after=not-a-cursor!", headers=_basic("clerk1")).status_code == 400
    assert c.get("/api/search?batch=lo-test", headers=_basic("clerk1")).json()["total"] == 3
    assert c.get("/api/search?batch=other", headers=_basic("clerk1")).json()["total"] == 0
    assert c.get("/api/search?year=2023", headers=_basic("clerk1")).json()["total"] == 1


def test_document_page_shows_pages_with_marked_words(world: WebWorld) -> None:
    doc = world.docs["qd"].id
    c = world.client()
    login(c, "clerk1")
    r = c.get(f"/documents/{doc}?q=quyet+dinh")
    assert r.status_code == 200
    assert "<mark>QUYẾT</mark> <mark>ĐỊNH</mark>" in r.text
    assert f'src="/documents/{doc}/pages/1.jpg"' in r.text and "data-boxes=" in r.text
    img = c.get(f"/documents/{doc}/pages/1.jpg")
    assert (
        img.status_code == 200
        and img.headers["content-type"] == "image/jpeg"
        and img.content[:3] == b"\xff\xd8\xff"
    )
    views = [e for e in world_audit(world, "view") if e.target == doc]
    assert views and views[0].user == "clerk1"


def test_download_redirects_to_expiring_link_and_is_audited(world: WebWorld) -> None:
    doc = world.docs["qd"].id
    c = world.client()
    login(c, "clerk1")
    r = c.get(f"/documents/{doc}/original", follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    assert c.get(f"/documents/{doc}/searchable.pdf", follow_redirects=False).status_code == 404  # none stored
    assert any(e.target == doc and e.user == "clerk1" for e in world_audit(world, "download"))


def test_ocr_and_metadata_are_escaped_everywhere(world: WebWorld) -> None:
    doc = world.docs["xss"].id
    c = world.client()
    login(c, "clerk1")
    for path in ("/search?q=thu+moi", "/search?q=alert", f"/documents/{doc}?q=alert"):
        html = c.get(path).text
        assert doc in html or path.startswith("/documents")
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;script&gt;<mark>alert</mark>" in html
    page = c.get(f"/documents/{doc}?q=alert").text
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_security_headers(world: WebWorld) -> None:
    r = world.client().get("/login")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text.replace('<script src="/static/', "")


def test_language_switch(world: WebWorld) -> None:
    c = world.client()
    assert "Đăng nhập" in c.get("/login").text
    assert "Sign in" in c.get("/login?lang=en").text
    assert "Sign in" in c.get("/login").text  # remembered in a cookie


def test_openapi_docs_are_served(world: WebWorld) -> None:
    c = world.client()
    spec = c.get("/openapi.json").json()
    assert {
        "/api/search",
        "/api/documents/{doc_id}",
        "/api/batches",
        "/api/batches/{batch_id}",
        "/api/batches/{batch_id}/report",
    } <= set(spec["paths"])
    assert c.get("/docs").status_code == 200


# -- uploads -----------------------------------------------------------------------------------------


def _staff_client(world: WebWorld):  # type: ignore[no-untyped-def]
    c = world.client()
    login(c, "staff1")
    token = csrf_from(c.get("/upload").text)
    return c, {"X-CSRF-Token": token}


def test_upload_stores_files_and_starts_the_batch(world: WebWorld) -> None:
    c, headers = _staff_client(world)
    png = page_png(["Trang một"])
    manifest = "file,access_level,dossier\ntrang-1.png,mật,HS-01\n".encode()
    files = [
        ("files", ("trang-1.png", png, "image/png")),
        ("manifest", ("danh-muc.csv", manifest, "text/csv")),
    ]
    before = len(world.launched.calls)
    assert c.post("/api/batches", files=files).status_code == 403  # session without the CSRF header
    r = c.post("/api/batches", files=files, headers=headers)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["files"] == 1 and body["manifest_rows"] == 1
    call = world.launched.calls[before]
    assert call == {
        "source": f"s3://{world.store.bucket}/uploads/{body['batch']}/",
        "batch_id": body["batch"],
        "manifest": None,
        "uploader": "staff1",
        "attempts": 1,
    }
    keys = world.store.list_keys(f"uploads/{body['batch']}/")
    assert keys == [f"uploads/{body['batch']}/manifest.csv", f"uploads/{body['batch']}/trang-1.png"]
    assert world.store.get_bytes(keys[1]) == png
    uploads = [e for e in world_audit(world, "upload") if e.target == body["batch"]]
    assert uploads and uploads[0].user == "staff1" and uploads[0].detail["files"] == 1


def test_upload_with_basic_auth_needs_no_csrf(world: WebWorld) -> None:
    r = world.client().post(
        "/api/batches", headers=_basic("staff1"), files={"files": ("a.png", page_png(["x"]), "image/png")}
    )
    assert r.status_code == 202


def test_upload_refuses_zip_slip_and_starts_nothing(world: WebWorld) -> None:
    c, headers = _staff_client(world)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("ok.png", page_png(["x"]))
        zf.writestr("../../etc/cron.d/evil.png", b"\x89PNG\r\n\x1a\n")
    before = len(world.launched.calls)
    r = c.post(
        "/api/batches", files={"files": ("lo.zip", out.getvalue(), "application/zip")}, headers=headers
    )
    assert r.status_code == 400 and "outside the archive" in r.json()["error"]
    assert len(world.launched.calls) == before
    assert any(e.outcome == "refused" for e in world_audit(world, "upload"))


def test_upload_takes_a_wrong_type_into_the_batch_but_refuses_oversize(world: WebWorld) -> None:
    c, headers = _staff_client(world)
    r = c.post(
        "/api/batches", files={"files": ("x.pdf", b"MZ not a pdf", "application/pdf")}, headers=headers
    )
    # Not refused: the flow sniffs it and reports UnsupportedFileTypeError in the batch, like the CLI.
    assert r.status_code == 202
    assert r.json()["received"] == [
        {"name": "x.pdf", "path": "x.pdf", "bytes": 12, "kind": None, "renamed": False, "members": 0}
    ]
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024)  # the test app allows 1 MB
    r = c.post("/api/batches", files={"files": ("big.png", big, "image/png")}, headers=headers)
    assert r.status_code == 413 and "error" in r.json()


def test_batch_status_and_report_routes(world: WebWorld) -> None:
    from datetime import UTC, datetime

    from sohoa.model.report import BatchProgress, BatchReport, BatchState, FileResult, FileStatus

    now = datetime.now(UTC).isoformat()
    failure = FileResult(
        path="<b>bad</b>.png",
        status=FileStatus.FAILED,
        error={"type": "CorruptFileError", "message": "cannot decode <script>"},
    )
    world.store.put_batch_json(
        "20990101-000000-beef",
        "status.json",
        BatchProgress(
            batch="20990101-000000-beef",
            state=BatchState.RUNNING,
            files_total=3,
            files_done=1,
            pages_done=2,
            failures=[failure],
            updated_at=now,
        ),
    )
    c, _ = _staff_client(world)
    status = c.get("/api/batches/20990101-000000-beef").json()
    assert status["files_done"] == 1 and status["failures"][0]["path"] == "<b>bad</b>.png"
    assert c.get("/api/batches/20990101-000000-beef/report").status_code == 404
    page = c.get("/batches/20990101-000000-beef").text
    assert "&lt;b&gt;bad&lt;/b&gt;.png" in page and "<b>bad" not in page
    world.store.put_batch_json(
        "20990101-000000-beef",
        "report.json",
        BatchReport(
            batch="20990101-000000-beef",
            source="s3://x/",
            started_at=now,
            state=BatchState.COMPLETED,
            files=[failure],
        ),
    )
    assert c.get("/api/batches/20990101-000000-beef/report").json()["files"][0]["status"] == "failed"
    assert "20990101-000000-beef" in [b["batch"] for b in c.get("/api/batches").json()["batches"]]
    assert "20990101-000000-beef" in c.get("/upload").text
    assert c.get("/api/batches/..%2F..%2Fetc").status_code == 404


def test_admin_reads_the_audit_log(world: WebWorld) -> None:
    c = world.client()
    login(c, "admin1")
    r = c.get("/admin/audit?action=login")
    assert r.status_code == 200 and "admin1" in r.text
    assert c.get("/admin/audit?user=clerk1").status_code == 200
