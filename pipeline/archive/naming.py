"""File names inside a dossier (TT 05/2025 Art. 8): ``<mã hồ sơ>.<STT>.pdf``.

The STT is written with the 7 digits of the docCode (``fileCode`` + 7-digit order number, made by
:func:`sohoa.model.dossier.doc_code`, the one place for it), so a file's name is its document code plus
the extension and names sort in dossier order.
"""

from __future__ import annotations

import re

from sohoa.model.dossier import STT_DIGITS, doc_code

__all__ = ["STT_DIGITS", "archive_file_name", "doc_code", "original_file_name"]

_UNSAFE = re.compile(r"[^\w.\-]", re.UNICODE)


def _safe(code: str) -> str:
    # dossier codes are letters, digits, dots and dashes; anything else must not reach a path
    return _UNSAFE.sub("_", code)


def archive_file_name(file_code: str, stt: int) -> str:
    """The signed archive copy's name: ``<fileCode>.<STT>.pdf``."""
    return f"{_safe(doc_code(file_code, stt))}.pdf"


def original_file_name(file_code: str, stt: int, original_name: str) -> str:
    """The original's name in the package: ``<fileCode>.<STT>`` with the original's own extension."""
    ext = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else "bin"
    return f"{_safe(doc_code(file_code, stt))}.{_safe(ext)}"
