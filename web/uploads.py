"""Checking and staging an upload before any of it reaches storage.

An upload is many scans, or zips of scans, plus an optional manifest CSV. Everything is written to a
work folder first. Only what cannot be a batch at all is refused: more than ``web.max_upload_mb``, or a
zip whose entries use ``..``, absolute paths or links or that unpacks to too much (a zip like that
cannot be trusted). Every other file goes into the batch, where the flow reports a bad one per file,
exactly as the CLI does.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pipeline.batch import MANIFEST_NAMES, list_folder, parse_manifest, safe_extract_zip
from sohoa.errors import InputError
from sohoa.model.filetypes import CSV, KINDS, kind_of

__all__ = [
    "ALLOWED_SUFFIXES",
    "ReceivedFile",
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
class ReceivedFile:
    """One file as received: where it went in the batch and what its first bytes look like.

    ``kind`` is only a first look (None: not a scan type we know); the flow's sniffing decides, and the
    batch report says what became of the file.
    """

    name: str
    path: str
    bytes: int
    kind: str | None
    renamed: bool = False
    members: int = 0


@dataclass(frozen=True)
class StagedUpload:
    """An upload checked and laid out in a work folder, ready to copy to storage."""

    root: Path
    files: list[tuple[str, Path]]
    manifest_rows: int | None
    total_bytes: int
    received: list[ReceivedFile] = field(default_factory=list)

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


def _safe_rel(name: str, index: int) -> tuple[str, bool]:
    """A usable path for a file name as sent, and whether it had to be changed."""
    try:
        return clean_name(name), False
    except InputError:
        # A name with "..", an absolute path or a hidden part: keep the file under its plain name.
        base = PurePosixPath(name.replace("\\", "/")).name.lstrip(".").strip()
        return (base or f"file-{index + 1}"), True


def _free_path(root: Path, rel: str) -> str:
    """``rel``, or ``name~2.ext``, ``name~3.ext``... when a file of that path is already in the batch."""
    if not (root / rel).exists():
        return rel
    pure = PurePosixPath(rel)
    n = 2
    while (root / (candidate := str(pure.with_name(f"{pure.stem}~{n}{pure.suffix}")))).exists():
        n += 1
    return candidate


def stage_upload(
    files: Iterable[tuple[str, BinaryIO]],
    workdir: Path,
    *,
    max_bytes: int,
    manifest: tuple[str, BinaryIO] | None = None,
) -> StagedUpload:
    """Write an upload into ``workdir/batch``, refusing only what cannot be a batch at all.

    Every file goes into the batch, whatever its type or content: the flow sniffs each one and reports
    a bad file (empty, not a scan, damaged) with the same error type and message as ``sohoa ingest``,
    while the rest is ingested. Refused outright: more bytes than ``max_bytes``, a zip that is unsafe
    (paths leaving the archive, links, a zip bomb), a manifest over 10 MB, or no file at all.

    Args:
        files: ``(file name as sent, readable stream)`` of each uploaded file.
        workdir: An empty private work folder.
        max_bytes: Largest total size accepted (uploaded bytes and, separately, unpacked zip bytes).
        manifest: The manifest CSV uploaded on its own, if any (it wins over one inside a zip).

    Returns:
        The staged files (``path inside the batch``, local path) with the manifest as ``manifest.csv``,
        and what happened to each file received.

    Raises:
        UploadTooLargeError: over ``max_bytes``.
        InputError: an unsafe zip, an oversized manifest, or no files.
    """
    root = workdir / "batch"
    incoming = workdir / "incoming"
    root.mkdir(parents=True)
    incoming.mkdir()
    budget = max_bytes
    zips: list[tuple[str, Path, int]] = []
    received: list[ReceivedFile] = []
    for i, (name, stream) in enumerate(files):
        rel, renamed = _safe_rel(name, i)
        suffix = PurePosixPath(rel).suffix.lower()
        if manifest is None and (PurePosixPath(rel).name in MANIFEST_NAMES or suffix == ".csv"):
            manifest = (rel, stream)
            continue
        tmp = incoming / f"{i:05d}{suffix}"
        size = _copy_limited(stream, tmp, budget)
        budget -= size
        with tmp.open("rb") as f:
            kind = sniff_kind(f.read(16))
        if kind == "zip" and suffix == ".zip" and zipfile.is_zipfile(tmp):
            zips.append((rel, tmp, size))
            continue
        target = _free_path(root, rel)
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        tmp.replace(root / target)
        received.append(ReceivedFile(name, target, size, kind, renamed or target != rel))
    for rel, archive, size in zips:
        _check_zip_size(rel, archive, max_bytes)
        unpacked = incoming / f"{archive.stem}-unpacked"
        try:
            safe_extract_zip(archive, unpacked)
        except InputError as e:
            raise InputError(f"{rel}: {e.message}") from e
        received.append(ReceivedFile(rel, rel, size, "zip", False, _merge(unpacked, root)))
    rows = None
    if manifest is not None:
        m_name, m_stream = manifest
        data = m_stream.read(10 * _CHUNK + 1)
        if len(data) > 10 * _CHUNK:
            raise InputError(f"{m_name}: a manifest larger than 10 MB is not accepted")
        for name in MANIFEST_NAMES:
            (root / name).unlink(missing_ok=True)
        (root / "manifest.csv").write_bytes(data)
    if (found := next((root / n for n in MANIFEST_NAMES if (root / n).is_file()), None)) is not None:
        try:
            rows = len(parse_manifest(found.read_bytes(), name=found.name))
        except InputError:
            rows = None  # the flow reports the manifest's problem in the batch report, like the CLI
    staged = [(item.name, item.path) for item in list_folder(root)]
    if not staged:
        raise InputError("the upload holds no files to digitize")
    for name in MANIFEST_NAMES:
        if (root / name).is_file():
            staged.append((name, root / name))
    total = sum(p.stat().st_size for _, p in staged)
    return StagedUpload(root, staged, rows, total, received)


def _check_zip_size(rel: str, archive: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            unpacked = sum(m.file_size for m in zf.infolist())
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{rel}: not a readable zip archive ({e})") from e
    if unpacked > max_bytes:
        raise UploadTooLargeError(f"{rel}: unpacks to {unpacked:,} bytes, more than the upload limit")


def _merge(unpacked: Path, root: Path) -> int:
    """Move a zip's files to the top of the batch (so its manifest is the batch's manifest); how many."""
    moved = 0
    for p in sorted(unpacked.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue
        target = _free_path(root, p.relative_to(unpacked).as_posix())
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        p.replace(root / target)
        moved += 1
    return moved
