"""File names of a dossier's files: ``<fileCode>.<STT>.pdf`` with the docCode's 7-digit STT."""

from __future__ import annotations

import pytest

from pipeline.archive.naming import archive_file_name, doc_code, original_file_name


def test_names() -> None:
    assert doc_code("000.00.14.H26.2024.01", 3) == "000.00.14.H26.2024.01.0000003"
    assert archive_file_name("000.00.14.H26.2024.01", 3) == "000.00.14.H26.2024.01.0000003.pdf"
    assert (
        original_file_name("000.00.14.H26.2024.01", 12, "Quyết định 15.TIF")
        == "000.00.14.H26.2024.01.0000012.tif"
    )


def test_names_sort_in_dossier_order() -> None:
    names = [archive_file_name("H26.2024.01", n) for n in (10, 2, 1)]
    assert sorted(names) == [archive_file_name("H26.2024.01", n) for n in (1, 2, 10)]


def test_no_path_escapes_and_bounds() -> None:
    assert "/" not in archive_file_name("../../etc", 1)
    with pytest.raises(ValueError):
        doc_code("H26", 0)
    with pytest.raises(ValueError):
        doc_code("H26", 10_000_000)
