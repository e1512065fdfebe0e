"""Server-side sessions and per-user API tokens, in the web app's SQLite database.

- A session row exists from sign-in until logout, a password change, the user's disabling, or its
  expiry; the signed cookie only names the row (by a random id, stored hashed), so deleting the row
  refuses the cookie on the very next request.
- An API token is ``sohoa_<id>_<secret>``: the id is public (listing, revoking), the secret has 256 bits
  and only its SHA-256 is stored. A fast hash is enough for a secret that cannot be guessed (no password
  hash per request), and the comparison is constant-time. A token is scoped to a role no higher than its
  user's: the user's current role and the token's role both bound what it may do.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sohoa.errors import InputError
from web._db import connect

__all__ = ["ApiToken", "NewToken", "SessionStore", "TokenStore", "parse_bearer"]

_TOKEN = re.compile(r"^sohoa_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SessionStore:
    """Live browser sessions."""

    def __init__(self, path: Path, *, max_age_seconds: int) -> None:
        """Use the database at ``path``; sessions end ``max_age_seconds`` after sign-in."""
        self.path = path
        self.max_age = max_age_seconds

    def open(self, user: str) -> str:
        """Start a session of ``user`` and return its random id (for the signed cookie)."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with connect(self.path) as db:
            # Expired rows are removed as new ones come, so the table stays small without a sweeper.
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            db.execute(
                "INSERT INTO sessions(sid_hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (_sha256(sid), user, _now_iso(), now + self.max_age),
            )
        return sid

    def user_of(self, sid: str) -> str | None:
        """The user of a live session, or None (unknown, revoked or expired)."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT user, expires_at FROM sessions WHERE sid_hash=?", (_sha256(sid),)
            ).fetchone()
        if row is None or row["expires_at"] < time.time():
            return None
        return str(row["user"])

    def close(self, sid: str) -> None:
        """End one session (logout)."""
        with connect(self.path) as db:
            db.execute("DELETE FROM sessions WHERE sid_hash=?", (_sha256(sid),))

    def close_all(self, user: str) -> int:
        """End every session of ``user`` (password change, disabling); how many there were."""
        with connect(self.path) as db:
            return db.execute("DELETE FROM sessions WHERE user=?", (user,)).rowcount


@dataclass(frozen=True)
class ApiToken:
    """A token as listed (never its secret)."""

    id: str
    user: str
    role: str
    label: str
    created_at: str
    last_used_at: str | None


@dataclass(frozen=True)
class NewToken:
    """A token just created: the only time its full value exists outside the client."""

    token: ApiToken
    value: str


def parse_bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    if not header or header[:7].lower() != "bearer ":
        return None
    return header[7:].strip() or None


class TokenStore:
    """Per-user API tokens."""

    def __init__(self, path: Path) -> None:
        """Use the database at ``path``."""
        self.path = path

    def create(self, user: str, *, role: str, label: str = "") -> NewToken:
        """A new token of ``user`` with ``role`` (the caller checked it is not above the user's)."""
        if len(label) > 100:
            raise InputError("a token label has at most 100 characters")
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        created = _now_iso()
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO tokens(id, user, secret_hash, role, label, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, user, _sha256(secret), role, label, created),
            )
        return NewToken(ApiToken(token_id, user, role, label, created, None), f"sohoa_{token_id}_{secret}")

    def verify(self, value: str) -> ApiToken | None:
        """The token ``value`` names if its secret is right, else None (constant-time comparison)."""
        m = _TOKEN.match(value)
        if m is None:
            return None
        token_id, secret = m.groups()
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM tokens WHERE id=?", (token_id,)).fetchone()
        expected = row["secret_hash"] if row else _sha256("")
        if not hmac.compare_digest(expected, _sha256(secret)) or row is None:
            return None
        token = _token(row)
        if not token.last_used_at or token.last_used_at[:16] != _now_iso()[:16]:
            # At most one write a minute per token: API load stays read-only.
            with connect(self.path) as db:
                db.execute("UPDATE tokens SET last_used_at=? WHERE id=?", (_now_iso(), token_id))
        return token

    def list(self, user: str) -> list[ApiToken]:
        """The tokens of ``user``, newest first."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT * FROM tokens WHERE user=? ORDER BY created_at DESC, id", (user,)
            ).fetchall()
        return [_token(r) for r in rows]

    def revoke(self, user: str, token_id: str | None = None) -> int:
        """Revoke one token of ``user`` (``token_id``) or all of them; how many were revoked."""
        with connect(self.path) as db:
            if token_id is None:
                return db.execute("DELETE FROM tokens WHERE user=?", (user,)).rowcount
            return db.execute("DELETE FROM tokens WHERE user=? AND id=?", (user, token_id)).rowcount


def _token(r: sqlite3.Row) -> ApiToken:
    return ApiToken(r["id"], r["user"], r["role"], r["label"], r["created_at"], r["last_used_at"])
