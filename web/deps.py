"""What every route needs: the app's context, the signed-in user, role checks and CSRF checks.

Authentication: a browser session cookie, or for API clients an API token (``Authorization: Bearer``)
or HTTP Basic (``Authorization: Basic``). An
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
from web.auth import CSRF_COOKIE, SESSION_COOKIE, BasicCache, LoginThrottle, SessionCodec, parse_basic
from web.backend import Backend
from web.i18n import translate
from web.sessions import SessionStore, TokenStore, parse_bearer
from web.users import Permission, Role, User, UserStore, role_at_most

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
    sessions: SessionStore
    tokens: TokenStore
    basic_cache: BasicCache


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
    """The signed-in user (session cookie, then a Bearer token, then HTTP Basic), or None."""
    if hasattr(request.state, "user"):
        return request.state.user
    c = ctx(request)
    user = None
    method = None
    header = request.headers.get("authorization")
    session = c.codec.read(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        # The cookie only names the session: a revoked or expired one is refused here.
        if c.sessions.user_of(session.sid) == session.user:
            user = c.users.get(session.user)
            method = "session" if user else None
    elif (bearer := parse_bearer(header)) is not None:
        token = c.tokens.verify(bearer)
        owner = c.users.get(token.user) if token else None
        if token is not None and owner is not None:
            user = User(owner.name, role_at_most(Role(token.role), owner.role), owner.clearance)
            method = "token"
            request.state.token_id = token.id
    elif (basic := parse_basic(header)) is not None:
        user = _basic_user(request, *basic)
        method = "basic" if user else None
    request.state.user = user
    request.state.auth_method = method
    return user


def _basic_user(request: Request, name: str, password: str) -> User | None:
    """HTTP Basic: a fresh cached credential skips Argon2; wrong passwords meet the login throttle."""
    c = ctx(request)
    cached = c.basic_cache.get(name, password)
    if cached is not None:
        current = c.users.credential(name)
        if current is not None and current[1] == cached:
            return current[0]
        c.basic_cache.forget(name, password)  # password changed or user disabled since
    ip = client_ip(request)
    if c.throttle.retry_after(name, ip) > 0:
        c.audit.record(Action.LOGIN, user=name, outcome="throttled", ip=ip, detail={"method": "basic"})
        return None
    found = c.users.verify(name, password)
    if found is None:
        c.throttle.failed(name, ip)
        c.audit.record(Action.LOGIN, user=name, outcome="failed", ip=ip, detail={"method": "basic"})
        return None
    c.throttle.succeeded(name, ip)
    c.basic_cache.put(name, password, found[1])
    return found[0]


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

    Requests authenticated with HTTP Basic or a Bearer token carry no ambient credentials, so they need
    no CSRF token.
    """
    if getattr(request.state, "auth_method", None) in ("basic", "token"):
        return
    token = token or request.headers.get("x-csrf-token")
    if not ctx(request).codec.check_csrf(request.cookies.get(CSRF_COOKIE), token):
        raise BadCsrf()


def labels(request: Request) -> Callable[[str], str]:
    """The label function of this request's language."""
    lang = getattr(request.state, "lang", "vi")
    return lambda key: translate(lang, key)
