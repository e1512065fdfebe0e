"""Pure tests of the web app's pieces: highlighting, upload checks, sessions, users, audit, query building."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from pydantic import SecretStr

from sohoa.errors import ConfigurationError, InputError
from sohoa.model.document import AccessLevel
from sohoa.settings import Settings
from web.app import create_app
from web.audit import Action, AuditLog
from web.auth import LoginThrottle, SessionCodec, parse_basic
from web.highlight import highlight_text, query_terms, safe_fragment
from web.searching import SearchParams, decode_cursor, encode_cursor, to_query
from web.uploads import UploadTooLargeError, clean_name, stage_upload
from web.users import Permission, Role, User, UserStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 64


# -- highlighting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("a <mark>b</mark> c", "a <mark>b</mark> c"),
        # Elasticsearch's html encoder already escaped the text: escaped exactly once, not twice.
        (
            "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>",
            "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>",
        ),
        # Raw text (no encoder): still escaped.
        ("<script>alert(1)</script> <mark>x</mark>", "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>"),
        ("<mark><img src=x onerror=alert(1)></mark>", "<mark>&lt;img src=x onerror=alert(1)&gt;</mark>"),
        ("unclosed <mark>x", "unclosed <mark>x</mark>"),
        ("</mark>stray", "stray"),
    ],
)
def test_safe_fragment_keeps_only_our_marks(fragment: str, expected: str) -> None:
    assert str(safe_fragment(fragment)) == expected


def test_highlight_text_matches_without_diacritics_and_escapes() -> None:
    text = "QUYẾT ĐỊNH <script>alert(1)</script>\nVề việc cấp hộ chiếu"
    out = str(highlight_text(text, query_terms("quyet dinh ho chieu")))
    assert "<mark>QUYẾT</mark> <mark>ĐỊNH</mark>" in out
    assert "<mark>hộ</mark> <mark>chiếu</mark>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<script>" not in out
    assert "<mark>" not in str(highlight_text(text, frozenset()))


def test_query_terms_skip_single_letters_but_keep_digits() -> None:
    assert query_terms("a 1340/QĐ-UBND") == {"1340", "qd", "ubnd"}
    assert query_terms("số 7 b") == {"so", "7"}


# -- uploads -----------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "name", ["../evil.png", "/etc/passwd.png", "a/../../b.png", "C:/x.png", "", ".hidden.png"]
)
def test_clean_name_refuses_escapes(name: str) -> None:
    with pytest.raises(InputError):
        clean_name(name)


def test_clean_name_keeps_folders() -> None:
    assert clean_name("hồ sơ 1\\trang 1.png") == "hồ sơ 1/trang 1.png"


def test_stage_upload_files_and_manifest(tmp_path: Path) -> None:
    manifest = b"file,access_level\nscan1.png,mat\n"
    staged = stage_upload(
        [("scan1.png", io.BytesIO(PNG)), ("sub/doc.pdf", io.BytesIO(PDF))],
        tmp_path,
        max_bytes=10_000,
        manifest=("danh-muc.csv", io.BytesIO(manifest)),
    )
    names = [rel for rel, _ in staged.files]
    assert names == ["scan1.png", "sub/doc.pdf", "manifest.csv"]
    assert staged.documents == 2
    assert staged.manifest_rows == 1
    assert (tmp_path / "batch" / "manifest.csv").read_bytes() == manifest


def test_stage_upload_unpacks_zip_with_its_manifest(tmp_path: Path) -> None:
    data = _zip({"a.png": PNG, "ho-so/b.pdf": PDF, "manifest.csv": b"file,pages\na.png,1\n"})
    staged = stage_upload([("lo.zip", io.BytesIO(data))], tmp_path, max_bytes=100_000)
    assert [rel for rel, _ in staged.files] == ["a.png", "ho-so/b.pdf", "manifest.csv"]
    assert staged.manifest_rows == 1


@pytest.mark.parametrize("entry", ["../escape.png", "/abs/escape.png", "ok/../../escape.png"])
def test_stage_upload_refuses_zip_slip(tmp_path: Path, entry: str) -> None:
    data = _zip({"fine.png": PNG, entry: PNG})
    with pytest.raises(InputError, match="outside the archive"):
        stage_upload([("lo.zip", io.BytesIO(data))], tmp_path, max_bytes=100_000)
    assert not any(tmp_path.parent.glob("escape.png"))
    assert not (tmp_path / "batch" / "fine.png").exists()


def test_stage_upload_refuses_wrong_types(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not accepted"):
        stage_upload([("run.exe", io.BytesIO(b"MZ" + b"\x00" * 10))], tmp_path / "a", max_bytes=1000)
    with pytest.raises(InputError, match="content is not a PDF"):
        stage_upload([("fake.pdf", io.BytesIO(PNG))], tmp_path / "b", max_bytes=1000)


def test_stage_upload_refuses_too_large(tmp_path: Path) -> None:
    with pytest.raises(UploadTooLargeError):
        stage_upload([("a.png", io.BytesIO(PNG)), ("b.png", io.BytesIO(PNG))], tmp_path / "a", max_bytes=100)
    bomb = _zip({"big.png": PNG + b"\x00" * 200_000})
    with pytest.raises(UploadTooLargeError, match="unpacks to"):
        stage_upload([("z.zip", io.BytesIO(bomb))], tmp_path / "b", max_bytes=50_000)


def test_stage_upload_refuses_bad_manifest_and_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="access level"):
        stage_upload(
            [("a.png", io.BytesIO(PNG))],
            tmp_path / "a",
            max_bytes=1000,
            manifest=("m.csv", io.BytesIO(b"file,access_level\na.png,top-secret\n")),
        )
    with pytest.raises(InputError, match="no files"):
        stage_upload([("m.csv", io.BytesIO(b"file\na.png\n"))], tmp_path / "b", max_bytes=1000)


# -- sessions and CSRF -------------------------------------------------------------------------------


def test_session_cookie_round_trip_and_tampering() -> None:
    codec = SessionCodec("k" * 32, max_age_seconds=3600)
    cookie = codec.issue("clerk1")
    session = codec.read(cookie)
    assert session is not None and session.user == "clerk1"
    assert codec.issue("clerk1") != cookie  # a fresh session id each time
    assert codec.read(cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]) is None
    assert SessionCodec("other-key-" * 4, max_age_seconds=3600).read(cookie) is None
    assert codec.read(None) is None and codec.read("garbage") is None


def test_session_cookie_expires() -> None:
    codec = SessionCodec("k" * 32, max_age_seconds=-1)
    assert codec.read(codec.issue("clerk1")) is None


def test_csrf_tokens_belong_to_their_cookie() -> None:
    codec = SessionCodec("k" * 32, max_age_seconds=3600)
    token = codec.csrf_token("cookie-a")
    assert codec.check_csrf("cookie-a", token)
    assert not codec.check_csrf("cookie-b", token)
    assert not codec.check_csrf(None, token) and not codec.check_csrf("cookie-a", None)


def test_parse_basic() -> None:
    assert parse_basic("Basic Y2xlcmsxOnMzY3I6ZXQ=") == ("clerk1", "s3cr:et")
    assert parse_basic("Bearer abc") is None
    assert parse_basic("Basic !!!") is None
    assert parse_basic(None) is None


def test_login_throttle_locks_then_clears() -> None:
    throttle = LoginThrottle(max_failures=3, lock_seconds=60)
    for _ in range(3):
        assert not throttle.locked("Clerk1")
        throttle.failed("clerk1")
    assert throttle.locked("CLERK1")
    throttle.succeeded("clerk1")
    assert not throttle.locked("clerk1")


def test_app_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings = settings.model_copy(update={"web": settings.web.model_copy(update={"secret_key": None})})
    with pytest.raises(ConfigurationError, match="secret_key"):
        create_app(settings)
    short = settings.model_copy(
        update={"web": settings.web.model_copy(update={"secret_key": SecretStr("short")})}
    )
    with pytest.raises(ConfigurationError):
        create_app(short)


# -- users, roles, audit -----------------------------------------------------------------------------


def test_users_hash_authenticate_and_disable(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "db.sqlite3")
    user = store.add("clerk1", "a long password", role=Role.CLERK)
    assert user.clearance is AccessLevel.INTERNAL
    raw = (tmp_path / "db.sqlite3").read_bytes()
    assert b"a long password" not in raw and b"$argon2id$" in raw
    assert store.authenticate("clerk1", "a long password") == user
    assert store.authenticate("clerk1", "wrong password!") is None
    assert store.authenticate("nobody", "a long password") is None
    assert store.disable("clerk1")
    assert store.authenticate("clerk1", "a long password") is None and store.get("clerk1") is None
    with pytest.raises(InputError, match="at least"):
        store.add("x", "short", role=Role.CLERK)
    with pytest.raises(InputError, match="not valid"):
        store.add("../admin", "a long password", role=Role.ADMIN)


def test_roles_and_clearances() -> None:
    clerk = User("c", Role.CLERK, AccessLevel.INTERNAL)
    staff = User("s", Role.STAFF, AccessLevel.PUBLIC)
    admin = User("a", Role.ADMIN, AccessLevel.CONFIDENTIAL)
    assert (
        clerk.can(Permission.SEARCH) and not clerk.can(Permission.UPLOAD) and not clerk.can(Permission.AUDIT)
    )
    assert staff.can(Permission.UPLOAD) and not staff.can(Permission.AUDIT)
    assert all(admin.can(p) for p in Permission)
    assert clerk.access_levels == [AccessLevel.PUBLIC, AccessLevel.INTERNAL]
    assert not clerk.may_see("confidential") and clerk.may_see("internal")


def test_audit_log_is_append_only(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "db.sqlite3")
    log.record(Action.LOGIN, user="clerk1", ip="127.0.0.1", detail={"method": "form"})
    log.record(Action.SEARCH, user="clerk1", target="hộ chiếu", detail={"total": 3})
    entries = log.entries()
    assert [e.action for e in entries] == ["search", "login"]
    assert entries[0].detail == {"total": 3} and entries[0].target == "hộ chiếu"
    assert [e.action for e in log.entries(action="login")] == ["login"]
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET user='someone-else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit")
    conn.close()
    assert len(log.entries()) == 2


# -- query building ----------------------------------------------------------------------------------


def test_access_levels_come_from_clearance_and_only_narrow() -> None:
    clerk = User("c", Role.CLERK, AccessLevel.INTERNAL)
    assert to_query(SearchParams(q="x"), clerk).access_levels == [AccessLevel.PUBLIC, AccessLevel.INTERNAL]
    assert to_query(SearchParams(access=["internal"]), clerk).access_levels == [AccessLevel.INTERNAL]
    # Asking for a level above the clearance yields nothing, never that level.
    assert to_query(SearchParams(access=["confidential"]), clerk).access_levels == []
    with pytest.raises(InputError):
        to_query(SearchParams(access=["secret"]), clerk)


def test_query_parameters_are_checked() -> None:
    clerk = User("c", Role.CLERK, AccessLevel.PUBLIC)
    q = to_query(
        SearchParams(q=" hộ chiếu ", type=["Quyết định"], date_from="2023-01-01", sort="date_desc"), clerk
    )
    assert q.text == "hộ chiếu" and q.loai_van_ban == ["Quyết định"] and q.sort.value == "date_desc"
    for bad in (
        SearchParams(date_from="2023-13-01"),
        SearchParams(sort="random"),
        SearchParams(date_from="2024-01-01", date_to="2023-01-01"),
        SearchParams(after="%%%"),
    ):
        with pytest.raises(InputError):
            to_query(bad, clerk)


def test_cursor_round_trip() -> None:
    values = ["2023-03-03", 1.5, "ab" * 32]
    assert decode_cursor(encode_cursor(values)) == values
    assert encode_cursor(None) is None and decode_cursor(None) is None
    with pytest.raises(InputError):
        decode_cursor(encode_cursor([{"script": 1}]))  # type: ignore[list-item]
