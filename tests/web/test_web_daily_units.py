"""Pure tests of the daily-use pieces: server-side sessions, API tokens, codes, dates, CSV, batch liveness."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.progress import is_lost, last_report, worker_id
from sohoa.model.qa import QaCode
from sohoa.model.report import BatchProgress, BatchReport, BatchState, FileResult, FileStatus
from web.audit import Action, AuditLog
from web.codes import action_label, detail_text, error_label, qa_label, reason_label
from web.exports import BOM, audit_csv, report_csv
from web.formats import local_date, local_time, parse_day
from web.i18n import LANGS
from web.sessions import SessionStore, TokenStore, parse_bearer
from web.users import Role, UserStore, role_at_most

QA_CODES = [c.value for c in QaCode]  # the quality gate's own codes (sohoa.model.qa)


def _raw(db: Path) -> bytes:
    """The database file and its write-ahead log, as bytes."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_sessions_end_on_logout_password_change_disable_and_expiry(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    users = UserStore(db)
    users.add("clerk1", "a long password", role=Role.CLERK)
    sessions = SessionStore(db, max_age_seconds=3600)
    a, b = sessions.open("clerk1"), sessions.open("clerk1")
    assert sessions.user_of(a) == "clerk1" and sessions.user_of("forged") is None
    sessions.close(a)
    assert sessions.user_of(a) is None and sessions.user_of(b) == "clerk1"
    users.set_password("clerk1", "another long one")
    assert sessions.user_of(b) is None
    c = sessions.open("clerk1")
    users.disable("clerk1")
    assert sessions.user_of(c) is None
    expired = SessionStore(db, max_age_seconds=-1).open("clerk1")
    assert sessions.user_of(expired) is None
    raw = _raw(db)
    assert b"clerk1" in raw and c.encode() not in raw  # only the session id's hash is kept


def test_tokens_store_only_a_hash_and_revoke(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "db.sqlite3")
    UserStore(tmp_path / "db.sqlite3")  # schema
    one = tokens.create("staff1", role="clerk", label="báo cáo")
    two = tokens.create("staff1", role="staff")
    assert one.value.startswith(f"sohoa_{one.token.id}_")
    raw = _raw(tmp_path / "db.sqlite3")
    assert one.token.id.encode() in raw and one.value.split("_")[2].encode() not in raw
    found = tokens.verify(one.value)
    assert found is not None and found.user == "staff1" and found.role == "clerk"
    assert tokens.verify(one.value[:-1] + ("A" if one.value[-1] != "A" else "B")) is None
    assert tokens.verify("sohoa_nothing") is None
    assert {t.id for t in tokens.list("staff1")} == {one.token.id, two.token.id}
    assert tokens.revoke("staff1", one.token.id) == 1
    assert tokens.verify(one.value) is None and tokens.verify(two.value) is not None
    assert tokens.revoke("staff1") == 1 and tokens.verify(two.value) is None
    assert parse_bearer("Bearer abc") == "abc" and parse_bearer("Basic abc") is None


def test_token_roles_never_exceed_the_user() -> None:
    assert role_at_most(Role.ADMIN, Role.STAFF) is Role.STAFF
    assert role_at_most(Role.CLERK, Role.ADMIN) is Role.CLERK
    assert role_at_most(Role.STAFF, Role.CLERK) is Role.CLERK


@pytest.mark.parametrize(
    ("reason", "vi", "en"),
    [
        ("so_ky_hieu: not found", "Không tìm thấy số, ký hiệu", "Number not found"),
        ("so_ky_hieu.missing", "Không tìm thấy số, ký hiệu", "Number not found"),
        ("nguoi_ky: not found", "Người ký: không tìm thấy", "Signed by: not found"),
        ("page_failed", "Có trang không xử lý được", "A page could not be processed"),
        (
            "trich_yeu: low confidence 0.42",
            "Trích yếu: độ tin cậy thấp (0.42)",
            "Subject: low confidence (0.42)",
        ),
        ("page 2 failed OCR", "Trang nhận dạng chữ thất bại (2)", "Page failed OCR (2)"),
        (
            "already ingested in batch lo-1",
            "Đã số hóa trước đó, trong lô (lo-1)",
            "Already digitized, in batch (lo-1)",
        ),
        ("something odd", "something odd", "something odd"),
        ("new_field.new_code", "new_field.new_code", "new_field.new_code"),
    ],
)
def test_reasons_read_the_same_in_both_forms(reason: str, vi: str, en: str) -> None:
    assert reason_label("vi", reason) == vi
    assert reason_label("en", reason) == en


def test_every_error_class_qa_code_reason_and_audit_action_has_both_labels() -> None:
    import sohoa.errors as errors
    from pipeline.metadata.review import REASON_CODES

    for lang in ("vi", "en"):
        for code in REASON_CODES:
            assert reason_label(lang, code) != code, code

    names = [n for n in errors.__all__ if n.endswith("Error")]
    for lang in ("vi", "en"):
        for name in names:
            assert error_label(lang, name) != name, name
        for code in QA_CODES:
            assert qa_label(lang, code) != code, code
        for action in Action:
            assert action_label(lang, action.value) != action.value, action
    assert error_label("vi", "UnsupportedFileTypeError") == "Loại tệp không được hỗ trợ"
    assert error_label("vi", "NoSuchError") == "NoSuchError"
    assert set(LANGS["vi"]) == set(LANGS["en"])


