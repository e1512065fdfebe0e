"""Sessions, CSRF tokens, HTTP Basic for API clients, and a small brake on password guessing.

- Browser sessions are a signed, time-limited cookie (itsdangerous, HttpOnly, SameSite=Lax, Secure when
  configured) holding the user name and a random session id. The user is re-read from the database on
  every request, so a disabled user or a changed role takes effect at once.
- CSRF: every form carries ``HMAC(key, csrf-cookie)``; the random ``sohoa_csrf`` cookie is set on the first
  page (also before sign-in, so the login form is protected too). JavaScript sends the same token in the
  ``X-CSRF-Token`` header. Requests authenticated by HTTP Basic need no token (a browser never attaches our
  Basic credentials on its own: the app never asks it to).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "LoginThrottle", "Session", "SessionCodec", "parse_basic"]

SESSION_COOKIE = "sohoa_session"
CSRF_COOKIE = "sohoa_csrf"


@dataclass(frozen=True)
class Session:
    """What the session cookie holds."""

    user: str
    sid: str


class SessionCodec:
    """Signs and checks session cookies and CSRF tokens with the app's secret key."""

    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        """Use ``secret_key`` (from ``settings.web.secret_key``) for every signature."""
        if len(secret_key) < 16:
            raise ValueError("the web secret key must have at least 16 characters")
        self._serializer = URLSafeTimedSerializer(secret_key, salt="sohoa-session")
        self._csrf_key = hashlib.sha256(b"sohoa-csrf:" + secret_key.encode()).digest()
        self.max_age = max_age_seconds

    def issue(self, user: str) -> str:
        """A new session cookie value for ``user`` (a fresh random session id each sign-in)."""
        return self._serializer.dumps({"u": user, "s": secrets.token_urlsafe(16)})

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None when missing, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("u"), str)
            or not isinstance(data.get("s"), str)
        ):
            return None
        return Session(data["u"], data["s"])

    def csrf_token(self, csrf_cookie: str) -> str:
        """The token forms must send back for this browser's CSRF cookie."""
        return hmac.new(self._csrf_key, csrf_cookie.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, csrf_cookie: str | None, token: str | None) -> bool:
        """Whether ``token`` belongs to ``csrf_cookie`` (constant-time)."""
        if not csrf_cookie or not token:
            return False
        return hmac.compare_digest(self.csrf_token(csrf_cookie), token)


def new_csrf_cookie() -> str:
    """A random value for the CSRF cookie."""
    return secrets.token_urlsafe(24)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``(user, password)`` from an ``Authorization: Basic ...`` header, or None."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep and user else None


class LoginThrottle:
    """Refuse sign-ins for a while after repeated failures of one user name (in memory, per process).

    Argon2 already makes each guess slow; this stops a patient script from trying a dictionary against
    one account. A success clears the count.
    """

    def __init__(
        self, *, max_failures: int = 5, window_seconds: float = 900.0, lock_seconds: float = 60.0
    ) -> None:
        """Lock a name for ``lock_seconds`` after ``max_failures`` failures within ``window_seconds``."""
        self.max_failures = max_failures
        self.window = window_seconds
        self.lock = lock_seconds
        self._failures: dict[str, list[float]] = {}
        self._mutex = threading.Lock()

    def locked(self, name: str) -> bool:
        """Whether sign-ins of ``name`` are refused right now."""
        now = time.monotonic()
        with self._mutex:
            recent = [t for t in self._failures.get(name.lower(), []) if now - t < self.window]
            self._failures[name.lower()] = recent
            return len(recent) >= self.max_failures and now - recent[-1] < self.lock

    def failed(self, name: str) -> None:
        """Count one failed attempt."""
        with self._mutex:
            self._failures.setdefault(name.lower(), []).append(time.monotonic())

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name``."""
        with self._mutex:
            self._failures.pop(name.lower(), None)
