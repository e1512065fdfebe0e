"""``sohoa ingest``, ``sohoa demo``, ``sohoa deploy``, ``sohoa worker``, ``sohoa reindex-flow``/``fixity``.

Commands that run flows set up Prefect's environment first (its home under the data folder, the API URL
from the settings), since Prefect reads both when first imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sohoa.settings import get_settings

_err = Console(stderr=True)
_out = Console()


def prefect_environment() -> None:
    """Point Prefect at sohoa's server and home before it is imported (explicit env always wins)."""
    from cli.services import prefect_env

    for key, value in prefect_env(get_settings()).items():
        os.environ.setdefault(key, value)


def _print_report(report: object) -> None:
    from sohoa.model.report import BatchReport

    assert isinstance(report, BatchReport)
    t = report.totals
    table = Table(
        title=f"batch {report.batch}: {t.files} files, {t.pages} pages, {t.pages_per_minute} pages/min"
    )
    for col in ("file", "status", "pages", "số/ký hiệu", "error / reasons"):
        table.add_column(col, overflow="fold")
    colors = {"stored": "green", "duplicate": "cyan", "needs_review": "yellow", "failed": "red"}
    for f in report.files:
        why = f"{f.error['type']}: {f.error['message']}" if f.error else "; ".join(f.reasons)
        c = colors[f.status.value]
        table.add_row(f.path, f"[{c}]{f.status.value}[/]", str(f.pages), f.so_ky_hieu or "", why)
    _out.print(table)
    _out.print(
        f"stored {t.stored} · duplicate {t.duplicate} · needs review {t.needs_review} · failed {t.failed}"
        + (f" · [yellow]not yet indexed {t.not_indexed} (run `sohoa reindex`)[/]" if t.not_indexed else "")
    )
    r = report.reconciliation
    if r.manifest:
        _out.print(
            f"manifest {r.manifest}: missing {r.missing_files or 'none'}, "
            f"unexpected {r.unexpected_files or 'none'}"
            + (f", page mismatches {r.page_mismatches}" if r.page_mismatches else "")
        )
    for f in report.files:
        if f.documents:
            seps = f", separator sheets {f.separator_pages}" if f.separator_pages else ""
            _out.print(f"{f.path}: {len(f.documents)} documents{seps}")
            for part in f.documents:
                pages = f"{part.pages[0]}-{part.pages[-1]}" if len(part.pages) > 1 else str(part.pages[0])
                extra = " ".join(
                    x for x in (part.so_ky_hieu, part.dossier_code and f"hồ sơ {part.dossier_code}") if x
                )
                _out.print(f"  pages {pages}: {part.document_id[:12]} {extra}")
    _print_qa(report)
    if report.error:
        _out.print(f"[red]{report.error['type']}: {report.error['message']}[/]")


def _print_qa(report: object) -> None:
    from sohoa.model.report import BatchReport

    assert isinstance(report, BatchReport)
    qa = report.qa
    if not qa.pages_checked:
        return
    counts = ", ".join(f"{code} {n}" for code, n in qa.counts.items()) or "không có / none"
    _out.print(f"[bold]Kiểm tra chất lượng quét / scan quality[/]: {qa.pages_checked} pages, {counts}")
    for r in qa.rescan:
        pages = ", ".join(map(str, r.pages)) or "all"
        _out.print(
            f"[yellow]quét lại / rescan[/] {r.path}: pages {pages} ({', '.join(c.value for c in r.codes)})"
        )
    for f in report.files:
        for finding in f.qa:
            _out.print(f"  {f.path}: {finding.describe('vi')} / {finding.describe('en')}")


def run_batch(
    source: str,
    *,
    manifest: Path | None = None,
    dossier: str | None = None,
    batch_id: str | None = None,
    uploader: str | None = None,
    show_progress: bool = True,
    split: str | None = None,
    expect_color: bool | None = None,
) -> object:
    """Run the ingest flow in this process with a live progress bar on stderr; return its report."""
    prefect_environment()
    from flows import progress as batch_progress
    from flows.ingest import ingest_batch
    from sohoa.model.report import BatchProgress

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[pages]} pages · {task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=_err,
        disable=not show_progress,
    )
    task_id = bar.add_task("files", total=None, pages=0, failed=0)

    def on_progress(p: BatchProgress) -> None:
        bar.update(task_id, total=p.files_total or None, completed=p.files_done, pages=p.pages_done,
                   failed=len(p.failures))  # fmt: skip

    batch_progress.add_listener(on_progress)
    try:
        with bar:
            return ingest_batch(
                source=source,
                batch_id=batch_id,
                manifest=str(manifest) if manifest else None,
                dossier=dossier,
                uploader=uploader or os.environ.get("USER"),
                split=split,
                expect_color=expect_color,
            )
    finally:
        batch_progress.remove_listener(on_progress)


