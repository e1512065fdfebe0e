"""SHA-256, the content address of every original: the one place it is computed.

Files and streams are read in 1 MiB chunks, so an original of any size is hashed in constant memory.
This module imports nothing of sohoa's packages, so every layer may use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = ["CHUNK", "Digest", "sha256_bytes", "sha256_chunks", "sha256_file"]

CHUNK = 1 << 20


class Digest(NamedTuple):
    """The SHA-256 (lowercase hex) and byte count of some content."""

    sha256: str
    size: int


def sha256_chunks(chunks: Iterable[bytes]) -> Digest:
    """Hash a stream of byte chunks (a download, a MinIO response)."""
    h = hashlib.sha256()
    size = 0
    for chunk in chunks:
        h.update(chunk)
        size += len(chunk)
    return Digest(h.hexdigest(), size)


def sha256_file(path: Path) -> Digest:
    """Hash a local file, streamed."""
    with path.open("rb") as f:
        return sha256_chunks(iter(lambda: f.read(CHUNK), b""))


def sha256_bytes(data: bytes) -> str:
    """The hex SHA-256 of bytes in memory."""
    return hashlib.sha256(data).hexdigest()
