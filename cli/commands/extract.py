"""``sohoa extract FILE...``: metadata of documents from text, saved OCR results, images or PDFs.

``.txt`` is read as plain text; ``.json`` as a saved :class:`sohoa.model.ocr.OcrDocument`; anything else is
OCR'd first with the OCR engine. One file failing does not stop the others: its row (or JSON line)
carries the error. A JSON line carries the embedded PDF signatures (checked) and, apart from them, the
signature stamps read off the pages (``stamps``: OCR text, not verified).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import typer

from sohoa.errors import InputError, error_info
from sohoa.model.document import FIELD_NAMES, Metadata
from sohoa.model.signature import PdfSignature

log = logging.getLogger(__name__)


def _metadata(path: Path) -> tuple[Metadata, list[PdfSignature]]:
    from pipeline.metadata import Witnesses, extract, extract_text

    suffix = path.suffix.lower()
    if suffix == ".txt":
        try:
            return extract_text(path.read_text(encoding="utf-8"), Witnesses(file_name=path.name)), []
        except UnicodeDecodeError as e:
            raise InputError(f"{path.name}: not UTF-8 text ({e.reason})") from e
    if suffix == ".json":
        from pydantic import ValidationError

        from sohoa.model.ocr import OcrDocument

        try:
            doc = OcrDocument.model_validate_json(path.read_bytes())
        except ValidationError as e:
            raise InputError(f"{path.name}: not a saved OCR result ({e.error_count()} errors)") from e
        return extract(doc, Witnesses(file_name=doc.file_name)), []
    # Images and PDFs: the OCR engine (ocr/) does the reading; imported here so text and JSON inputs
    # work without it.
    import ocr
    from pipeline.metadata.witnesses import witnesses_for
    from sohoa.settings import get_settings

    doc = ocr.ocr_file(path, ocr.OcrContext.from_settings(get_settings().ocr))
    witnesses = witnesses_for(path, path.name, doc.media_type)
    return extract(doc, witnesses), list(witnesses.signatures)


def _record(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        meta, signatures = _metadata(path)
    except Exception as e:  # noqa: BLE001 - per-file guard: report and go on with the next file
        log.error("extract %s failed: %s", path, e, exc_info=not isinstance(e, InputError))
        return {
            "file": str(path),
            "fields": None,
            "needs_review": None,
            "reasons": [],
            "signatures": [],
            "stamps": [],
            "error": error_info(e),
        }
    fields = {
        name: {
            "value": f.value,
            "confidence": f.confidence,
            "page": f.page,
            "box": list(f.box) if f.box else None,
            "raw": f.raw,
        }
        for name, f in meta.fields.items()
    }
    return {
        "file": str(path),
        "language": meta.language,
        "fields": fields,
        "needs_review": meta.needs_review,
        "reasons": meta.reasons,
        "signatures": [s.model_dump(mode="json") for s in signatures],
        # what the stamps drawn into the pages say, as read: apart from the signatures, never verified
        "stamps": [s.model_dump(mode="json") for s in meta.stamps],
        "error": None,
    }


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(f"- {v}" for v in value)
    return str(value)


def extract_command(
    files: list[Path] = typer.Argument(  # noqa: B008 - typer's documented style
        ..., help="Page images, PDFs, .txt files or saved OCR results (.json)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input file, one per line."),
) -> None:
    """Extract metadata (number, date, issuer, type, subject, signer ...) from documents."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    failed = 0
    for path in files:
        rec = _record(path)
        failed += rec["error"] is not None
        if as_json:
            typer.echo(json.dumps(rec, ensure_ascii=False))
            continue
        if rec["error"] is not None:
            console.print(
                f"[bold]{path}[/bold]: [red]{rec['error']['type']}: {rec['error']['message']}[/red]"
            )
            continue
        review = (
            "[yellow]needs review[/yellow]: " + "; ".join(rec["reasons"]) if rec["needs_review"] else "ok"
        )
        table = Table(title=f"{path} ({rec['language']}) — {review}", title_justify="left")
        table.add_column("field")
        table.add_column("value", overflow="fold")
        table.add_column("conf", justify="right")
        table.add_column("page", justify="right")
        for name in FIELD_NAMES:
            f = rec["fields"][name]
            if f["value"] is not None:
                table.add_row(name, _show(f["value"]), f"{f['confidence']:.2f}", str(f["page"] or ""))
        console.print(table)
        for s in rec["signatures"]:
            state = (
                "[green]intact, valid[/green]"
                if s["intact"] and s["valid"] and not s["modified"]
                else "[red]invalid or modified[/red]"
            )
            console.print(
                f"  signed by {s['signer'] or s['field_name']} at {s['signing_time'] or '?'}: {state}"
            )
        for s in rec["stamps"]:
            console.print(
                f"  stamp on page {s['page']}: {escape(s['signer'] or '?')} at {s['signing_time'] or '?'} "
                "[yellow](read from the page, not verified)[/yellow]"
            )
    if failed:
        raise typer.Exit(code=3 if failed == len(files) else 1)


def register(app: typer.Typer) -> None:
    """Add ``sohoa extract``."""
    app.command(name="extract")(extract_command)
