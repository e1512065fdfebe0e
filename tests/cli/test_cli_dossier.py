"""``sohoa dossier create|show|add`` and ``sohoa archive catalog|disposal`` as processes on the real services:
exit code 3 with a clear message for bad input, JSON with docCode/STT/metadata, the catalogue files.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from sohoa.settings import Settings
from tests.dossier_support import DossierWorld, add_document, make_world
from web.audit import AuditLog

pytestmark = [pytest.mark.services, pytest.mark.slow]

ARCH = "000.00.00.H00.2023.CLI-1"
PROC = "000.00.00.H00-240102-0007"


@pytest.fixture(scope="module")
def env(
    services: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, str], DossierWorld]]:
    run = uuid.uuid4().hex[:10]
    world = make_world(services, bucket=f"sohoa-cli-{run}", prefix=f"sohoa-cli-{run}")
    home = tmp_path_factory.mktemp("clihome")
    m = services.minio
    environ = {
        **os.environ,
        "SOHOA_HOME": str(home),  # the audit log goes here, not into the shared data folder
        "SOHOA_MINIO__ACCESS_KEY": m.access_key.get_secret_value() if m.access_key else "",
        "SOHOA_MINIO__SECRET_KEY": m.secret_key.get_secret_value() if m.secret_key else "",
        "SOHOA_MINIO__BUCKET": world.objects.bucket,
        "SOHOA_ELASTICSEARCH__INDEX_PREFIX": world.documents.prefix,
    }
    yield environ, world
    world.close()


def _sohoa(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cli", "--quiet", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["000.00.00.H00-23030-0001", "--kind", "procedure"], "malformed"),
        (["000.00.00.H00-991231-0001", "--kind", "procedure"], "in the future"),
        ([ARCH, "--kind", "archival", "--maintenance", "08"], "maintenance '08' is not a known code"),
    ],
)
def test_bad_input_exits_3_with_a_clear_message(
    env: tuple[dict[str, str], DossierWorld], args: list[str], message: str
) -> None:
    done = _sohoa(env[0], "dossier", "create", *args)
    assert done.returncode == 3, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_create_add_show_and_export(env: tuple[dict[str, str], DossierWorld], tmp_path: Path) -> None:
    environ, world = env
    done = _sohoa(
        environ,
        "dossier",
        "create",
        ARCH,
        "--kind",
        "archival",
        "--title",
        "Hồ sơ hội nghị",
        "--maintenance",
        "02",
    )
    assert done.returncode == 0, done.stderr
    proc = ["--title", "Đăng ký khai sinh", "--maintenance", "05", "--procedure-code", "1.000893"]
    done = _sohoa(environ, "dossier", "create", PROC, "--kind", "procedure", *proc, "--component", "Tờ khai")
    assert done.returncode == 0, done.stderr
    docs = [
        add_document(world, f"cli{i}", number=f"{i}/TB-VP", kind="Thông báo", pages=i, tmp=tmp_path)
        for i in (1, 2)
    ]
    done = _sohoa(environ, "dossier", "add", ARCH, docs[0].id, docs[1].id)
    assert done.returncode == 0, done.stderr
    shown = json.loads(_sohoa(environ, "dossier", "show", ARCH, "--json").stdout)
    assert shown["fileCode"] == ARCH and shown["fields"]["maintenance"] == "02"
    assert [(d["stt"], d["docCode"]) for d in shown["documents"]] == [
        (1, f"{ARCH}.0000001"),
        (2, f"{ARCH}.0000002"),
    ]
    assert (
        shown["documents"][1]["metadata"]["so_ky_hieu"] == "2/TB-VP"
        and shown["derived"]["number_of_page"] == 3
    )
    entries = AuditLog(Path(environ["SOHOA_HOME"]) / "web" / "sohoa-web.sqlite3").entries(action="dossier")
    assert {e.outcome for e in entries} >= {"created", "assigned"}
    out = tmp_path / "catalogue.csv"
    done = _sohoa(environ, "archive", "catalog", "--all", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    # dossiers by code ("-" sorts before "."), each followed by its documents
    assert [(r["recordType"], r["fileCode"]) for r in rows] == [
        ("file", PROC),
        ("file", ARCH),
        ("doc", ARCH),
        ("doc", ARCH),
    ]
    assert rows[1]["title"] == "Hồ sơ hội nghị" and rows[0]["procedureCode"] == "1.000893"
    xml_out = tmp_path / "one.xml"
    assert (
        _sohoa(
            environ, "archive", "catalog", "--dossier", ARCH, "--format", "xml", "--out", str(xml_out)
        ).returncode
        == 0
    )
    assert len(ET.parse(xml_out).getroot().findall("{*}file/{*}docs/{*}doc")) == 2
    listed = json.loads(_sohoa(environ, "archive", "disposal", "--year", "2026", "--json").stdout)
    assert listed["totals"]["dossiers"] == 0  # 70 and 20 years have not passed
    refused = _sohoa(environ, "archive", "dispose", ARCH)
    assert refused.returncode == 3 and "refused" in refused.stderr
