"""What a file really is, from its bytes, and whether it is whole.

The extension is never trusted: archives arrive with ``.pdf`` files that are JPEGs and ``.tif`` files that
are Word documents. :func:`sniff` reads the signature and the file's end and raises a specific
:class:`~sohoa.errors.InputError` a clerk can act on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sohoa.errors import EmptyFileError, InputError, TruncatedFileError, UnsupportedFileTypeError
from sohoa.model.filetypes import JPEG, PDF, PNG, SCANS, TIFF, kind_of, scan_names

__all__ = ["MEDIA_TYPES", "sniff"]

log = logging.getLogger(__name__)

MEDIA_TYPES = tuple(k.media_type for k in SCANS)

#: signatures of things people send instead of scans, to name them in the message
_OTHER = [
    (b"PK\x03\x04", "a ZIP archive or an Office document (DOCX/XLSX/ODT)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (DOC/XLS)"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"RIFF", "a WebP image or another RIFF file"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"<", "an HTML or XML file"),
]


def _describe(head: bytes) -> str:
    for magic, what in _OTHER:
        if head.startswith(magic):
            return what
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "an unrecognized binary file"
    return "a text file"


def _tail(path: Path, size: int, n: int) -> bytes:
    with path.open("rb") as f:
        f.seek(max(0, size - n))
        return f.read()


def sniff(path: Path | str) -> str:
    """The media type of ``path`` from its content: image/png, image/jpeg, image/tiff or application/pdf.

    Raises:
        InputError: the path does not exist or is not a readable file.
        EmptyFileError: the file has zero bytes.
        UnsupportedFileTypeError: the content is something else, whatever the extension says.
        TruncatedFileError: the file's end marker is missing (an interrupted copy or upload).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(f"{path} cannot be read ({e.strerror}); check the path and permissions") from e
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    if size == 0:
        raise EmptyFileError(f"{path.name} is empty (0 bytes); copy or scan it again")
    with path.open("rb") as f:
        head = f.read(1024)
    kind = kind_of(head, SCANS)
    if kind is PNG:
        if b"IEND" not in _tail(path, size, 32):
            raise TruncatedFileError(f"{path.name} is a PNG image that ends early (no IEND); copy it again")
    elif kind is JPEG:
        # trailing padding after the end-of-image marker is common and harmless
        if b"\xff\xd9" not in _tail(path, size, 4096).rstrip(b"\x00\r\n \xff"):
            raise TruncatedFileError(f"{path.name} is a JPEG image that ends early (no EOI); copy it again")
    elif kind is PDF:
        if b"%%EOF" not in _tail(path, size, 4096):
            raise TruncatedFileError(f"{path.name} is a PDF that ends early (no %%EOF); copy it again")
    elif kind is not TIFF:
        raise UnsupportedFileTypeError(
            f"{path.name} is {_describe(head)}, not a {scan_names()} scan; export or scan it to one of these"
        )
    assert kind is not None
    if path.suffix.lower() not in kind.extensions:
        log.warning("%s: content is %s whatever its extension says", path.name, kind.media_type)
    return kind.media_type
