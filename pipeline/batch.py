"""A batch's files and manifest: finding them, unpacking zips safely, reconciling what arrived.

Pure stage functions over local paths; the flow hands them a work folder. Nothing here talks to a service:
a MinIO prefix is downloaded into the work folder by the flow first.
"""

from __future__ import annotations

import csv
import io
import logging
import stat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from sohoa.errors import InputError, ManifestError
from sohoa.model.document import AccessLevel
from sohoa.model.report import FileResult, Reconciliation
from sohoa.text import fold

__all__ = [
    "BatchItem",
    "ManifestRow",
    "find_manifest",
    "list_folder",
    "parse_manifest",
    "reconcile",
    "safe_extract_zip",
]

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("manifest.csv", "MANIFEST.csv", "Manifest.csv")
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
MAX_ZIP_MEMBERS = 50_000
MAX_ZIP_RATIO = 200  # bytes out per byte in; scans compress far less than that
MAX_ZIP_TOTAL = 50 * 1024**3

# Header aliases, Vietnamese and English, compared folded and lowercase.
_COLUMNS = {
    "file": ("file", "path", "filename", "ten_tep", "tep", "tap_tin"),
    "dossier_code": ("dossier_code", "dossier", "ma_ho_so", "mahoso", "ho_so"),
    "expected_pages": ("expected_pages", "pages", "page_count", "so_trang", "sotrang"),
    "access_level": ("access_level", "access", "muc_truy_cap", "do_mat", "level"),
    "notes": ("notes", "note", "ghi_chu", "ghichu"),
}
_ACCESS_ALIASES = {
    "public": AccessLevel.PUBLIC,
    "cong khai": AccessLevel.PUBLIC,
    "internal": AccessLevel.INTERNAL,
    "noi bo": AccessLevel.INTERNAL,
    "confidential": AccessLevel.CONFIDENTIAL,
    "mat": AccessLevel.CONFIDENTIAL,
    "toi mat": AccessLevel.CONFIDENTIAL,
    "tuyet mat": AccessLevel.CONFIDENTIAL,
}


@dataclass(frozen=True)
class ManifestRow:
    """What the manifest says about one file."""

    file: str
    dossier_code: str | None = None
    expected_pages: int | None = None
    access_level: AccessLevel | None = None
    notes: str | None = None


@dataclass(frozen=True)
class BatchItem:
    """One file of a batch: its name inside the batch and where it is on disk now."""

    name: str
    path: Path
    manifest: ManifestRow | None = field(default=None)
    #: why the file could not be unpacked (a damaged zip member); the file is then refused with it
    damaged: str | None = None


def list_folder(root: Path, *, links: bool = False) -> list[BatchItem]:
    """Every regular file under root (recursively), in name order, minus the manifest and OS clutter.

    Symbolic links are never followed; with ``links=True`` they are listed too, so that a batch can report
    them as refused instead of passing over them in silence.
    """
    items = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(rel).parts) or p.name in IGNORED_NAMES:
            continue
        if p.is_symlink():
            if links:
                items.append(BatchItem(name=rel, path=p))
            continue
        if not p.is_file() or p.name in MANIFEST_NAMES:
            continue
        items.append(BatchItem(name=rel, path=p))
    return items


