"""The audit log: who signed in, searched, viewed, downloaded and uploaded what, and when.

Append-only by construction: this module has no update or delete, and triggers in the database refuse
both (see ``web._db``). Rows are written before the response is sent, so an action whose audit row
could not be written fails instead of going unrecorded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from web._db import connect

__all__ = ["Action", "AuditEntry", "AuditLog"]


class Action(StrEnum):
    """What was done."""

    LOGIN = "login"
    LOGOUT = "logout"
    SEARCH = "search"
    VIEW = "view"
    DOWNLOAD = "download"
    UPLOAD = "upload"
    DENIED = "denied"
    DOSSIER = "dossier"
    DISPOSAL = "disposal"
    TOKEN_CREATE = "token_create"
    TOKEN_REVOKE = "token_revoke"
    PASSWORD = "password"
    USER_DISABLE = "user_disable"
    BATCH_RETRY = "batch_retry"
    BATCH_CANCEL = "batch_cancel"
    EXPORT = "export"
    SPLIT = "split"
    CORRECT = "correct"
    APPROVE = "approve"
    BULK_EDIT = "bulk_edit"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the log."""

    id: int
    at: str
    user: str | None
    action: str
    target: str | None
    outcome: str
    ip: str | None
    detail: dict[str, Any]


class AuditLog:
    """The audit table of the SQLite database at ``path``."""

    def __init__(self, path: Path) -> None:
        """Use (and create on first use) the database at ``path``."""
        self.path = path
        # One appender at a time in this process: waiting here wakes at once, where SQLite's own busy
        # handler sleeps 1, 2, 5, 10 ... ms between tries when the request threads append together.
        self._append = threading.Lock()

    def record(
        self,
        action: Action,
        *,
        user: str | None,
        target: str | None = None,
        outcome: str = "ok",
        ip: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry (UTC time stamped here)."""
        with self._append, connect(self.path) as db:
            db.execute(
                "INSERT INTO audit(at, user, action, target, outcome, ip, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="milliseconds"),
                    user,
                    action.value,
                    target,
                    outcome,
                    ip,
                    json.dumps(detail or {}, ensure_ascii=False, default=str),
                ),
            )

    def entries(
        self,
        *,
        user: str | None = None,
        action: str | None = None,
        before: int | None = None,
        limit: int = 100,
        since: str | None = None,
        until: str | None = None,
    ) -> list[AuditEntry]:
        """The newest entries first, optionally of one user or action, older than id ``before``.

        ``since`` (inclusive) and ``until`` (exclusive) are UTC ISO times bounding ``at``.
        """
        where: list[str] = []
        args: list[object] = []
        if user:
            where.append("user = ?")
            args.append(user)
        if action:
            where.append("action = ?")
            args.append(action)
        if before is not None:
            where.append("id < ?")
            args.append(before)
        if since:
            where.append("at >= ?")
            args.append(since)
        if until:
            where.append("at < ?")
            args.append(until)
        sql = (
            "SELECT * FROM audit"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY id DESC LIMIT ?"
        )
        with connect(self.path) as db:
            rows = db.execute(sql, [*args, max(1, min(limit, 100_000))]).fetchall()
        return [
            AuditEntry(
                id=r["id"],
                at=r["at"],
                user=r["user"],
                action=r["action"],
                target=r["target"],
                outcome=r["outcome"],
                ip=r["ip"],
                detail=json.loads(r["detail"] or "{}"),
            )
            for r in rows
        ]
