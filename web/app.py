"""The web app factory: pages for clerks and archive staff, the JSON API, security headers, error mapping.

``create_app()`` builds one FastAPI app from the settings. It refuses to start without
``web.secret_key`` (``sohoa services up`` writes one into ``.sohoa/local.env``) because a guessable key
would let anyone forge a session.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from sohoa import __version__
from sohoa.errors import ConfigurationError, InputError, SearchIndexError, ServiceError, StorageError
from sohoa.settings import Settings, get_settings
from web.audit import AuditLog
from web.auth import BasicCache, LoginThrottle, SessionCodec
from web.backend import Backend
from web.deps import AppContext, BadCsrf, Forbidden, NotAuthenticated, ctx
from web.frame import FrameMiddleware
from web.i18n import DEFAULT_LANG, LANGS, translate
from web.uploads import UploadTooLargeError

__all__ = ["create_app", "database_path", "error_response", "render"]

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent


def database_path(settings: Settings) -> Path:
    """Where users and the audit log live: ``<home>/web/sohoa-web.sqlite3``."""
    return settings.home / "web" / "sohoa-web.sqlite3"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the request's language, user and CSRF token in its context."""
    c = ctx(request)
    lang = getattr(request.state, "lang", DEFAULT_LANG)
    csrf_cookie = getattr(request.state, "csrf_cookie", None) or ""
    page = c.templates.get_template(template).render(
        request=request,
        t=lambda key: translate(lang, key),
        lang=lang,
        user=getattr(request.state, "user", None),
        csrf_token=c.codec.csrf_token(csrf_cookie) if csrf_cookie else "",
        version=__version__,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def error_response(request: Request, status: int, message: str, *, key: str | None = None) -> Response:
    """A JSON ``{"error": ...}`` under ``/api/``, an error page elsewhere."""
    if _is_api(request):
        headers = {}
        if status == 401 and request.headers.get("x-requested-with") != "fetch":
            # API clients learn how to authenticate; our own pages' fetches get no browser prompt.
            headers["WWW-Authenticate"] = 'Basic realm="sohoa", charset="UTF-8"'
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    lang = getattr(request.state, "lang", DEFAULT_LANG)
    key = key or f"error.{status}"
    summary = translate(lang, key) if key in LANGS[DEFAULT_LANG] else translate(lang, "error.title")
    return render(request, "error.html", status_code=status, message=summary, detail=message, status=status)


def create_app(
    settings: Settings | None = None,
    *,
    backend: Backend | None = None,
    db_path: Path | None = None,
) -> FastAPI:
    """Build the web app.

    Args:
        settings: Default ``get_settings()``.
        backend: Storage/flows access (default: from the settings).
        db_path: The users and audit database (default :func:`database_path`).

    Raises:
        ConfigurationError: ``web.secret_key`` is not set.
    """
    settings = settings or get_settings()
    if settings.web.secret_key is None or len(settings.web.secret_key.get_secret_value()) < 16:
        raise ConfigurationError(
            "web.secret_key is not set (or shorter than 16 characters): run `sohoa services up` once "
            "(it writes SOHOA_WEB__SECRET_KEY into .sohoa/local.env) or set SOHOA_WEB__SECRET_KEY"
        )
    db = db_path or database_path(settings)
    templates = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from web.codes import install_filters
    from web.sessions import SessionStore, TokenStore
    from web.users import UserStore

    install_filters(templates, settings.web.time_zone)

    context = AppContext(
        settings=settings,
        backend=backend or Backend.from_settings(settings),
        users=UserStore(db),
        audit=AuditLog(db),
        codec=SessionCodec(
            settings.web.secret_key.get_secret_value(), max_age_seconds=settings.web.session_hours * 3600
        ),
        throttle=LoginThrottle(),
        templates=templates,
        sessions=SessionStore(db, max_age_seconds=settings.web.session_hours * 3600),
        tokens=TokenStore(db),
        basic_cache=BasicCache(ttl_seconds=settings.web.basic_cache_seconds),
    )
    app = FastAPI(
        title="sohoa",
        version=__version__,
        description=(
            "Search and batch ingestion of digitized Vietnamese administrative records.\n\n"
            "Authenticate with an API token (`Authorization: Bearer sohoa_...`, from `sohoa token create` "
            "or your account page), HTTP Basic (`curl -u name:password`) or a browser session. "
            'Unauthenticated calls get 401 `{"error": ...}`; a role that does not allow the call gets '
            "403. Every search only returns documents at the access levels the user is cleared for."
        ),
    )
    app.state.ctx = context
    _install_middleware(app, settings)
    _install_handlers(app)
    from web import account, api, dossiers, pages, splits

    app.include_router(api.router)
    app.include_router(dossiers.router)
    app.include_router(pages.router)
    app.include_router(account.router)
    app.include_router(splits.api_router)
    app.include_router(splits.page_router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    from web import review  # review queue and screen, bulk edit, PATCH metadata, review figures

    review.register(app)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        FrameMiddleware,
        max_upload_mb=settings.web.max_upload_mb,
        secure=settings.web.secure_cookies,
        refuse=error_response,
    )


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return error_response(
                request, 401, "authentication required: sign in or use HTTP Basic credentials"
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error_response(request, 403, "your role does not allow this")

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> Response:
        return error_response(request, 403, "missing or invalid CSRF token: reload the page and try again")

    @app.exception_handler(UploadTooLargeError)
    async def too_large(request: Request, exc: UploadTooLargeError) -> Response:
        return error_response(request, 413, exc.message)

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        return error_response(request, 400, exc.message)

    @app.exception_handler(ServiceError)
    async def service_down(request: Request, exc: ServiceError) -> Response:
        log.error("service error on %s: %s", request.url.path, exc.message)
        kind = (
            "search index"
            if isinstance(exc, SearchIndexError)
            else "storage"
            if isinstance(exc, StorageError)
            else "a service"
        )
        return error_response(request, 503, f"{kind} is unavailable; try again later")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
        return error_response(request, 422 if _is_api(request) else 400, message)

    @app.exception_handler(StarletteHTTPException)
    async def httperror_response(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail))
