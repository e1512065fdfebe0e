"""``sohoa ocr FILE...``: OCR files and print their text, or one JSON object per file.

Output on stdout (text, or ``--json`` lines); the progress bar over pages and logs go to stderr. A file that
fails is reported (``"error": {"type", "message"}``) and the command goes on with the next one; the exit
code is 3 if any file failed as a whole, else 0.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ocr import OcrContext, ocr_files
from sohoa.errors import InputError, error_info
from sohoa.settings import get_settings

__all__ = ["ocr_command", "register"]

log = logging.getLogger(__name__)


def _pdf_target(out: Path | None, files: list[Path]) -> dict[Path, Path | None]:
    if out is None:
        return {f: None for f in files}
    if len(files) == 1 and out.suffix.lower() == ".pdf":
        return {files[0]: out}
    # several inputs: OUT is a folder of <stem>.pdf files
    return {f: out / f"{f.stem}.pdf" for f in files}


def ocr_command(
    files: Annotated[
        list[Path], typer.Argument(help="Scans to read: PNG, JPEG, TIFF (multi-page too) or PDF.")
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", "-l", help="Tesseract languages, e.g. vie+eng.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file, one per line.")] = False,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Write a searchable PDF here (a folder when several files).")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Parallel pages (default: all cores).")
    ] = None,
    words: Annotated[
        bool, typer.Option("--words", help="With --json: include words and lines with boxes.")
    ] = False,
) -> None:
    """OCR scans and print their text (pages separated by form feeds) or JSON."""
    settings = get_settings().ocr
    ctx = OcrContext.from_settings(settings, **({"languages": lang} if lang else {}))
    targets = _pdf_target(pdf, files)
    stderr = Console(stderr=True)
    failed = 0
    total_pages = {"n": 0}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    ) as bar:
        task = bar.add_task("OCR", total=None)

        def progress(name: str, number: int, count: int) -> None:
            total_pages["n"] += 1
            bar.update(task, advance=1, description=f"OCR {name} p{number}/{count}")

        for result in ocr_files(files, ctx, jobs=jobs, progress=progress, pdf_out=targets.get):
            if result.error is not None:
                failed += 1
                info = error_info(result.error)
                if as_json:
                    typer.echo(
                        json.dumps({"file": str(result.path), "pages": [], "error": info}, ensure_ascii=False)
                    )
                else:
                    stderr.print(f"[red]{result.path}: {info['type']}: {info['message']}[/red]")
                continue
            doc = result.document
            assert doc is not None
            if as_json:
                exclude = None if words else {"words", "lines"}
                pages = [p.model_dump(mode="json", exclude=exclude) for p in doc.pages]
                typer.echo(
                    json.dumps(
                        {
                            "file": str(result.path),
                            "sha256": doc.sha256,
                            "media_type": doc.media_type,
                            "engine": doc.engine,
                            "confidence": round(doc.confidence, 2),
                            "seconds": doc.seconds,
                            "pages": pages,
                            "error": None,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                typer.echo(doc.text)
            for page in doc.pages:
                for warning in page.warnings:
                    log.warning("%s page %d: %s", result.path.name, page.number, warning)
                if page.error is not None:
                    log.error(
                        "%s page %d failed: %s: %s",
                        result.path.name,
                        page.number,
                        page.error.type,
                        page.error.message,
                    )
    if failed:
        raise typer.Exit(InputError.exit_code)


def register(app: typer.Typer) -> None:
    """Add ``sohoa ocr``."""
    app.command(name="ocr")(ocr_command)
