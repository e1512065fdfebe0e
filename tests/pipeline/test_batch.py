"""Batch stages without any service: folders, zips (safely), manifests, reconciliation."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from pipeline.batch import (
    BatchItem,
    ManifestRow,
    attach_manifest,
    find_manifest,
    list_folder,
    parse_manifest,
    reconcile,
    safe_extract_zip,
)
from sohoa.errors import InputError, ManifestError
from sohoa.model.document import AccessLevel
from sohoa.model.report import FileResult, FileStatus


def test_list_folder_skips_manifest_hidden_and_clutter(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.png", "a.pdf", "sub/c.tif", ".hidden.png", "Thumbs.db", "manifest.csv"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "link.png").symlink_to(tmp_path / "a.pdf")
    assert [i.name for i in list_folder(tmp_path)] == ["a.pdf", "b.png", "sub/c.tif"]
    assert find_manifest(tmp_path) == tmp_path / "manifest.csv"


def test_zip_is_extracted_with_nested_folders(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hồ sơ/quyết định 1.png", b"png-bytes")
        z.writestr("manifest.csv", "file\nhồ sơ/quyết định 1.png\n")
    items = safe_extract_zip(archive, tmp_path / "out")
    assert [i.name for i in items] == ["hồ sơ/quyết định 1.png"]
    assert items[0].path.read_bytes() == b"png-bytes"


@pytest.mark.parametrize("evil", ["../escape.png", "/etc/passwd", "a/../../escape.png", "C:/windows/x.png"])
def test_zip_slip_entries_are_refused(tmp_path: Path, evil: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ok.png", b"x")
        z.writestr(evil, b"y")
    with pytest.raises(InputError, match="outside the archive"):
        safe_extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "escape.png").exists()
    assert not (tmp_path / "out").exists()


def test_zip_symlink_entry_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as z:
        info = zipfile.ZipInfo("link.png")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(InputError, match="symbolic link"):
        safe_extract_zip(archive, tmp_path / "out")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.tif", b"\0" * 50_000_000)
    with pytest.raises(InputError, match="zip bomb"):
        safe_extract_zip(archive, tmp_path / "out")


def test_not_a_zip_is_an_input_error(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="not a readable zip"):
        safe_extract_zip(archive, tmp_path / "out")


def test_manifest_with_vietnamese_headers_semicolons_and_bom() -> None:
    data = (
        "\ufeffTên tệp;Mã hồ sơ;Số trang;Mức truy cập;Ghi chú\n"
        + "qd.png;HS-01;2;Mật;bản gốc\ncv.jpg;;;công khai;\n"
    )
    rows = parse_manifest(data.encode("utf-8"))
    assert rows == [
        ManifestRow("qd.png", "HS-01", 2, AccessLevel.CONFIDENTIAL, "bản gốc"),
        ManifestRow("cv.jpg", None, None, AccessLevel.PUBLIC, None),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,pages\nx.png,1\n", "no 'file' column"),
        (b"file,expected_pages\nx.png,two\n", "line 2: expected pages"),
        (b"file,access_level\nx.png,secret-ish\n", "line 2: access level"),
        ("file\nx.png\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_bad_manifests_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        parse_manifest(data)


def test_attach_manifest_matches_path_then_bare_name(tmp_path: Path) -> None:
    rows = [ManifestRow("box1/a.png", "HS-1"), ManifestRow("b.png", "HS-2")]
    items = [
        BatchItem("box1/a.png", tmp_path / "a"),
        BatchItem("other/b.png", tmp_path / "b"),
        BatchItem("c.png", tmp_path),
    ]
    attached = {
        i.name: (i.manifest.dossier_code if i.manifest else None) for i in attach_manifest(items, rows)
    }
    assert attached == {"box1/a.png": "HS-1", "other/b.png": "HS-2", "c.png": None}


def test_reconcile_reports_missing_unexpected_and_page_mismatches() -> None:
    rows = [
        ManifestRow("a.png", expected_pages=1),
        ManifestRow("b.pdf", expected_pages=3),
        ManifestRow("gone.tif"),
    ]
    results = [
        FileResult(path="a.png", status=FileStatus.STORED, pages=1),
        FileResult(path="b.pdf", status=FileStatus.STORED, pages=2),
        FileResult(
            path="extra.jpg", status=FileStatus.FAILED, error={"type": "EmptyFileError", "message": "0 bytes"}
        ),
    ]
    r = reconcile(rows, results, manifest_name="manifest.csv")
    assert r.missing_files == ["gone.tif"]
    assert r.unexpected_files == ["extra.jpg"]
    assert r.page_mismatches == [{"path": "b.pdf", "expected": 3, "found": 2}]
    assert reconcile(None, results, manifest_name=None).manifest is None
