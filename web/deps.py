"""What every route needs: the app's context, the signed-in user, role checks and CSRF checks.

Authentication: a browser session cookie, or HTTP Basic (``Authorization: Basic``) for API clients. An
unauthenticated or unauthorized request raises :class:`NotAuthenticated` / :class:`Forbidden`; the app's
handlers turn those into a 401/403 JSON error under ``/api/`` and a sign-in redirect / error page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from jinja2 import Environment

from sohoa.settings import Settings
from web.audit import Action, AuditLog
from web.auth import CSRF_COOKIE, SESSION_COOKIE, LoginThrottle, SessionCodec, parse_basic
from web.backend import Backend
from web.i18n import translate
from web.users import Permission, User, UserStore

__all__ = [
    "AppContext",
    "BadCsrf",
    "Forbidden",
    "NotAuthenticated",
    "audit",
    "check_csrf",
    "client_ip",
    "ctx",
    "current_user",
    "require",
]


@dataclass
class AppContext:
    """Everything the routes share (one per app)."""

    settings: Settings
    backend: Backend
    users: UserStore
    audit: AuditLog
    codec: SessionCodec
    throttle: LoginThrottle
    templates: Environment


class NotAuthenticated(Exception):  # noqa: N818 - reads as a condition in route code
    """No valid session or credentials."""


class Forbidden(Exception):  # noqa: N818
    """Signed in, but the role does not allow this."""


class BadCsrf(Exception):  # noqa: N818
    """A form or session-authenticated API call without a valid CSRF token."""


def ctx(request: Request) -> AppContext:
    """The app's context."""
    return request.app.state.ctx


def client_ip(request: Request) -> str | None:
    """The peer address (the app binds to loopback or sits behind a proxy that sets it)."""
    return request.client.host if request.client else None


def audit(request: Request, action: Action, **kwargs: Any) -> None:
    """Append an audit entry with this request's user and address."""
    user: User | None = getattr(request.state, "user", None)
    kwargs.setdefault("user", user.name if user else None)
    ctx(request).audit.record(action, ip=client_ip(request), **kwargs)


def current_user(request: Request) -> User | None:
    """The signed-in user (session cookie first, then HTTP Basic), or None."""
    if hasattr(request.state, "user"):
        return request.state.user
    c = ctx(request)
    user = None
    method = None
    session = c.codec.read(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        user = c.users.get(session.user)
        method = "session" if user else None
    elif (basic := parse_basic(request.headers.get("authorization"))) is not None:
        name, password = basic
        if not c.throttle.locked(name):
            user = c.users.authenticate(name, password)
            if user is None:
                c.throttle.failed(name)
                c.audit.record(Action.LOGIN, user=name, outcome="failed", ip=client_ip(request),
                               detail={"method": "basic"})  # fmt: skip
            else:
                c.throttle.succeeded(name)
                method = "basic"
    request.state.user = user
    request.state.auth_method = method
    return user


def require(permission: Permission) -> Callable[[Request], User]:
    """A dependency that returns the user if their role grants ``permission`` (else 401/403)."""

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise NotAuthenticated()
        if not user.can(permission):
            audit(request, Action.DENIED, target=request.url.path, outcome="forbidden",
                  detail={"needs": permission.value})  # fmt: skip
            raise Forbidden()
        return user

    return dependency


def check_csrf(request: Request, token: str | None) -> None:
    """Raise BadCsrf unless ``token`` (form field or ``X-CSRF-Token``) matches this browser's CSRF cookie.

    Requests authenticated with HTTP Basic carry no ambient credentials, so they need no token.
    """
    if getattr(request.state, "auth_method", None) == "basic":
        return
    token = token or request.headers.get("x-csrf-token")
    if not ctx(request).codec.check_csrf(request.cookies.get(CSRF_COOKIE), token):
        raise BadCsrf()


def labels(request: Request) -> Callable[[str], str]:
    """The label function of this request's language."""
    lang = getattr(request.state, "lang", "vi")
    return lambda key: translate(lang, key)
