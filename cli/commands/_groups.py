"""Command groups that several command modules add to (``sohoa archive ...``).

A module calls ``group(app, "archive", help=...)`` in its ``register(app)`` and adds its commands to the
sub-app it gets back; whichever module runs first creates the group, so no module owns another's commands.
"""

from __future__ import annotations

import typer

__all__ = ["group"]


def group(app: typer.Typer, name: str, *, help: str) -> typer.Typer:  # noqa: A002 - typer's own name
    """The sub-command group ``name`` of ``app``, created (with ``help``) on first use."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub
