"""``sohoa extract --json``: per-field confidence and raw text, reason codes, signatures and page stamps."""

import json

from typer.testing import CliRunner

from cli.main import app

TEXT = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số:      /QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày    tháng 02 năm 2025
QUYẾT ĐỊNH
Về việc giao đất cho Ban Quản lý dự án
"""


def test_extract_json_carries_confidence_reasons_and_signatures(tmp_path):
    path = tmp_path / "qd.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--json", str(path)])
    assert result.exit_code == 0, result.output
    rec = json.loads(result.output.splitlines()[-1])
    assert rec["fields"]["ky_hieu"]["value"] == "QĐ-UBND"
    assert rec["fields"]["so_ky_hieu"]["value"] == "/QĐ-UBND"
    assert 0 <= rec["fields"]["so_ky_hieu"]["confidence"] < 0.6
    assert rec["fields"]["ngay_ban_hanh"]["value"] == "2025-02"
    assert rec["needs_review"] is True
    assert "so_ky_hieu.number_unread" in rec["reasons"] and "ngay_ban_hanh.day_unread" in rec["reasons"]
    assert rec["signatures"] == []


def test_extract_json_carries_the_page_stamps_apart_from_the_signatures(tmp_path):
    stamp = "Ký bởi: SỞ NGOẠI VỤ\nCơ quan: Tỉnh Quảng Ngãi\nThời gian ký: 12.03.2024 10:15:22 +07:00\n"
    path = tmp_path / "stamped.txt"
    path.write_text(TEXT + stamp, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--json", str(path)])
    assert result.exit_code == 0, result.output
    rec = json.loads(result.output.splitlines()[-1])
    assert rec["signatures"] == []
    (s,) = rec["stamps"]
    assert s["page"] == 1 and s["signer"] == "SỞ NGOẠI VỤ" and s["organization"] == "Tỉnh Quảng Ngãi"
    assert s["signing_time"] == "2024-03-12T10:15:22+07:00"
    # the stamp is no issuer and no text of the document
    assert rec["fields"]["co_quan_ban_hanh"]["value"] != "SỞ NGOẠI VỤ"
    # and the table view says it was read, not verified
    shown = CliRunner().invoke(app, ["extract", str(path)])
    assert "not verified" in shown.output
