"""Checking and staging an upload before any of it reaches storage.

An upload is many scans, or zips of scans, plus an optional manifest CSV. Everything is written to a
work folder first and checked there: the total size against ``web.max_upload_mb``, each file's type by
its first bytes (not its name), zip entries against ``..``, absolute paths and links (the whole upload is
refused: a zip like that cannot be trusted), and the manifest is parsed so a bad one is refused at once
instead of failing the batch later.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pipeline.batch import MANIFEST_NAMES, list_folder, parse_manifest, safe_extract_zip
from sohoa.errors import InputError
from sohoa.model.filetypes import CSV, KINDS, kind_of

__all__ = [
    "ALLOWED_SUFFIXES",
    "StagedUpload",
    "UploadTooLargeError",
    "clean_name",
    "sniff_kind",
    "stage_upload",
]

#: file name endings accepted in an upload (scans, zips of scans; the manifest is handled on its own)
ALLOWED_SUFFIXES = frozenset(e for k in KINDS if k.upload and k is not CSV for e in k.extensions)
_CHUNK = 1024 * 1024


class UploadTooLargeError(InputError):
    """The upload is larger than ``web.max_upload_mb``."""


@dataclass(frozen=True)
class StagedUpload:
    """An upload checked and laid out in a work folder, ready to copy to storage."""

    root: Path
    files: list[tuple[str, Path]]
    manifest_rows: int | None
    total_bytes: int

    @property
    def documents(self) -> int:
        """How many files besides the manifest."""
        return sum(1 for rel, _ in self.files if rel not in MANIFEST_NAMES)


def clean_name(name: str) -> str:
    """A safe relative path for an uploaded file name (browsers may send ``folder/file.pdf``).

    Raises:
        InputError: the name is empty, absolute, or climbs out with ``..``.
    """
    posix = name.replace("\\", "/").strip()
    pure = PurePosixPath(posix)
    if not posix or posix.startswith("/") or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise InputError(f"file name {name!r} is not allowed (absolute path or '..')")
    parts = [p for p in pure.parts if p not in ("", ".")]
    if not parts or any(p.startswith(".") for p in parts):
        raise InputError(f"file name {name!r} is not allowed (empty or hidden)")
    return "/".join(parts)


def sniff_kind(head: bytes) -> str | None:
    """``pdf``, ``png``, ``jpeg``, ``tiff`` or ``zip`` from a file's first bytes, or None."""
    kind = kind_of(head, tuple(k for k in KINDS if k.upload and k.magic))
    return kind.name if kind else None


def _copy_limited(src: BinaryIO, dest: Path, budget: int) -> int:
    """Copy src to dest, raising UploadTooLargeError as soon as ``budget`` bytes are exceeded."""
    written = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise UploadTooLargeError("the upload is larger than the limit")
            out.write(chunk)
    return written


def stage_upload(
    files: Iterable[tuple[str, BinaryIO]],
    workdir: Path,
    *,
    max_bytes: int,
    manifest: tuple[str, BinaryIO] | None = None,
) -> StagedUpload:
    """Write an upload into ``workdir/batch`` and check it.

    Args:
        files: ``(file name as sent, readable stream)`` of each uploaded file.
        workdir: An empty private work folder.
        max_bytes: Largest total size accepted (uploaded bytes and, separately, unpacked zip bytes).
        manifest: The manifest CSV uploaded on its own, if any (it wins over one inside a zip).

    Returns:
        The staged files (``path inside the batch``, local path) with the manifest as ``manifest.csv``.

    Raises:
        UploadTooLargeError: over ``max_bytes``.
        InputError: a file type, file name, zip entry or manifest that cannot be accepted, or no files.
    """
    root = workdir / "batch"
    incoming = workdir / "incoming"
    root.mkdir(parents=True)
    incoming.mkdir()
    budget = max_bytes
    zips: list[tuple[str, Path]] = []
    direct: list[str] = []
    for i, (name, stream) in enumerate(files):
        rel = clean_name(name)
        suffix = PurePosixPath(rel).suffix.lower()
        if PurePosixPath(rel).name in MANIFEST_NAMES or suffix == ".csv":
            if manifest is None:
                manifest = (rel, stream)
                continue
            raise InputError(f"{rel}: only one manifest CSV per upload")
        if suffix not in ALLOWED_SUFFIXES:
            raise InputError(
                f"{rel}: type {suffix or '(none)'} is not accepted (PDF, PNG, JPEG, TIFF or ZIP)"
            )
        tmp = incoming / f"{i:05d}{suffix}"
        budget -= _copy_limited(stream, tmp, budget)
        with tmp.open("rb") as f:
            kind = kind_of(f.read(1024))
        if kind is None or suffix not in kind.extensions:
            raise InputError(f"{rel}: the content is not a {suffix[1:].upper()} file")
        if kind.name == "zip":
            zips.append((rel, tmp))
            continue
        target = root / rel
        if target.exists():
            raise InputError(f"{rel}: uploaded twice")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.replace(target)
        direct.append(rel)
    for rel, archive in zips:
        _check_zip_size(rel, archive, max_bytes)
        unpacked = incoming / f"{archive.stem}-unpacked"
        try:
            safe_extract_zip(archive, unpacked)
        except InputError as e:
            raise InputError(f"{rel}: {e.message}") from e
        _merge(unpacked, root, rel)
    rows = None
    if manifest is not None:
        m_name, m_stream = manifest
        data = m_stream.read(10 * _CHUNK + 1)
        if len(data) > 10 * _CHUNK:
            raise InputError(f"{clean_name(m_name)}: a manifest larger than 10 MB is not accepted")
        rows = len(parse_manifest(data, name=clean_name(m_name)))
        for name in MANIFEST_NAMES:
            (root / name).unlink(missing_ok=True)
        (root / "manifest.csv").write_bytes(data)
    elif (found := next((root / n for n in MANIFEST_NAMES if (root / n).is_file()), None)) is not None:
        rows = len(parse_manifest(found.read_bytes(), name=found.name))
    staged = [(item.name, item.path) for item in list_folder(root)]
    if not staged:
        raise InputError("the upload holds no files to digitize")
    for name in MANIFEST_NAMES:
        if (root / name).is_file():
            staged.append((name, root / name))
    total = sum(p.stat().st_size for _, p in staged)
    return StagedUpload(root, staged, rows, total)


def _check_zip_size(rel: str, archive: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            unpacked = sum(m.file_size for m in zf.infolist())
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{rel}: not a readable zip archive ({e})") from e
    if unpacked > max_bytes:
        raise UploadTooLargeError(f"{rel}: unpacks to {unpacked:,} bytes, more than the upload limit")


def _merge(unpacked: Path, root: Path, rel: str) -> None:
    """Move a zip's files to the top of the batch (so its manifest is the batch's manifest)."""
    for p in sorted(unpacked.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue
        target = root / p.relative_to(unpacked)
        if target.exists():
            raise InputError(
                f"{rel}: {p.relative_to(unpacked).as_posix()} is also in another part of the upload"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        p.replace(target)