def safe_extract_zip(archive: Path, dest: Path) -> list[BatchItem]:
    """Unpack a zip into dest, refusing absolute paths, ``..``, links and zip bombs.

    Raises:
        InputError: the archive is unreadable or unsafe (the whole batch is refused).
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{archive.name}: not a readable zip archive ({e})") from e
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise InputError(
                f"{archive.name}: {len(members)} entries is more than the limit of {MAX_ZIP_MEMBERS}"
            )
        total = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if total > MAX_ZIP_TOTAL or total / packed > MAX_ZIP_RATIO:
            raise InputError(
                f"{archive.name}: unpacks to {total:,} bytes from {packed:,} (a zip bomb?); refused"
            )
        for m in members:
            name = m.filename.replace("\\", "/")
            pure = PurePosixPath(name)
            if name.startswith("/") or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
                raise InputError(f"{archive.name}: entry {m.filename!r} points outside the archive; refused")
            if stat.S_ISLNK(m.external_attr >> 16):
                raise InputError(f"{archive.name}: entry {m.filename!r} is a symbolic link; refused")
        dest.mkdir(parents=True, exist_ok=True)
        damaged: dict[str, str] = {}
        for m in members:
            target = dest / PurePosixPath(m.filename.replace("\\", "/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(m) as src, target.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                zlib.error,
                NotImplementedError,
                RuntimeError,
            ) as e:
                # A damaged (or password-protected) member is that file's problem, reported like any bad file.
                log.warning("zip %s: member %s is damaged: %s", archive.name, m.filename, e)
                target.write_bytes(b"")
                damaged[target.relative_to(dest).as_posix()] = f"{type(e).__name__}: {e}"
    return [replace(i, damaged=damaged.get(i.name)) for i in list_folder(dest)]


def find_manifest(root: Path) -> Path | None:
    """The manifest at the top of a batch folder, if there is one."""
    for name in MANIFEST_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def parse_manifest(data: bytes, *, name: str = "manifest.csv") -> list[ManifestRow]:
    """Read a manifest CSV (UTF-8, with or without BOM; comma or semicolon).

    Columns (Vietnamese aliases accepted): file, dossier_code, expected_pages, access_level, notes.

    Raises:
        ManifestError: unreadable, no ``file`` column, or a value that cannot be understood (with its line).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ManifestError(f"{name}: not UTF-8 text (save it as CSV UTF-8)") from e
    if not text.strip():
        raise ManifestError(f"{name}: empty manifest")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [fold(h).strip().replace(" ", "_") for h in next(reader)]
    index: dict[str, int] = {}
    for key, aliases in _COLUMNS.items():
        for i, h in enumerate(header):
            if h in aliases:
                index[key] = i
                break
    if "file" not in index:
        raise ManifestError(f"{name}: no 'file' column (found: {', '.join(header)})")
    rows: list[ManifestRow] = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str | None:
            i = index.get(key)
            value = cells[i].strip() if i is not None and i < len(cells) else ""
            return value or None

        file_name = cell("file")
        if file_name is None:
            raise ManifestError(f"{name}, line {line_no}: the file name is empty")
        pages = cell("expected_pages")
        if pages is not None and not pages.isdigit():
            raise ManifestError(f"{name}, line {line_no}: expected pages {pages!r} is not a whole number")
        level = cell("access_level")
        access = None
        if level is not None:
            access = _ACCESS_ALIASES.get(fold(level).strip())
            if access is None:
                raise ManifestError(
                    f"{name}, line {line_no}: access level {level!r} "
                    "is not one of public, internal, confidential"
                )
        rows.append(
            ManifestRow(
                file=file_name.replace("\\", "/").lstrip("./"),
                dossier_code=cell("dossier_code"),
                expected_pages=int(pages) if pages is not None else None,
                access_level=access,
                notes=cell("notes"),
            )
        )
    return rows


def attach_manifest(items: Iterable[BatchItem], rows: Iterable[ManifestRow]) -> list[BatchItem]:
    """Items with their manifest rows (matched by path inside the batch, then by bare file name)."""
    by_path = {r.file: r for r in rows}
    by_name = {PurePosixPath(r.file).name: r for r in by_path.values()}
    out = []
    for item in items:
        row = by_path.get(item.name) or by_name.get(PurePosixPath(item.name).name)
        out.append(replace(item, manifest=row))
    return out


def reconcile(
    rows: list[ManifestRow] | None, results: list[FileResult], *, manifest_name: str | None
) -> Reconciliation:
    """Compare the manifest with what arrived: missing files, unexpected files, page-count mismatches."""
    if rows is None:
        return Reconciliation(manifest=None)
    arrived = {r.path for r in results}
    arrived_names = {PurePosixPath(p).name for p in arrived}
    listed = {r.file for r in rows}
    listed_names = {PurePosixPath(f).name for f in listed}
    missing = sorted(f for f in listed if f not in arrived and PurePosixPath(f).name not in arrived_names)
    unexpected = sorted(p for p in arrived if p not in listed and PurePosixPath(p).name not in listed_names)
    expected = {PurePosixPath(r.file).name: r.expected_pages for r in rows if r.expected_pages is not None}
    mismatches: list[dict[str, object]] = []
    for res in results:
        want = expected.get(PurePosixPath(res.path).name)
        if want is not None and res.error is None and res.pages != want:
            mismatches.append({"path": res.path, "expected": want, "found": res.pages})
    return Reconciliation(
        manifest=manifest_name, missing_files=missing, unexpected_files=unexpected, page_mismatches=mismatches
    )
