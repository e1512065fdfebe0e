"""``sohoa archive build|verify|package``: archival copies (PDF/A-2b, signed) and E-ARK SIPs of dossiers.

``build`` runs the ``archive-build`` flow in this process; ``verify`` checks one signed copy (signer,
time, integrity, trust in the agency roots, PDF/A with veraPDF); ``package`` writes the E-ARK SIP of a
dossier or a batch. (#16 adds ``archive catalog|disposal`` to the same group.)
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cli.commands._groups import group
from sohoa.settings import get_settings

_out = Console()
_err = Console(stderr=True)

HELP = "Archival copies (PDF/A, signature) and E-ARK packages / Bản sao lưu trữ và gói tin E-ARK."


def build(
    batch: str | None = typer.Option(None, "--batch", help="Documents of this batch"),
    all_documents: bool = typer.Option(False, "--all", help="Every stored document"),
    force: bool = typer.Option(False, "--force", help="Re-make copies that already passed"),
    chunk: int = typer.Option(25, min=1, max=200, help="Documents per task and veraPDF call"),
) -> None:
    """Make (resumably) the PDF/A-2b archive copy of each document, validate it, sign it."""
    if batch is None and not all_documents:
        raise typer.BadParameter("give --batch ID or --all")
    from cli.commands.ingest import prefect_environment

    prefect_environment()
    from flows.archive import archive_build

    summary = archive_build(batch=batch, all_documents=all_documents, force=force, chunk=chunk)
    _out.print(
        f"archive copies: {summary['documents']} documents, {summary['compliant']} compliant, "
        f"{len(summary['failed'])} failed"
    )
    for f in summary["failed"]:
        _out.print(f"[red]FAILED[/] {f['document'][:12]}: {'; '.join(f['problems'])[:300]}")
    if summary["failed"]:
        raise typer.Exit(1)


def verify(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A signed archive copy"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Report signer, signing time, integrity, trust and PDF/A validity of a signed copy."""
    from pipeline.archive._exec.verapdf import validate
    from pipeline.archive.build import verapdf_tool
    from pipeline.archive.signing import load_roots, verify_pdf

    settings = get_settings()
    sig = verify_pdf(file, load_roots(list(settings.signing.trust_roots)))
    pdfa = validate(verapdf_tool(settings), [file], timeout=settings.archive.verapdf_timeout)[file]
    ok = sig.intact and sig.trusted and sig.covers_whole_file and pdfa.compliant
    if as_json:
        typer.echo(
            json.dumps(
                {"ok": ok, "signature": sig.model_dump(), "pdfa": pdfa.model_dump()}, ensure_ascii=False
            )
        )
    else:
        table = Table(title=f"{file.name}", show_header=False)
        table.add_row("signer / người ký", sig.signer or "-")
        table.add_row("signing time / thời gian ký", sig.signing_time or "-")
        table.add_row("integrity / toàn vẹn", "[green]intact[/]" if sig.intact else "[red]NOT intact[/]")
        table.add_row(
            "trusted / tin cậy", "[green]yes[/]" if sig.trusted else "[red]no[/] (not the agency CA)"
        )
        table.add_row("covers whole file", "yes" if sig.covers_whole_file else "[red]no[/]")
        table.add_row(
            "PDF/A-2b (veraPDF)", "[green]compliant[/]" if pdfa.compliant else "[red]NOT compliant[/]"
        )
        for f in pdfa.failures[:5]:
            table.add_row("", f"{f.clause}-{f.test}: {f.description[:120]}")
        table.add_row("pyHanko", sig.summary)
        _out.print(table)
    if not ok:
        raise typer.Exit(1)


def package(
    out: Path = typer.Option(..., "--out", help="The ZIP to write"),
    dossier: str | None = typer.Option(None, "--dossier", help="Dossier code (mã hồ sơ, fileCode)"),
    batch: str | None = typer.Option(None, "--batch", help="A batch without a dossier"),
    title: str = typer.Option("", "--title", help="Dossier title when the dossier store has none"),
) -> None:
    """Write the E-ARK SIP (CSIP 2.1) of a dossier or of a batch."""
    if (dossier is None) == (batch is None):
        raise typer.BadParameter("give exactly one of --dossier CODE or --batch ID")
    from pipeline.archive.build import ArchiveContext
    from pipeline.archive.sip import write_sip
    from pipeline.archive.sip_input import batch_members, dossier_members, from_dossier_view, package_input
    from pipeline.dossiers import DossierService
    from sohoa.errors import DossierError
    from sohoa.model.package import PackageDossier
    from storage.objects import ObjectStore

    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio)
    ctx = ArchiveContext.from_settings(settings)
    code = dossier or batch or ""
    agency = settings.signing.agency_name
    fields = PackageDossier(file_code=code, title=title or code, agency=agency)
    members: list[tuple[str, int]] | None = None
    if dossier:
        try:
            members, fields = from_dossier_view(
                DossierService.from_settings(settings).view(dossier), agency=agency
            )
        except DossierError:
            _err.print(
                f"[yellow]no dossier {dossier} in the dossier store[/]: packaging the documents whose "
                "dossier code is it, in batch order"
            )
    if members is None:
        shas = dossier_members(store, code) if dossier else batch_members(store, code)
        members = [(sha, stt) for stt, sha in enumerate(shas, 1)]
    with tempfile.TemporaryDirectory(prefix="sohoa-sip-") as tmp:
        pkg = package_input(store, members, fields, ctx, work=Path(tmp))
        result = write_sip(pkg, out, work=Path(tmp) / "sip")
    _out.print(f"{result.zip_path}: {len(pkg.documents)} documents, {len(result.files)} files")
    _out.print(f"package {result.package_id}")


def register(app: typer.Typer) -> None:
    """Add ``sohoa archive build|verify|package``."""
    sub = group(app, "archive", help=HELP)
    sub.command("build")(build)
    sub.command("verify")(verify)
    sub.command("package")(package)
