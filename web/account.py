"""A user's page: their API tokens (create, list, revoke) and password; admins also disable the user.

``/users/{name}`` is open to that user and to admins (``Permission.USERS``); anyone else gets 403. A new
token's value is shown once, on the page that created it, and never stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.app import error_response, render
from web.audit import Action
from web.deps import Forbidden, audit, check_csrf, ctx
from web.deps import require as _require
from web.users import Permission, Role, User, role_at_most

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Signed = Annotated[User, Depends(_require(Permission.SEARCH))]


def _owner(request: Request, user: User, name: str) -> User:
    """The user whose page this is, if ``user`` may manage it (themselves, or any user for an admin)."""
    if name != user.name and not user.can(Permission.USERS):
        audit(request, Action.DENIED, target=f"/users/{name}", outcome="forbidden")
        raise Forbidden()
    owner = ctx(request).users.get(name)
    if owner is None:
        raise LookupError(name)
    return owner


def _page(
    request: Request,
    user: User,
    name: str,
    *,
    new_token: str | None = None,
    status: int = 200,
    message: str | None = None,
) -> Response:
    try:
        owner = _owner(request, user, name)
    except LookupError:
        return error_response(request, 404, "no such user")
    roles = [r.value for r in Role if role_at_most(r, owner.role) is r]
    return render(
        request,
        "account.html",
        status_code=status,
        owner=owner,
        tokens=ctx(request).tokens.list(owner.name),
        roles=roles,
        new_token=new_token,
        message=message,
        is_admin=user.can(Permission.USERS),
    )


@router.get("/account")
def account(request: Request, user: Signed) -> Response:
    """The signed-in user's own page."""
    return RedirectResponse(f"/users/{user.name}", status_code=303)


@router.get("/users/{name}")
def user_page(request: Request, user: Signed, name: str) -> Response:
    """Tokens and password of a user."""
    return _page(request, user, name)


@router.post("/users/{name}/tokens")
def create_token(
    request: Request,
    user: Signed,
    name: str,
    label: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create a token (its value is shown on the page this once)."""
    check_csrf(request, csrf_token)
    try:
        owner = _owner(request, user, name)
    except LookupError:
        return error_response(request, 404, "no such user")
    asked = Role(role) if role in {r.value for r in Role} else owner.role
    new = ctx(request).tokens.create(owner.name, role=role_at_most(asked, owner.role).value, label=label)
    audit(
        request,
        Action.TOKEN_CREATE,
        target=owner.name,
        detail={"token": new.token.id, "role": new.token.role},
    )
    return _page(request, user, name, new_token=new.value)


@router.post("/users/{name}/tokens/revoke")
def revoke_tokens(
    request: Request,
    user: Signed,
    name: str,
    token: Annotated[str, Form(max_length=32)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Revoke one token (``token``) or, without it, all of the user's tokens."""
    check_csrf(request, csrf_token)
    try:
        owner = _owner(request, user, name)
    except LookupError:
        return error_response(request, 404, "no such user")
    count = ctx(request).tokens.revoke(owner.name, token or None)
    audit(request, Action.TOKEN_REVOKE, target=owner.name, detail={"token": token or "*", "revoked": count})
    return RedirectResponse(f"/users/{owner.name}", status_code=303)


@router.post("/users/{name}/password")
def change_password(
    request: Request,
    user: Signed,
    name: str,
    password: Annotated[str, Form(max_length=1024)],
    current: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Set a new password (the user gives the current one; an admin need not): every session ends."""
    check_csrf(request, csrf_token)
    c = ctx(request)
    try:
        owner = _owner(request, user, name)
    except LookupError:
        return error_response(request, 404, "no such user")
    if owner.name == user.name and c.users.authenticate(owner.name, current) is None:
        audit(request, Action.PASSWORD, target=owner.name, outcome="failed")
        return _page(request, user, name, status=400, message="account.wrong_password")
    c.users.set_password(owner.name, password)
    audit(request, Action.PASSWORD, target=owner.name)
    return RedirectResponse("/login" if owner.name == user.name else f"/users/{owner.name}", status_code=303)


@router.post("/users/{name}/disable")
def disable_user(
    request: Request, user: Signed, name: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """An admin disables a user: their sessions end and their tokens stop working at once."""
    check_csrf(request, csrf_token)
    if not user.can(Permission.USERS) or name == user.name:
        raise Forbidden()
    if not ctx(request).users.disable(name):
        return error_response(request, 404, "no such user")
    audit(request, Action.USER_DISABLE, target=name)
    return RedirectResponse("/search", status_code=303)
