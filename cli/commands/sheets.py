"""``sohoa separator-sheets``: print-ready separator sheets (QR patch codes) for scanning a box in one go."""

from __future__ import annotations

from pathlib import Path

import typer


def separator_sheets(
    values: list[str] = typer.Argument(..., help="One sheet per value, e.g. dossier codes HS-2024-001"),
    out: Path = typer.Option(Path("separator-sheets.pdf"), "--out", "-o", help="PDF to write"),
    dpi: int = typer.Option(200, "--dpi", min=100, max=600, help="Resolution of the sheets"),
) -> None:
    """Write separator sheets: put one before each document (or dossier), scan with --split separator."""
    from pipeline.sheets import separator_sheet

    pages = [separator_sheet(v, dpi=dpi).convert("L") for v in values]
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    typer.echo(f"{out}: {len(pages)} separator sheets")


def register(app: typer.Typer) -> None:
    """Add the separator-sheet command."""
    app.command(name="separator-sheets")(separator_sheets)
