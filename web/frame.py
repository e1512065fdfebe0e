"""What every response gets: language, the CSRF cookie, security headers, and the early upload-size check.

A plain ASGI middleware, not ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs every
request through a task group and memory streams, which cost about a millisecond of CPU per API call
under load. This one only reads the request's headers and rewrites the response's start message.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Literal
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import CSRF_COOKIE, new_csrf_cookie
from web.i18n import DEFAULT_LANG, LANGS

__all__ = ["LANG_COOKIE", "FrameMiddleware"]

LANG_COOKIE = "sohoa_lang"
# Strict by default: our own scripts and styles only, nothing inline, never framed.
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's Swagger UI and ReDoc pages load from a CDN with an inline script; only those two pages get this.
_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "worker-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_UPLOAD_PATHS = ("/upload", "/api/batches")
#: ``(request, status, message) -> Response``: the app's error page / JSON error (``web.app``)
ErrorResponder = Callable[[Request, int, str], Response]


def _cookie(name: str, value: str, *, max_age: int | None, samesite: Literal["lax", "strict"],
            httponly: bool, secure: bool) -> str:  # fmt: skip
    """A ``Set-Cookie`` value as Starlette's ``Response.set_cookie`` writes it."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["samesite"] = samesite
    if max_age is not None:
        morsel["max-age"] = max_age
    if httponly:
        morsel["httponly"] = True
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


class FrameMiddleware:
    """Sets ``request.state.lang`` and ``request.state.csrf_cookie``; adds cookies and security headers.

    - Language: ``?lang=`` switches and is remembered in a cookie; otherwise the cookie; Vietnamese by
      default.
    - CSRF: a browser without the random ``sohoa_csrf`` cookie gets one (HttpOnly, SameSite=Strict).
    - An upload whose ``Content-Length`` is over the limit is refused with 413 before a byte is read
      (``web.uploads.stage_upload`` counts again while copying).
    """

    def __init__(self, app: ASGIApp, *, max_upload_mb: int, secure: bool, refuse: ErrorResponder) -> None:
        """Wrap ``app``; ``refuse`` renders the 413 (the app's own error page or JSON error)."""
        self.app = app
        self.max_upload_mb = max_upload_mb
        self.max_bytes = max_upload_mb * 1024 * 1024
        self.secure = secure
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call (HTTP only; anything else passes through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = {k: v for k, v in scope["headers"] if k in (b"cookie", b"content-length")}
        cookies = _cookies(headers.get(b"cookie", b"").decode("latin-1"))
        query = scope.get("query_string", b"")
        asked = dict(parse_qsl(query.decode("latin-1"))).get("lang") if b"lang=" in query else None
        lang = asked if asked in LANGS else cookies.get(LANG_COOKIE)
        csrf = cookies.get(CSRF_COOKIE)
        new_csrf = None if csrf else new_csrf_cookie()
        state = scope.setdefault("state", {})
        state["lang"] = lang if lang in LANGS else DEFAULT_LANG
        state["csrf_cookie"] = csrf or new_csrf
        extra: list[tuple[str, str]] = []
        if new_csrf:
            extra.append(("set-cookie", _cookie(CSRF_COOKIE, new_csrf, max_age=None, samesite="strict",
                                                httponly=True, secure=self.secure)))  # fmt: skip
        if asked in LANGS:
            extra.append(("set-cookie", _cookie(LANG_COOKIE, str(asked), max_age=365 * 86400, samesite="lax",
                                                httponly=False, secure=self.secure)))  # fmt: skip
        extra += [
            ("content-security-policy", _DOCS_CSP if path in ("/docs", "/redoc") else _CSP),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
        ]
        if not path.startswith("/static/"):
            extra.append(("cache-control", "no-store"))
        if self.secure:
            extra.append(("strict-transport-security", "max-age=31536000"))

        async def framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in extra:
                    if name == "set-cookie":
                        out.append(name, value)
                    else:
                        out[name] = value
            await send(message)

        length = headers.get(b"content-length", b"").decode("latin-1")
        if (
            scope["method"] == "POST"
            and path in _UPLOAD_PATHS
            and length.isdigit()
            and int(length) > self.max_bytes + 1024 * 1024
        ):
            response = self.refuse(
                Request(scope, receive), 413, f"the upload is larger than {self.max_upload_mb} MB"
            )
            await response(scope, receive, framed)
            return
        await self.app(scope, receive, framed)


def _cookies(header: str) -> dict[str, str]:
    """The cookies of a ``Cookie`` header (as Starlette's ``Request.cookies`` parses them)."""
    return cookie_parser(header) if header else {}
