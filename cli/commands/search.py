"""``sohoa search`` (ranked hits with snippets, or JSON) and ``sohoa reindex`` (rebuild the index from MinIO).

Results go to stdout; progress and logs go to stderr. The CLI is an operator's tool (it holds the
service credentials), so ``search`` sees every access level unless ``--access`` narrows it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sohoa.model.document import AccessLevel
from sohoa.model.search import SearchQuery, SearchResult, Sort
from sohoa.settings import get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore
from storage.query import DISPLAY_FIELDS
from storage.reindex import reindex_from_store

_DATE = ["%Y-%m-%d"]
_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def _date(value: datetime | None) -> Any:
    return value.date() if value else None


def search(
    query: Annotated[str, typer.Argument(help='Free text, e.g. "quyet dinh ho chieu" or "1340/QĐ-UBND".')],
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Document type (loại văn bản); repeatable.")
    ] = None,
    issuers: Annotated[list[str] | None, typer.Option("--issuer", help="Issuing body; repeatable.")] = None,
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=_DATE, help="Issued on or after.")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=_DATE, help="Issued on or before.")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year of issue.")] = None,
    dossier: Annotated[str | None, typer.Option("--dossier", help="Dossier code (mã hồ sơ).")] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="Ingestion batch.")] = None,
    access: Annotated[
        list[AccessLevel] | None, typer.Option("--access", help="Access levels to include (default: all).")
    ] = None,
    sort: Annotated[Sort, typer.Option("--sort", help="Result order.")] = Sort.RELEVANCE,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="Number of hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    rescan: Annotated[
        bool, typer.Option("--needs-rescan", help="Only documents the scan quality gate asks to rescan.")
    ] = False,
) -> None:
    """Search the archive: ranked hits with their matching pages and snippets."""
    settings = get_settings()
    index = SearchIndex.from_settings(settings.elasticsearch)
    result = index.search(
        SearchQuery(
            text=query,
            loai_van_ban=types or [],
            co_quan_ban_hanh=issuers or [],
            date_from=_date(date_from),
            date_to=_date(date_to),
            year=year,
            dossier_code=dossier,
            batch=batch,
            access_levels=access or list(AccessLevel),
            sort=sort,
            size=limit,
            needs_rescan=True if rescan else None,
        )
    )
    if as_json:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        _print_hits(result)


def result_json(result: SearchResult) -> dict[str, Any]:
    """``--json``: total, took_ms, hits (id, score, fields, source_file, pages, highlights), facets."""
    return {
        "total": result.total,
        "took_ms": result.took_ms,
        "hits": [
            {
                "id": h.id,
                "score": h.score,
                "fields": {name: h.fields.get(name) for name in DISPLAY_FIELDS},
                "source_file": h.source_file,
                "pages": h.pages,
                "highlights": h.highlights,
            }
            for h in result.hits
        ],
        "facets": result.facets,
    }


def _snippet(fragment: str) -> str:
    # Fragments are HTML-escaped with <mark> tags: turn them into rich markup for the terminal.
    parts = _MARK.split(fragment)
    out = [
        escape(html.unescape(p)) if i % 2 == 0 else f"[bold yellow]{escape(html.unescape(p))}[/]"
        for i, p in enumerate(parts)
    ]
    return " ".join("".join(out).split())


def _print_hits(result: SearchResult) -> None:
    console = Console(highlight=False)
    at_least = "≥ " if result.total_is_lower_bound else ""
    console.print(f"{at_least}{result.total:,} documents ({result.took_ms} ms)")
    for rank, hit in enumerate(result.hits, 1):
        f = hit.fields
        head = " · ".join(str(f[k]) for k in DISPLAY_FIELDS[:4] if f.get(k))
        console.print(f"\n[bold]{rank}. {escape(head or hit.source_file)}[/]  [dim]{hit.score or ''}[/]")
        if f.get("trich_yeu"):
            console.print(f"   {escape(str(f['trich_yeu']))}")
        console.print(f"   [dim]{escape(hit.source_file)} · {hit.id[:12]} · {hit.access_level.value}[/]")
        for hl in hit.highlights[:3]:
            console.print(f"   p.{hl['page']}: {_snippet(hl['fragments'][0])}")
    for name, counts in result.facets.items():
        if counts:
            console.print(f"\n[dim]{name}:[/] " + ", ".join(f"{escape(k)} ({v})" for k, v in counts.items()))


def reindex(
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Parallel reads from MinIO.")] = 8,
    keep_old: Annotated[
        bool, typer.Option("--keep-old", help="Keep the previous index (default: delete it).")
    ] = False,
) -> None:
    """Rebuild the search index from MinIO alone (no re-OCR) and switch to it atomically."""
    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    with Progress(
        TextColumn("reindex"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("reindex", total=None)
        report = reindex_from_store(
            store,
            index,
            workers=workers,
            delete_old=not keep_old,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(json.dumps(asdict(report), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``search`` and ``reindex`` to the CLI."""
    app.command(name="search")(search)
    app.command(name="reindex")(reindex)
