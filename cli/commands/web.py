"""``sohoa web`` (serve the web app), ``sohoa user add|list|disable``, ``sohoa token create|list|revoke``."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from sohoa.errors import ConfigurationError, InputError
from sohoa.settings import get_settings

user_app = typer.Typer(help="Users of the web app (admin, staff, clerk) and their clearances.")
token_app = typer.Typer(help="API tokens of web app users (Authorization: Bearer ...).")


def web(
    host: str | None = typer.Option(None, "--host", help="Bind address (default: settings, 127.0.0.1)"),
    port: int | None = typer.Option(None, "--port", help="Port (default: settings, 8000)"),
) -> None:
    """Serve the web app (search for clerks, upload for archive staff, JSON API under /api/)."""
    import uvicorn

    from cli.commands.ingest import prefect_environment
    from web.app import create_app

    prefect_environment()  # batches started from the web (a deployment run) reach sohoa's Prefect server
    settings = get_settings()
    app = create_app(settings)
    host = host or settings.web.host
    if host not in ("127.0.0.1", "localhost", "::1") and not settings.web.secure_cookies:
        typer.echo(
            f"warning: serving on {host} without secure cookies; put it behind HTTPS and set "
            "SOHOA_WEB__SECURE_COOKIES=true",
            err=True,
        )
    uvicorn.run(app, host=host, port=port or settings.web.port, log_level="info", proxy_headers=False)


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    # Piped: the first line is the password (e.g. from a secrets manager).
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name"),
    role: str = typer.Option(..., "--role", help="admin, staff or clerk"),
    clearance: str | None = typer.Option(
        None,
        "--clearance",
        help="public, internal or confidential (default: confidential for admin, else internal)",
    ),
) -> None:
    """Create a user, or reset one's password, role and clearance (password prompted or read from stdin)."""
    from sohoa.model.document import AccessLevel
    from web.app import database_path
    from web.users import Role, UserStore

    try:
        role_value = Role(role)
    except ValueError as e:
        raise InputError(f"role must be one of {', '.join(r.value for r in Role)}") from e
    try:
        level = AccessLevel(clearance) if clearance else None
    except ValueError as e:
        raise InputError(f"clearance must be one of {', '.join(a.value for a in AccessLevel)}") from e
    password = _read_password()
    if not password:
        raise InputError("no password given")
    user = UserStore(database_path(get_settings())).add(name, password, role=role_value, clearance=level)
    typer.echo(json.dumps({"name": user.name, "role": user.role.value, "clearance": user.clearance.value}))


@user_app.command("list")
def list_users() -> None:
    """Print the users (no password hashes) as JSON lines."""
    from web.app import database_path
    from web.users import UserStore

    for row in UserStore(database_path(get_settings())).list():
        typer.echo(json.dumps(row, ensure_ascii=False))


@user_app.command("disable")
def disable(name: str = typer.Argument(..., help="User name")) -> None:
    """Stop a user from signing in (the audit trail is kept)."""
    from web.app import database_path
    from web.users import UserStore

    if not UserStore(database_path(get_settings())).disable(name):
        raise ConfigurationError(f"no user {name!r}")
    typer.echo(json.dumps({"name": name, "disabled": True}))


def _stores() -> tuple[Any, Any]:
    from web.app import database_path
    from web.sessions import TokenStore
    from web.users import UserStore

    path = database_path(get_settings())
    return UserStore(path), TokenStore(path)


@token_app.command("create")
def token_create(
    name: str = typer.Argument(..., help="User name"),
    role: str | None = typer.Option(None, "--role", help="Scope: a role no higher than the user's"),
    label: str = typer.Option("", "--label", help="What the token is for (shown in listings)"),
) -> None:
    """Create a token and print it once (only its hash is kept): pass it as ``Authorization: Bearer``."""
    from web.users import Role, role_at_most

    users, tokens = _stores()
    user = users.get(name)
    if user is None:
        raise InputError(f"no enabled user {name!r}")
    try:
        asked = Role(role) if role else user.role
    except ValueError as e:
        raise InputError(f"role must be one of {', '.join(r.value for r in Role)}") from e
    scoped = role_at_most(asked, user.role)
    if scoped is not asked:
        raise InputError(f"{name} is {user.role.value}: a token cannot have role {asked.value}")
    new = tokens.create(user.name, role=scoped.value, label=label)
    typer.echo(json.dumps({"id": new.token.id, "user": user.name, "role": scoped.value, "token": new.value}))


@token_app.command("list")
def token_list(name: str = typer.Argument(..., help="User name")) -> None:
    """Print a user's tokens (ids, roles, labels, times; never the secrets) as JSON lines."""
    _, tokens = _stores()
    for t in tokens.list(name):
        typer.echo(json.dumps(t.__dict__, ensure_ascii=False))


@token_app.command("revoke")
def token_revoke(
    name: str = typer.Argument(..., help="User name"),
    token: str | None = typer.Option(None, "--token", help="The id of one token (default: all of them)"),
) -> None:
    """Revoke all of a user's tokens, or one with ``--token ID``: refused from the next request on."""
    _, tokens = _stores()
    count = tokens.revoke(name, token)
    if token and not count:
        raise InputError(f"{name} has no token {token!r}")
    typer.echo(json.dumps({"user": name, "revoked": count}))


def register(app: typer.Typer) -> None:
    """Add ``sohoa web``, ``sohoa user`` and ``sohoa token``."""
    app.command(name="web")(web)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
