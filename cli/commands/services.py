"""``sohoa services up|down|status``: the real local services on loopback."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

from cli import services
from cli.services.base import ServiceStatus

_err = Console(stderr=True)

services_app = typer.Typer(help="Start, stop and inspect the local Elasticsearch, MinIO and Prefect server.")


def _table(rows: list[ServiceStatus]) -> Table:
    table = Table(title="sohoa services")
    for col in ("service", "health", "version", "address", "detail"):
        table.add_column(col)
    for r in rows:
        health = "[green]healthy[/]" if r.healthy else ("external" if not r.managed else "[red]down[/]")
        table.add_row(r.name, health, r.version, r.address, r.detail)
    return table


@services_app.command("up")
def up() -> None:
    """Install (cached) and start every local service, then wait until each is healthy."""
    started = time.monotonic()
    with _err.status("starting services (a cold first start builds MinIO and fetches Elasticsearch)..."):
        rows = services.up()
    Console().print(_table(rows))
    _err.print(f"services up in {time.monotonic() - started:.1f} s")
    if not all(r.healthy for r in rows if r.managed):
        raise typer.Exit(1)


@services_app.command("down")
def down() -> None:
    """Stop the local services."""
    stopped = services.down()
    typer.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@services_app.command("status")
def status() -> None:
    """Print each service, its version, address and health."""
    rows = services.status()
    Console().print(_table(rows))
    if not all(r.healthy for r in rows if r.managed):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sohoa services``."""
    app.add_typer(services_app, name="services")
