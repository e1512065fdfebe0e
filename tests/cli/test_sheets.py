"""``sohoa separator-sheets``: the printed sheets decode back to their values (zxing-cpp)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pdf2image import convert_from_path
from typer.testing import CliRunner

from cli.main import app
from ocr.barcodes import read_barcodes


def test_separator_sheets_pdf_decodes(tmp_path: Path) -> None:
    out = tmp_path / "sheets.pdf"
    result = CliRunner().invoke(app, ["separator-sheets", "HS-2024-001", "PATCHT", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = convert_from_path(out, dpi=100, grayscale=True)
    assert [[b.text for b in read_barcodes(np.asarray(p))] for p in pages] == [["HS-2024-001"], ["PATCHT"]]
