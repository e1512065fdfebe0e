"""The web app's SQLite database (users, sessions, API tokens, audit log): one file, a connection per thread.

One connection per thread keeps it safe across the server's threads without a shared lock; WAL mode lets
readers (the audit page) run while a writer appends.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["connect"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    clearance TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    ip TEXT,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    sid_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens(user);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE INDEX IF NOT EXISTS audit_user ON audit(user, id);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action, id);
-- The audit log is append-only: the database itself refuses to change or remove a row.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

_initialized: set[Path] = set()
_local = threading.local()


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10.0)
    conn.row_factory = sqlite3.Row
    # WAL with synchronous=NORMAL: a commit is durable once the app returns, across crashes of the app;
    # only an OS crash or power cut can lose the last commits (never corrupt the file). FULL would fsync
    # every audit row (about 30 ms here), which serializes every request behind the disk.
    conn.execute("PRAGMA synchronous=NORMAL")
    if path not in _initialized:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        _initialized.add(path)
    return conn


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the database at ``path`` (schema created on first use); commits on success.

    Each server thread keeps one connection per database (opening one costs about a millisecond, and
    requests run on a small pool of threads); a transaction is the ``with`` block.
    """
    if path not in _initialized:
        path.parent.mkdir(parents=True, exist_ok=True)
    conns: dict[Path, sqlite3.Connection] = getattr(_local, "conns", None) or {}
    _local.conns = conns
    conn = conns.get(path)
    if conn is None or path not in _initialized:
        conn = conns[path] = _open(path)
    try:
        with conn:
            yield conn
    except sqlite3.ProgrammingError:
        conns.pop(path, None)  # a closed connection: the next call opens a fresh one
        raise
