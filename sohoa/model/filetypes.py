"""The one table of file kinds sohoa knows: media type, file name endings and magic bytes.

Sniffing (``ocr.sniff``), upload checks (``web.uploads``), staging and storage content types
(``storage.objects``, ``web.backend``) all read this table, so a kind added here is accepted, stored and
served the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

__all__ = [
    "CSV",
    "JPEG",
    "JSON",
    "KINDS",
    "PDF",
    "PNG",
    "SCANS",
    "TIFF",
    "ZIP",
    "FileKind",
    "content_type",
    "kind_of",
    "kind_of_name",
    "scan_names",
]


@dataclass(frozen=True)
class FileKind:
    """One kind of file.

    Attributes:
        name: Short name (``pdf``, ``tiff``).
        media_type: The IANA media type stored with the object.
        extensions: Lowercase name endings, the first one preferred.
        magic: Byte signatures that start the content (empty: recognized by name only).
        magic_within: How far into the content a signature may start (PDFs may have a preamble).
        scan: Whether sohoa OCRs this kind.
        upload: Whether an upload may contain this kind (scans, zips of scans, the manifest).
    """

    name: str
    media_type: str
    extensions: tuple[str, ...]
    magic: tuple[bytes, ...] = ()
    magic_within: int = 0
    scan: bool = False
    upload: bool = False

    def matches(self, head: bytes) -> bool:
        """Whether ``head`` (the first bytes of a file) carries one of this kind's signatures."""
        if self.magic_within:
            return any(m in head[: self.magic_within + len(m)] for m in self.magic)
        return any(head.startswith(m) for m in self.magic)


PDF = FileKind("pdf", "application/pdf", (".pdf",), (b"%PDF-",), magic_within=1024, scan=True, upload=True)
PNG = FileKind("png", "image/png", (".png",), (b"\x89PNG\r\n\x1a\n",), scan=True, upload=True)
JPEG = FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg", ".jpe"), (b"\xff\xd8\xff",), scan=True, upload=True)
TIFF = FileKind(
    "tiff",
    "image/tiff",
    (".tif", ".tiff"),
    (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"),  # classic and BigTIFF, both byte orders
    scan=True,
    upload=True,
)
ZIP = FileKind("zip", "application/zip", (".zip",), (b"PK\x03\x04",), upload=True)
CSV = FileKind("csv", "text/csv", (".csv",), upload=True)
JSON = FileKind("json", "application/json", (".json",))

KINDS: tuple[FileKind, ...] = (PDF, PNG, JPEG, TIFF, ZIP, CSV, JSON)
SCANS: tuple[FileKind, ...] = tuple(k for k in KINDS if k.scan)
_BY_EXTENSION = {ext: k for k in KINDS for ext in k.extensions}


def kind_of(head: bytes, kinds: tuple[FileKind, ...] = KINDS) -> FileKind | None:
    """The kind whose signature ``head`` starts with, or None.

    Signatures at the very start win over ones found further in (a zip of stored PDFs is a zip).
    """
    ordered = sorted((k for k in kinds if k.magic), key=lambda k: k.magic_within)
    return next((k for k in ordered if k.matches(head)), None)


def kind_of_name(name: str | PurePath) -> FileKind | None:
    """The kind a file name's ending claims (never trusted for content; used for types and checks)."""
    return _BY_EXTENSION.get(PurePath(name).suffix.lower())


def content_type(name: str | PurePath, default: str = "application/octet-stream") -> str:
    """The media type to store or serve a file under, from its name."""
    kind = kind_of_name(name)
    return kind.media_type if kind else default


def scan_names() -> str:
    """The supported scan kinds for messages: ``PNG, JPEG, TIFF or PDF``."""
    names = [k.name.upper() for k in (PNG, JPEG, TIFF, PDF)]
    return ", ".join(names[:-1]) + " or " + names[-1]
