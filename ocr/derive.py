"""What is made from a document once its pages are read: the searchable PDF and the page thumbnails.

Page workers leave each page's thumbnail beside its text-layer PDF (:func:`write_thumbnail`, from the
pixels they just read); :func:`derive`, one job on the page pool (under the same limits as the pages),
merges the PDF and renders only the pages no worker decoded: PDFs through the poppler wrapper, image files
with the same pixel checks as for OCR.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import cv2
from numpy.typing import NDArray
from PIL import Image

from ocr._exec import poppler
from ocr.context import OcrContext
from ocr.document import frame_count, open_frame
from ocr.searchable import merge_pdf
from sohoa.errors import InputError
from sohoa.model.ocr import OcrDocument

__all__ = [
    "THUMBNAIL_WIDTH",
    "Derived",
    "derive",
    "page_pdf_base",
    "page_thumbnail_path",
    "page_thumbnails",
    "write_thumbnail",
]

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


def page_thumbnail_path(workdir: Path, number: int) -> Path:
    """Where a page worker leaves the page's thumbnail, made from the page it has just read."""
    return workdir / f"thumb-{number:05d}.jpg"


def write_thumbnail(gray: NDArray[Any], path: Path, *, width: int = THUMBNAIL_WIDTH) -> None:
    """Write a page image (the straightened grayscale page a worker OCR'd) as a thumbnail JPEG.

    Made where the pixels already are, this costs a resize and an encode instead of decoding or rendering
    the page a second time.
    """
    if gray.shape[1] > width:  # OpenCV's area average: a tenth of the CPU of Pillow's Lanczos at this ratio
        size = (width, round(gray.shape[0] * width / gray.shape[1]))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    path.write_bytes(_jpeg(Image.fromarray(gray), width))


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

    Thumbnails are the ones the page workers left in ``workdir`` (the straightened pages, as the searchable
    PDF shows them); pages without one are rendered from the searchable PDF (or the original) here.
    """
    pdf = None
    if pdf_out is not None:
        bases = [page_pdf_base(workdir, p.number) for p in doc.pages]
        pdf = merge_pdf(original, doc, [Path(f"{b}.pdf") for b in bases], pdf_out)
    thumbs: list[tuple[int, bytes]] = []
    if thumbnails:
        made = {p.number: page_thumbnail_path(workdir, p.number) for p in doc.pages}
        thumbs = [(n, path.read_bytes()) for n, path in made.items() if path.is_file()]
        if len(thumbs) < len(doc.pages):
            # pages no worker decoded (a PDF's text-layer pages, failed pages): render them here
            have = {n for n, _ in thumbs}
            source, media = (pdf, "application/pdf") if pdf is not None else (original, doc.media_type)
            thumbs += [t for t in page_thumbnails(source, media, ctx) if t[0] not in have]
            thumbs.sort()
    log.info("%s: derived %s and %d thumbnails", doc.file_name, pdf.name if pdf else "no PDF", len(thumbs))
    return Derived(pdf, thumbs)
