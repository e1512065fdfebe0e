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
from web.auth import BasicCache, LoginThrottle, SessionCodec, parse_basic
from web.highlight import highlight_text, marked_words, safe_fragment
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
    out = str(highlight_text(text, "quyet dinh ho chieu"))
    assert "<mark>QUYẾT</mark> <mark>ĐỊNH</mark>" in out
    assert "<mark>hộ</mark> <mark>chiếu</mark>" in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<script>" not in out
    assert "<mark>" not in str(highlight_text(text, ""))


def test_document_page_marks_follow_the_snippet_rule() -> None:
    """GIVEN a page with "Quyết định", "danh", "hồ sơ" and lone Sở/Số/hộ; WHEN marked; THEN no noise."""
    text = "QUYẾT ĐỊNH về danh mục hồ sơ. Giám đốc Sở Ngoại vụ; Số: 12; hộ chiếu"
    out = str(highlight_text(text, "quyet dinh"))
    assert "<mark>QUYẾT</mark> <mark>ĐỊNH</mark>" in out and "<mark>danh</mark>" not in out
    out = str(highlight_text(text, "ho so"))
    assert out.count("<mark>") == 2 and "<mark>hồ</mark> <mark>sơ</mark>" in out
    words = text.split()
    assert [w for w, m in zip(words, marked_words(words, "ho so"), strict=True) if m] == ["hồ", "sơ."]


def test_query_words_skip_single_letters_but_keep_digits() -> None:
    from storage.highlight import query_words

    assert query_words("a 1340/QĐ-UBND") == ["1340", "qđ", "ubnd"]
    assert query_words("Số 7 b số") == ["số", "7"]


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


def test_stage_upload_keeps_bad_files_for_the_batch_report(tmp_path: Path) -> None:
    """Wrong types, empty files, twice-sent and unsafe names all go into the batch (the flow reports them)."""
    staged = stage_upload(
        [
            ("good.png", io.BytesIO(PNG)),
            ("run.exe", io.BytesIO(b"MZ" + b"\x00" * 10)),
            ("fake.pdf", io.BytesIO(PNG)),
            ("empty.pdf", io.BytesIO(b"")),
            ("good.png", io.BytesIO(PNG + b"2")),
            ("../../etc/x.png", io.BytesIO(PNG)),
            ("broken.zip", io.BytesIO(b"PK\x03\x04 not really")),
        ],
        tmp_path,
        max_bytes=10_000,
    )
    names = sorted(rel for rel, _ in staged.files)
    assert names == ["broken.zip", "empty.pdf", "fake.pdf", "good.png", "good~2.png", "run.exe", "x.png"]
    by_name = {r.name: r for r in staged.received}
    assert by_name["run.exe"].kind is None and by_name["empty.pdf"].bytes == 0
    assert by_name["../../etc/x.png"].renamed and by_name["../../etc/x.png"].path == "x.png"
    assert (tmp_path / "batch" / "empty.pdf").read_bytes() == b""


def test_stage_upload_refuses_too_large(tmp_path: Path) -> None:
    with pytest.raises(UploadTooLargeError):
        stage_upload([("a.png", io.BytesIO(PNG)), ("b.png", io.BytesIO(PNG))], tmp_path / "a", max_bytes=100)
    bomb = _zip({"big.png": PNG + b"\x00" * 200_000})
    with pytest.raises(UploadTooLargeError, match="unpacks to"):
        stage_upload([("z.zip", io.BytesIO(bomb))], tmp_path / "b", max_bytes=50_000)


def test_stage_upload_passes_a_bad_manifest_on_and_refuses_no_files(tmp_path: Path) -> None:
    # A bad manifest is the batch's problem (the flow reports ManifestError, as the CLI does).
    staged = stage_upload(
        [("a.png", io.BytesIO(PNG))],
        tmp_path / "a",
        max_bytes=1000,
        manifest=("m.csv", io.BytesIO(b"file,access_level\na.png,top-secret\n")),
    )
    assert staged.manifest_rows is None and "manifest.csv" in [rel for rel, _ in staged.files]
    with pytest.raises(InputError, match="no files"):
        stage_upload([("m.csv", io.BytesIO(b"file\na.png\n"))], tmp_path / "b", max_bytes=1000)


# -- sessions and CSRF -------------------------------------------------------------------------------


def test_session_cookie_round_trip_and_tampering() -> None:
    codec = SessionCodec("k" * 32, max_age_seconds=3600)
    cookie = codec.issue("clerk1", "sid-1")
    session = codec.read(cookie)
    assert session is not None and session.user == "clerk1" and session.sid == "sid-1"
    assert codec.issue("clerk1", "sid-2") != cookie
    assert codec.read(cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]) is None
    assert SessionCodec("other-key-" * 4, max_age_seconds=3600).read(cookie) is None
    assert codec.read(None) is None and codec.read("garbage") is None


def test_session_cookie_expires() -> None:
    codec = SessionCodec("k" * 32, max_age_seconds=-1)
    assert codec.read(codec.issue("clerk1", "sid")) is None


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


def test_login_throttle_grows_a_delay_per_address_and_pair() -> None:
    throttle = LoginThrottle()
    for _ in range(LoginThrottle.PAIR.free):
        assert throttle.retry_after("Clerk1", "10.0.0.9") == 0
        throttle.failed("clerk1", "10.0.0.9")
    assert throttle.retry_after("CLERK1", "10.0.0.9") == 0  # the first delay starts after this failure
    throttle.failed("clerk1", "10.0.0.9")
    assert 0 < throttle.retry_after("clerk1", "10.0.0.9") <= 1.0
    # Another address is not delayed by one address's failures, and a success clears them.
    assert throttle.retry_after("clerk1", "10.0.0.1") == 0
    throttle.succeeded("clerk1", "10.0.0.9")
    assert throttle.retry_after("clerk1", "10.0.0.9") == 0


def test_login_throttle_spraying_from_one_address_is_slowed() -> None:
    throttle = LoginThrottle()
    for i in range(LoginThrottle.ADDRESS.free + 1):
        throttle.failed(f"user{i}", "10.6.6.6")
    assert throttle.retry_after("someone-else", "10.6.6.6") > 0
    assert throttle.retry_after("someone-else", "10.0.0.1") == 0


def test_login_throttle_distributed_guessing_is_capped_and_spares_known_addresses() -> None:
    throttle = LoginThrottle()
    throttle.succeeded("clerk1", "10.0.0.1")  # the real user's usual address
    for i in range(40):
        throttle.failed("clerk1", f"10.9.0.{i}")
    assert 0 < throttle.retry_after("clerk1", "10.0.0.2") <= LoginThrottle.NAME.cap
    assert throttle.retry_after("clerk1", "10.0.0.1") == 0


def test_basic_cache_holds_the_hash_and_expires() -> None:
    cache = BasicCache(ttl_seconds=60)
    cache.put("clerk1", "pw", "$argon2id$h1")
    assert cache.get("clerk1", "pw") == "$argon2id$h1"
    assert cache.get("clerk1", "other") is None
    cache.forget("clerk1", "pw")
    assert cache.get("clerk1", "pw") is None
    off = BasicCache(ttl_seconds=0)
    off.put("clerk1", "pw", "h")
    assert off.get("clerk1", "pw") is None


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
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))  # the file and its WAL
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
