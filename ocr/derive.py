"""What is made from a document once its pages are read: the searchable PDF and the page thumbnails.

:func:`derive` runs as one job on the page pool (it decodes the original again, so it runs under the same
memory and time limits as the pages). PDFs are rendered through the poppler wrapper; image files are
decoded with the same pixel checks as for OCR.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from ocr._exec import poppler
from ocr.context import OcrContext
from ocr.document import frame_count, open_frame
from ocr.searchable import merge_pdf
from sohoa.errors import InputError
from sohoa.model.ocr import OcrDocument

__all__ = ["THUMBNAIL_WIDTH", "Derived", "derive", "page_pdf_base", "page_thumbnails"]

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 1000  # readable page image for the document view, ~100-200 kB as JPEG
_THUMBNAIL_DPI = 100  # ~830 px for A4: rendered once, then scaled to width


class Derived(NamedTuple):
    """The derived files of a document: the searchable PDF (if made) and ``(page, JPEG)`` thumbnails."""

    pdf: Path | None
    thumbnails: list[tuple[int, bytes]]


def page_pdf_base(workdir: Path, number: int) -> Path:
    """Where a page's text-layer PDF is written (Tesseract adds ``.pdf``)."""
    return workdir / f"out-{number:05d}"


def _jpeg(page: Image.Image, width: int) -> bytes:
    page = page.convert("L") if page.mode not in ("RGB", "L") else page
    if page.width > width:
        page = page.resize((width, round(page.height * width / page.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def page_thumbnails(
    path: Path, media_type: str, ctx: OcrContext, *, width: int = THUMBNAIL_WIDTH
) -> list[tuple[int, bytes]]:
    """JPEG page images ``width`` pixels wide (never enlarged) of a PDF or an image file, page by page."""
    if media_type == "application/pdf":
        with tempfile.TemporaryDirectory(prefix="sohoa-thumbs-") as tmp:
            out = []
            rendered = poppler.render_pages(
                path, dpi=_THUMBNAIL_DPI, out_dir=Path(tmp), timeout=ctx.page_timeout
            )
            for number, page in enumerate(rendered, start=1):
                with Image.open(page) as im:
                    out.append((number, _jpeg(im, width)))
            return out
    out = []
    for index in range(frame_count(path)):
        try:
            with open_frame(path, index, max_pixels=ctx.max_pixels) as frame:
                out.append((index + 1, _jpeg(frame, width)))
        except InputError as e:  # that page failed OCR the same way; the others still get theirs
            log.warning("%s: no thumbnail for page %d: %s", path.name, index + 1, e.message)
    return out


def derive(
    original: Path,
    doc: OcrDocument,
    ctx: OcrContext,
    *,
    workdir: Path,
    pdf_out: Path | None,
    thumbnails: bool,
) -> Derived:
    """Merge the pages' text-layer PDFs into ``pdf_out`` (when given) and make the thumbnails.

    Thumbnails come from the searchable PDF when there is one (it shows the straightened pages), else from
    the original.
    """
    pdf = None
    if pdf_out is not None:
        bases = [page_pdf_base(workdir, p.number) for p in doc.pages]
        pdf = merge_pdf(original, doc, [Path(f"{b}.pdf") for b in bases], pdf_out)
    thumbs: list[tuple[int, bytes]] = []
    if thumbnails:
        thumbs = (
            page_thumbnails(pdf, "application/pdf", ctx)
            if pdf is not None
            else page_thumbnails(original, doc.media_type, ctx)
        )
    log.info("%s: derived %s and %d thumbnails", doc.file_name, pdf.name if pdf else "no PDF", len(thumbs))
    return Derived(pdf, thumbs)