def test_audit_details_are_plain_text_never_a_repr() -> None:
    pairs = detail_text("vi", {"files": ["a.png", "b.pdf"], "reason": None, "x": {"k": 1}})
    assert pairs == [("Tệp", "a.png, b.pdf"), ("Lý do", "—"), ("x", "k: 1")]
    assert not any("[" in v or "{" in v or "None" in v for _, v in pairs)
    # An upload's options (a search's rescan filter too) have labels, and the split mode its own.
    options = detail_text("vi", {"split": "header", "expect_color": True, "rescan": True})
    assert options == [("Tách tệp", "Theo tiêu đề văn bản (Quốc hiệu, Số:)"), ("Quét màu", "✓"),
                       ("Cần quét lại", "✓")]  # fmt: skip
    assert detail_text("vi", {"signed_by": ["Nguyễn Văn A"], "signature": "true"}) == [
        ("Người ký số", "Nguyễn Văn A"), ("Chữ ký số", "Hợp lệ")]  # fmt: skip


def test_dates_are_day_month_year_in_the_configured_zone() -> None:
    assert local_time("2026-12-01T19:50:00+00:00", "Asia/Ho_Chi_Minh") == "02/12/2026 02:50"
    assert local_time("2026-12-01T19:50:00", "UTC", seconds=True) == "01/12/2026 19:50:00"
    assert local_date("2023-03-03") == "03/03/2023"
    assert local_time("not a time", "UTC") == "not a time" and local_date(None) == ""
    assert parse_day("02/12/2026") == parse_day("2026-12-02") and parse_day("31/02/2026") is None


def test_report_csv_has_a_bom_translated_codes_and_no_formulas() -> None:
    report = BatchReport(
        batch="lo-1",
        source="x",
        started_at="2026-12-01T00:00:00+00:00",
        files=[
            FileResult(path="empty.pdf", status=FileStatus.FAILED,
                       error={"type": "EmptyFileError", "message": "empty.pdf is empty (0 bytes)"}),
            FileResult(path="=cmd.png", status=FileStatus.NEEDS_REVIEW, reasons=["so_ky_hieu: not found"]),
        ],
    )  # fmt: skip
    text = report_csv(report, "vi")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1][:2] == ["empty.pdf", "Lỗi"] and rows[1][5] == "Tệp rỗng (EmptyFileError)"
    assert rows[1][6] == "empty.pdf is empty (0 bytes)"
    assert rows[2][0] == "'=cmd.png" and rows[2][6] == "Không tìm thấy số, ký hiệu"


def test_audit_csv_local_times_and_labels(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "db.sqlite3")
    log.record(Action.TOKEN_CREATE, user="admin1", target="staff1", detail={"token": "abc", "role": "clerk"})
    text = audit_csv(log.entries(), "vi", "Asia/Ho_Chi_Minh")
    rows = list(csv.reader(io.StringIO(text.lstrip(BOM))))
    assert rows[0][1] == "Thời gian" and rows[1][3] == "Tạo mã truy cập" and rows[1][5] == "Thành công"
    assert rows[1][1][2] == "/" and rows[1][1][5] == "/"  # dd/mm/yyyy
    assert rows[1][7] == "Mã truy cập: abc · Vai trò: Tra cứu"


def _progress(**kw: object) -> BatchProgress:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    base: dict[str, object] = {
        "batch": "lo-1",
        "state": BatchState.RUNNING,
        "updated_at": now,
        "heartbeat_at": now,
    }
    return BatchProgress.model_validate({**base, **kw})


def test_a_batch_is_lost_when_its_local_worker_is_gone_or_silent() -> None:
    assert not is_lost(_progress(worker=worker_id()), stale_seconds=60)
    # A pid that cannot exist on this machine: the worker is gone at once, without waiting for staleness.
    host = worker_id().rpartition(":")[0]
    assert is_lost(_progress(worker=f"{host}:{2**22 + 12345}"), stale_seconds=3600)
    old = (datetime.now(UTC) - timedelta(seconds=600)).isoformat()
    assert is_lost(_progress(worker="elsewhere:1", heartbeat_at=old), stale_seconds=300)
    assert not is_lost(_progress(worker="elsewhere:1"), stale_seconds=300)
    assert not is_lost(_progress(state=BatchState.COMPLETED, heartbeat_at=old), stale_seconds=1)
    assert os.getpid() == int(worker_id().rpartition(":")[2])


def test_the_last_report_of_a_stopped_batch_keeps_what_was_done() -> None:
    done = [
        FileResult(path="a.png", status=FileStatus.STORED, pages=2, document_id="d" * 64),
        FileResult(path="b.pdf", status=FileStatus.FAILED, error={"type": "EmptyFileError", "message": "m"}),
    ]
    progress = _progress(files=done, files_total=5, files_done=2, source="s3://b/uploads/lo-1/")
    report = last_report(progress, state=BatchState.FAILED, error={"type": "worker_lost", "message": "gone"})
    assert report.state is BatchState.FAILED and report.source == "s3://b/uploads/lo-1/"
    assert [f.path for f in report.files] == ["a.png", "b.pdf"]
    assert report.totals.stored == 1 and report.totals.failed == 1 and report.totals.pages == 2
