"""Sessions, CSRF tokens, HTTP Basic for API clients, and a small brake on password guessing.

- Browser sessions are a signed, time-limited cookie (itsdangerous, HttpOnly, SameSite=Lax, Secure when
  configured) naming a server-side session (``web.sessions``): logout, a password change, a disabling
  or the expiry deletes the row, and the cookie is refused on the next request. The user is re-read
  from the database on every request, so a changed role takes effect at once.
- HTTP Basic stays for scripts, with verified credentials cached briefly (:class:`BasicCache`);
  API tokens (``Authorization: Bearer``) are the better way.
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

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "BasicCache",
    "LoginThrottle",
    "Session",
    "SessionCodec",
    "parse_basic",
]

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

    def issue(self, user: str, sid: str) -> str:
        """The session cookie value naming session ``sid`` of ``user`` (see ``web.sessions``)."""
        return self._serializer.dumps({"u": user, "s": sid})

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


class BasicCache:
    """Verified HTTP Basic credentials, trusted for a short while so scripts do not pay Argon2 per call.

    Keyed by an HMAC of name and password under a per-process random key (the password itself is never
    kept), holding the stored hash it was verified against: the caller re-reads the user's current hash
    and drops the entry when it changed, so a password change or a disabling takes effect at once.
    """

    def __init__(self, *, ttl_seconds: float, max_entries: int = 4096) -> None:
        """Trust a verified credential for ``ttl_seconds`` (0 turns the cache off)."""
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._key = secrets.token_bytes(32)
        self._entries: dict[bytes, tuple[float, str]] = {}
        self._mutex = threading.Lock()

    def _digest(self, name: str, password: str) -> bytes:
        return hmac.new(self._key, f"{name}\0{password}".encode(), hashlib.sha256).digest()

    def get(self, name: str, password: str) -> str | None:
        """The stored hash this credential was verified against, if still fresh."""
        if self.ttl <= 0:
            return None
        key = self._digest(name, password)
        with self._mutex:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def put(self, name: str, password: str, stored_hash: str) -> None:
        """Remember a credential just verified against ``stored_hash``."""
        if self.ttl <= 0:
            return
        with self._mutex:
            if len(self._entries) >= self.max_entries:
                now = time.monotonic()
                self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[self._digest(name, password)] = (time.monotonic() + self.ttl, stored_hash)

    def forget(self, name: str, password: str) -> None:
        """Drop one credential (its user's hash changed)."""
        with self._mutex:
            self._entries.pop(self._digest(name, password), None)


@dataclass(frozen=True)
class _Rule:
    free: int  # failures allowed before any delay
    cap: float  # longest delay, seconds


class LoginThrottle:
    """A growing delay after failed sign-ins, counted per client address, per name+address, and per name.

    No lockout: after the free attempts each further failure doubles the wait before the next attempt is
    even checked (1 s, 2 s, 4 s, ...) up to a cap, and a success clears the counts of that name and
    address. What each key stops:

    - per address (any name, cap 15 min): one machine spraying passwords over many accounts;
    - per name and address (cap 15 min): one machine guessing one account's password;
    - per name over all addresses (cap 60 s, and only after failures from 5 or more distinct addresses):
      a distributed guess at one account. A third party failing from its own address never delays the
      real user elsewhere, and an address that signed in as the user before is not delayed by it at all,
      so the right password is never held back longer than that cap.
    """

    ADDRESS = _Rule(free=10, cap=900.0)
    PAIR = _Rule(free=5, cap=900.0)
    NAME = _Rule(free=0, cap=60.0)
    NAME_ADDRESSES = 5

    def __init__(self, *, window_seconds: float = 900.0) -> None:
        """Forget failures older than ``window_seconds``."""
        self.window = window_seconds
        self._failures: dict[tuple[str, ...], list[float]] = {}
        self._name_addresses: dict[str, dict[str, float]] = {}
        self._known: dict[str, set[str]] = {}
        self._mutex = threading.Lock()

    def _recent(self, key: tuple[str, ...], now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    @staticmethod
    def _wait(recent: list[float], rule: _Rule, now: float) -> float:
        over = len(recent) - rule.free
        if over <= 0:
            return 0.0
        delay = min(rule.cap, 2.0 ** (over - 1))
        return max(0.0, recent[-1] + delay - now)

    def retry_after(self, name: str, address: str | None) -> float:
        """Seconds before a sign-in of ``name`` from ``address`` is checked again (0: check it now)."""
        name, address = name.lower(), address or "?"
        now = time.monotonic()
        with self._mutex:
            waits = [
                self._wait(self._recent(("a", address), now), self.ADDRESS, now),
                self._wait(self._recent(("p", name, address), now), self.PAIR, now),
            ]
            spread = {a: t for a, t in self._name_addresses.get(name, {}).items() if now - t < self.window}
            self._name_addresses[name] = spread
            if len(spread) >= self.NAME_ADDRESSES and address not in self._known.get(name, set()):
                waits.append(self._wait(self._recent(("n", name), now), self.NAME, now))
            return max(waits)

    def failed(self, name: str, address: str | None) -> None:
        """Count one failed attempt."""
        name, address = name.lower(), address or "?"
        now = time.monotonic()
        with self._mutex:
            for key in (("a", address), ("p", name, address), ("n", name)):
                self._failures.setdefault(key, []).append(now)
            self._name_addresses.setdefault(name, {})[address] = now

    def succeeded(self, name: str, address: str | None) -> None:
        """Forget this name's and this address's failures; remember the address as the user's."""
        name, address = name.lower(), address or "?"
        with self._mutex:
            for key in (("a", address), ("p", name, address)):
                self._failures.pop(key, None)
            self._known.setdefault(name, set()).add(address)
