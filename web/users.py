"""Users, their roles and clearances, with argon2id password hashes, in the web app's SQLite database.

Roles (what a user may do): ``clerk`` searches and views documents; ``staff`` (archive staff) also uploads
batches and follows them; ``admin`` can do everything and reads the audit log. The clearance (what a user
may see) is the most restricted access level they are cleared for, independent of the role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from sohoa.errors import InputError
from sohoa.model.document import AccessLevel
from web._db import connect

__all__ = ["Permission", "Role", "User", "UserStore", "default_clearance", "role_at_most"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("sohoa-timing-equalizer")


class Role(StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    STAFF = "staff"
    CLERK = "clerk"


class Permission(StrEnum):
    """One capability a route needs."""

    SEARCH = "search"
    UPLOAD = "upload"
    AUDIT = "audit"
    USERS = "users"
    REVIEW = "review"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.STAFF: frozenset({Permission.SEARCH, Permission.UPLOAD, Permission.REVIEW}),
    Role.CLERK: frozenset({Permission.SEARCH}),
}


def role_at_most(role: Role, limit: Role) -> Role:
    """``role`` if it grants nothing ``limit`` does not, else ``limit`` (a token never exceeds its user)."""
    return role if _GRANTS[role] <= _GRANTS[limit] else limit


def default_clearance(role: Role) -> AccessLevel:
    """The clearance a new user gets unless one is given: confidential for admins, internal otherwise."""
    return AccessLevel.CONFIDENTIAL if role is Role.ADMIN else AccessLevel.INTERNAL


@dataclass(frozen=True)
class User:
    """A signed-in user."""

    name: str
    role: Role
    clearance: AccessLevel

    def can(self, permission: Permission) -> bool:
        """Whether the role grants ``permission``."""
        return permission in _GRANTS[self.role]

    @property
    def access_levels(self) -> list[AccessLevel]:
        """Every access level up to the clearance (what the search filter lets through)."""
        return [a for a in AccessLevel if a.rank <= self.clearance.rank]

    def may_see(self, level: AccessLevel | str) -> bool:
        """Whether a document of this access level is visible to the user."""
        return AccessLevel(level).rank <= self.clearance.rank


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(
            f"user name {name!r} is not valid: use 1-64 letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit"
        )
    return name


class UserStore:
    """Users in the SQLite database at ``path``."""

    def __init__(self, path: Path) -> None:
        """Use (and create on first use) the database at ``path``."""
        self.path = path

    def add(self, name: str, password: str, *, role: Role, clearance: AccessLevel | None = None) -> User:
        """Create a user, or reset an existing user's password, role and clearance.

        Raises:
            InputError: the name is not valid or the password is shorter than 10 characters.
        """
        _check_name(name)
        if len(password) < _MIN_PASSWORD:
            raise InputError(f"the password must have at least {_MIN_PASSWORD} characters")
        level = clearance or default_clearance(role)
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO users(name, password_hash, role, clearance, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET password_hash=excluded.password_hash, role=excluded.role, "
                "clearance=excluded.clearance, disabled=0",
                (name, _hasher.hash(password), role.value, level.value, datetime.now(UTC).isoformat()),
            )
            # A reset password (or role) ends every open session of the user, in the same transaction.
            db.execute("DELETE FROM sessions WHERE user=?", (name,))
        return User(name, role, level)

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password and end all their sessions.

        Raises:
            InputError: the password is shorter than 10 characters or there is no such user.
        """
        if len(password) < _MIN_PASSWORD:
            raise InputError(f"the password must have at least {_MIN_PASSWORD} characters")
        with connect(self.path) as db:
            changed = db.execute(
                "UPDATE users SET password_hash=? WHERE name=?", (_hasher.hash(password), name)
            ).rowcount
            db.execute("DELETE FROM sessions WHERE user=?", (name,))
        if not changed:
            raise InputError(f"no user {name!r}")

    def credential(self, name: str) -> tuple[User, str] | None:
        """An enabled user and their stored password hash (to check a cached credential), or None."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT password_hash, role, clearance FROM users WHERE name=? AND disabled=0", (name,)
            ).fetchone()
        if row is None:
            return None
        return User(name, Role(row["role"]), AccessLevel(row["clearance"])), str(row["password_hash"])

    def get(self, name: str) -> User | None:
        """An enabled user by name, or None."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT role, clearance FROM users WHERE name=? AND disabled=0", (name,)
            ).fetchone()
        return User(name, Role(row["role"]), AccessLevel(row["clearance"])) if row else None

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is right (rehashing it when argon2's parameters changed), else None."""
        found = self.verify(name, password)
        return found[0] if found else None

    def verify(self, name: str, password: str) -> tuple[User, str] | None:
        """The user and the hash the password was verified against, or None."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT password_hash, role, clearance FROM users WHERE name=? AND disabled=0", (name,)
            ).fetchone()
        stored = row["password_hash"] if row else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(stored):
            stored = _hasher.hash(password)
            with connect(self.path) as db:
                db.execute("UPDATE users SET password_hash=? WHERE name=?", (stored, name))
        return User(name, Role(row["role"]), AccessLevel(row["clearance"])), stored

    def disable(self, name: str) -> bool:
        """Stop a user from signing in and end their sessions (the audit trail stays); False if unknown."""
        with connect(self.path) as db:
            db.execute("DELETE FROM sessions WHERE user=?", (name,))
            return db.execute("UPDATE users SET disabled=1 WHERE name=?", (name,)).rowcount > 0

    def list(self) -> list[dict[str, object]]:
        """Every user with role, clearance, creation time and whether disabled (no hashes)."""
        with connect(self.path) as db:
            rows = db.execute("SELECT name, role, clearance, created_at, disabled FROM users ORDER BY name")
            return [dict(r) for r in rows]