def ingest(
    path: str = typer.Argument(..., help="Folder, .zip, single file, or s3://bucket/prefix"),
    manifest: Path | None = typer.Option(
        None, "--manifest", "-m", help="Manifest CSV", exists=True, dir_okay=False
    ),
    dossier: str | None = typer.Option(None, "--dossier", help="Dossier code (mã hồ sơ) for the batch"),
    batch_id: str | None = typer.Option(None, "--batch-id", help="Batch id (default: a new one)"),
    uploader: str | None = typer.Option(None, "--uploader", help="Who submitted the batch"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object"),
    split: str | None = typer.Option(
        None,
        "--split",
        help="Split multi-document scans: none, auto (separator sheets, else headers), header, separator "
        "(default: SOHOA_SPLIT__MODE, none)",
    ),
    expect_color: bool | None = typer.Option(
        None,
        "--expect-color/--any-color",
        help="Flag bilevel or gray pages (the batch was scanned in colour)",
    ),
) -> None:
    """Ingest a batch: store originals, OCR, check scan quality, split, extract metadata, index; report."""
    if split is not None and split not in ("none", "auto", "header", "separator"):
        raise typer.BadParameter("one of none, auto, header, separator", param_hint="--split")
    report = run_batch(
        path,
        manifest=manifest,
        dossier=dossier,
        batch_id=batch_id,
        uploader=uploader,
        split=split,
        expect_color=expect_color,
    )
    if as_json:
        typer.echo(report.model_dump_json())  # type: ignore[attr-defined]
    else:
        _print_report(report)
    if report.state.value == "failed":  # type: ignore[attr-defined]
        raise typer.Exit(1)


def reindex_flow() -> None:
    """Run the reindex flow (rebuild the index from MinIO, no re-OCR) as a Prefect flow run."""
    prefect_environment()
    from flows.maintenance import reindex

    typer.echo(json.dumps(reindex(), ensure_ascii=False, indent=2))


def fixity(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON")) -> None:
    """Re-verify the SHA-256 of every stored original; exit 6 if any changed or is missing."""
    prefect_environment()
    from flows.maintenance import fixity_audit

    result = fixity_audit()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _out.print(f"{result['checked']} originals checked, {len(result['problems'])} problems")
        for p in result["problems"]:
            _out.print(f"[red]{p['document']}[/] {p['problem']}: {p['detail']}")
    if result["problems"]:
        raise typer.Exit(6)


def nightly() -> None:
    """Run the nightly inbox ingestion once, now."""
    prefect_environment()
    from flows.nightly import nightly_ingest

    typer.echo(json.dumps(nightly_ingest(), ensure_ascii=False, default=str))


def deploy() -> None:
    """Register the deployments of prefect.yaml (and the process work pool) with the Prefect server."""
    prefect_environment()
    pool = get_settings().prefect.work_pool
    root = Path(__file__).resolve().parents[2]
    exe = [sys.executable, "-m", "prefect"]
    probe = subprocess.run([*exe, "work-pool", "inspect", pool], capture_output=True, text=True, check=False)  # noqa: S603
    if probe.returncode != 0:
        subprocess.run([*exe, "work-pool", "create", pool, "--type", "process"], check=True)  # noqa: S603
    # prefect.yaml's pull step changes into SOHOA_WORKDIR: where the flows' code is on the workers.
    env = {**os.environ, "SOHOA_WORKDIR": os.environ.get("SOHOA_WORKDIR", str(root))}
    subprocess.run([*exe, "--no-prompt", "deploy", "--all"], check=True, cwd=root, env=env)  # noqa: S603


def worker(limit: int = typer.Option(1, help="Flow runs at once on this machine")) -> None:
    """Start a worker of the process work pool (runs the scheduled and on-demand deployments)."""
    prefect_environment()
    pool = get_settings().prefect.work_pool
    os.execv(sys.executable, [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool,  # noqa: S606
                              "--type", "process", "--limit", str(limit)])  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the batch and maintenance commands."""
    app.command(name="ingest")(ingest)
    app.command(name="reindex-flow")(reindex_flow)
    app.command(name="fixity")(fixity)
    app.command(name="nightly")(nightly)
    app.command(name="deploy")(deploy)
    app.command(name="worker")(worker)
