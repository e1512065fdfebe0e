"""Embedded PDF signatures: read and check them (pyHanko), and hide their appearance from OCR.

Published PDFs of state bodies carry one or more signature fields whose visible appearance (the
"Ký bởi ... Thời gian ký ..." stamp, often with a seal image) is drawn over page 1. That stamp is
evidence about the file, not text of the document: read as text it becomes the issuer and breaks the
header. :func:`read_signatures` reports the signatures; :func:`unsigned_view` writes a working copy of
the PDF without the signature widgets, which the OCR reads instead of the original (the original is
never modified). Reusable outside OCR (archive-copy checks): only the PDF path is needed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pypdf
import pypdf.errors
from pypdf.generic import ArrayObject, NameObject

from sohoa.model.signature import PdfSignature

__all__ = ["in_margin", "read_signatures", "signature_rects", "unsigned_view"]

log = logging.getLogger(__name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _name_part(cert: Any, key: str) -> str | None:
    try:
        value = cert.subject.native.get(key)
    except (AttributeError, ValueError):
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value) if value else None


def _sig_widgets(reader: pypdf.PdfReader) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Signature field name → (1-based page, rectangle) of its widget on the page that shows it."""
    out: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            field = annot if "/FT" in annot else (annot.get("/Parent") or {})
            field = field.get_object() if hasattr(field, "get_object") else field
            if annot.get("/Subtype") != "/Widget" or field.get("/FT") != "/Sig":
                continue
            rect = tuple(float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
            name = str(field.get("/T") or annot.get("/T") or f"sig-{number}-{len(out)}")
            out.setdefault(name, (number, rect))  # type: ignore[arg-type]
    return out


def signature_rects(path: Path | str) -> dict[int, list[tuple[float, float, float, float]]]:
    """Rectangles (PDF points) of the signature appearances per 1-based page; empty when unsigned."""
    try:
        reader = pypdf.PdfReader(path, strict=False)
        widgets = _sig_widgets(reader)
    except (pypdf.errors.PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        log.debug("cannot list the signature widgets of %s", path, exc_info=True)
        return {}
    out: dict[int, list[tuple[float, float, float, float]]] = {}
    for page, rect in widgets.values():
        out.setdefault(page, []).append(rect)
    return out


#: Decree 30/2020/NĐ-CP page margins (top, bottom, left, right) in points: 20, 20, 30, 15 mm.
_MARGINS_PT = (20 / 25.4 * 72, 20 / 25.4 * 72, 30 / 25.4 * 72, 15 / 25.4 * 72)


def in_margin(rect: tuple[float, float, float, float], width: float, height: float) -> bool:
    """True when most of a widget lies in the page margin, where a signing service puts its stamp.

    Decree 30 keeps the document's own text inside the margins; a signature stamp added by the
    publishing system sits above the header or beside it. A signature widget inside the text area is
    part of the form instead (a number or day typed into the blank, the signer's signature image) and
    stays.
    """
    x0, y0, x1, y1 = (
        min(rect[0], rect[2]),
        min(rect[1], rect[3]),
        max(rect[0], rect[2]),
        max(rect[1], rect[3]),
    )
    top, bottom, left, right = _MARGINS_PT
    h, w = max(y1 - y0, 1e-6), max(x1 - x0, 1e-6)
    outside_v = max(0.0, y1 - max(y0, height - top)) + max(0.0, min(y1, bottom) - y0)
    outside_h = max(0.0, min(x1, left) - x0) + max(0.0, x1 - max(x0, width - right))
    return outside_v / h >= 0.5 or outside_h / w >= 0.5


def unsigned_view(path: Path | str, out: Path | str) -> Path | None:
    """Write a copy of the PDF without the signature stamps in its margins; None when it has none.

    The copy renders and extracts exactly like the original except that those stamps are gone (their
    appearance streams are annotation content, not page content), so neither the text layer nor the
    rendered page carries them. It is a working file: its signatures no longer verify, and it must
    never be stored as the original.
    """
    path, out = Path(path), Path(out)
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if not _sig_widgets(reader):
            return None
        writer = pypdf.PdfWriter(clone_from=reader)
        removed = 0
        for page in writer.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            annots = page.get("/Annots")
            if not annots:
                continue
            kept = ArrayObject()
            for ref in annots:
                annot = ref.get_object()
                parent = annot.get("/Parent")
                ft = annot.get("/FT") or (parent.get_object().get("/FT") if parent is not None else None)
                rect = tuple(float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
                if annot.get("/Subtype") == "/Widget" and ft == "/Sig" and in_margin(rect, width, height):  # type: ignore[arg-type]
                    removed += 1
                    continue
                kept.append(ref)
            page[NameObject("/Annots")] = kept
        if not removed:
            return None
        with out.open("wb") as fh:
            writer.write(fh)
    except (pypdf.errors.PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        log.warning("%s: cannot hide the signature stamps (%s); reading the file as it is", path.name, e)
        return None
    log.info("%s: %d signature appearance(s) hidden before reading the pages", path.name, removed)
    return out


def _check(sig: Any) -> dict[str, Any]:
    """PyHanko's integrity check of one embedded signature, without a trust list."""
    from pyhanko.sign.validation import validate_pdf_signature

    status = validate_pdf_signature(sig)
    level = getattr(status, "modification_level", None)
    coverage = getattr(status, "coverage", None)
    # FORM_FILLING and LTA_UPDATES are what PDF allows after signing (later signatures, timestamps).
    modified = level is not None and level.name not in ("NONE", "LTA_UPDATES", "FORM_FILLING")
    ts = getattr(status, "timestamp_validity", None)
    return {
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted),
        "modified": modified
        or (coverage is not None and coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION")),
        "coverage": coverage.name.lower().replace("_", " ") if coverage is not None else None,
        "timestamp_time": _iso(getattr(ts, "timestamp", None)) if ts is not None else None,
    }


def read_signatures(path: Path | str) -> list[PdfSignature]:
    """Read and check every embedded signature of a PDF (empty for an unsigned or non-PDF file).

    Each signature is checked for integrity (the signed byte range is unchanged and matches the
    certificate's key) and for changes after signing; trust in the certificate chain needs a trust
    list and is reported as not established. A signature that cannot be checked is returned with
    ``error`` set; a file pyHanko cannot parse gives no signatures and a logged warning.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    path = Path(path)
    try:
        widgets = _sig_widgets(pypdf.PdfReader(path, strict=False))
    except (pypdf.errors.PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        widgets = {}
    out: list[PdfSignature] = []
    try:
        with path.open("rb") as fh:
            reader = PdfFileReader(fh, strict=False)
            for sig in reader.embedded_signatures:
                cert = sig.signer_cert
                page, rect = widgets.get(sig.field_name, (None, None))
                base: dict[str, Any] = {
                    "field_name": sig.field_name,
                    "signer": _name_part(cert, "common_name"),
                    "organization": _name_part(cert, "organization_name"),
                    "certificate_subject": cert.subject.human_friendly,
                    "certificate_issuer": cert.issuer.human_friendly,
                    "signing_time": _iso(sig.self_reported_timestamp),
                    "page": page,
                    "rect": rect,
                }
                try:
                    base.update(_check(sig))
                except Exception as e:  # noqa: BLE001 - one unverifiable signature must not hide the others
                    log.warning("%s: signature %s cannot be checked: %s", path.name, sig.field_name, e)
                    base["error"] = f"{type(e).__name__}: {e}"[:300]
                out.append(PdfSignature(**base))
    except (PdfError, OSError, ValueError, KeyError, TypeError) as e:
        log.warning("%s: signatures cannot be read (%s)", path.name, e)
        return []
    return out
