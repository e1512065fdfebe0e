"""Run eark-validator on packages, offline; prints one JSON report per package.

Run with the interpreter of the separate venv that ``scripts/bootstrap.sh`` makes for eark-validator
(``.venv-eark``: it pins lxml 5.1, older than sohoa's). eark-validator downloads four CSIP vocabularies
when imported; this script serves the copies in ``eark_vocabularies/`` (CC BY 4.0, DILCIS Board) instead.

    .venv-eark/bin/python tests/pipeline/archive/eark_validate.py PACKAGE.zip [...]
"""

from __future__ import annotations

import io
import json
import sys
import urllib.request
from pathlib import Path

VOCABS = Path(__file__).resolve().parent / "eark_vocabularies"
PREFIX = "https://earkcsip.dilcis.eu/schema/"
_real_urlopen = urllib.request.urlopen


def _offline(url, *args, **kwargs):  # type: ignore[no-untyped-def]
    name = str(url)
    if name.startswith(PREFIX):
        return io.BytesIO((VOCABS / name[len(PREFIX) :]).read_bytes())
    raise OSError(f"offline: refusing to fetch {name}")


urllib.request.urlopen = _offline  # before eark_validator imports it

from eark_validator import packages  # noqa: E402
from eark_validator.model.validation_report import Severity  # noqa: E402


def main() -> int:
    worst = 0
    for arg in sys.argv[1:]:
        report = packages.PackageValidator(Path(arg)).validation_report
        messages = []
        if report.metadata is not None:
            messages = list(report.metadata.schema_results.messages) + list(
                report.metadata.schematron_results.messages
            )
        errors = [m for m in messages if m.severity == Severity.ERROR]
        errors += list(report.structure.errors) if hasattr(report.structure, "errors") else []
        out = {
            "package": arg,
            "structure": report.structure.status.value,
            "schema": report.metadata.schema_results.status.value if report.metadata else None,
            "schematron": report.metadata.schematron_results.status.value if report.metadata else None,
            "valid": bool(report.is_valid) if hasattr(report, "is_valid") else None,
            "errors": [f"{m.rule_id}: {m.message}" for m in errors],
            "warnings": [f"{m.rule_id}: {m.message}" for m in messages if m.severity == Severity.WARNING],
            "infos": len([m for m in messages if m.severity == Severity.INFORMATION]),
        }
        print(json.dumps(out, ensure_ascii=False))
        if errors or out["structure"] != "WELLFORMED":
            worst = 1
    return worst


if __name__ == "__main__":
    sys.exit(main())
