"""``sohoa demo``: the whole path on a sample batch - ingest (with bad files), then a few clerk searches."""

from __future__ import annotations

import html
import shutil

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.commands.ingest import _print_report, run_batch
from sohoa.settings import get_settings

_out = Console()

DEMO_QUERIES = (
    ("accent-free words", "quyet dinh so hoa ho so"),
    ("document number, typed loosely", "1340 QD SNgV"),
    ("Vietnamese with diacritics", "thị thực đoàn công tác"),
)


def demo() -> None:
    """Generate the sample batch, ingest it, and show what a clerk's searches find."""
    from cli.samples import write_sample_batch
    from sohoa.model.document import AccessLevel
    from sohoa.model.search import SearchQuery
    from storage.index import SearchIndex

    settings = get_settings()
    batch_dir = settings.home / "demo-batch"
    shutil.rmtree(batch_dir, ignore_errors=True)
    write_sample_batch(batch_dir)
    _out.rule("1. ingest the sample batch (3 documents, a duplicate, 4 bad files, a manifest)")
    report = run_batch(str(batch_dir), uploader="demo")
    _print_report(report)
    _out.rule("2. search as a clerk cleared for every level")
    index = SearchIndex.from_settings(settings.elasticsearch)
    for label, text in DEMO_QUERIES:
        result = index.search(SearchQuery(text=text, access_levels=list(AccessLevel), size=3))
        table = Table(
            title=f"{label}: “{text}” → {result.total} hits in {result.took_ms} ms", show_lines=True
        )
        for col in ("số/ký hiệu", "loại", "ngày", "trích yếu", "pages", "snippet"):
            table.add_column(col, overflow="fold")
        for hit in result.hits:
            f = hit.fields
            fragment = next((fr for h in hit.highlights for fr in h.get("fragments", [])), "")
            # Document text may contain rich markup characters: escape it, then mark the hits.
            marked = html.unescape(fragment.replace("<mark>", "\x00").replace("</mark>", "\x01"))
            marked = " ".join(marked.split())  # page text keeps its line breaks; a snippet is one line
            snippet = escape(marked[:200]).replace("\x00", "[bold yellow]").replace("\x01", "[/]")
            table.add_row(
                str(f.get("so_ky_hieu") or ""),
                str(f.get("loai_van_ban") or ""),
                str(f.get("ngay_ban_hanh") or ""),
                str(f.get("trich_yeu") or ""),
                ",".join(map(str, hit.pages)),
                snippet,
            )
        _out.print(table)
    _out.print('Next: `sohoa search "..."`, the Prefect UI at http://127.0.0.1:4200, `sohoa web`.')


def register(app: typer.Typer) -> None:
    """Add ``sohoa demo``."""
    app.command(name="demo")(demo)
