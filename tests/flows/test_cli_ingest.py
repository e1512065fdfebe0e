"""`sohoa ingest --json` on the real services: the report's JSON shape from the issue, on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.samples import SAMPLE_DOCS, render_page
from sohoa.settings import Settings

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_ingest_json_report(archive: Settings, tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    render_page(SAMPLE_DOCS[1]).save(batch / "cong-van.png")
    (batch / "blank-name.pdf").write_bytes(b"")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cli", "--quiet", "ingest", str(batch), "--dossier", "HS-CLI-1", "--json"],
        env=os.environ.copy(), capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert set(report) >= {"batch", "files", "totals", "reconciliation"}
    files = {f["path"]: f for f in report["files"]}
    assert files["blank-name.pdf"]["status"] == "failed"
    assert files["blank-name.pdf"]["error"]["type"] == "EmptyFileError"
    good = files["cong-van.png"]
    assert good["status"] == "stored" and good["pages"] == 1 and good["error"] is None
    assert len(good["document_id"]) == 64 and good["so_ky_hieu"] == "215/SNgV-VP"
    assert report["totals"]["files"] == 2 and report["totals"]["failed"] == 1
