"""The searchable (text-layer) PDF of a document: Tesseract's per-page PDFs merged with pypdf.

Pages that already had a text layer are copied from the original PDF; blank or failed pages keep their
image without text. The original is never modified; the output is written to a temporary name and
renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path
from typing import Any

import pypdf
from numpy.typing import NDArray
from PIL import Image

from sohoa.model.ocr import OcrDocument, PageSource

__all__ = ["merge_pdf", "put_page_image"]

log = logging.getLogger(__name__)


def _image_page(original: Path, index: int) -> pypdf.PageObject:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(original) as image:
            image.seek(index)
            dpi = image.info.get("dpi", (300, 300))[0] or 300
            buf = io.BytesIO()
            frame = image.convert("L") if image.mode not in ("1", "L", "RGB") else image
            frame.save(buf, format="PDF", resolution=float(dpi))
    return pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0]


def merge_pdf(original: Path, doc: OcrDocument, page_pdfs: list[Path | None], out: Path) -> Path:
    """Merge per-page PDFs into ``out``.

    Args:
        original: the source file (PDF pages without OCR are copied from it).
        doc: the OCR result, for each page's source.
        page_pdfs: Tesseract's PDF of each page (same order as ``doc.pages``), None where not made.
        out: the PDF to write.
    """
    writer = pypdf.PdfWriter()
    source_pdf = pypdf.PdfReader(original) if doc.media_type == "application/pdf" else None
    if source_pdf is not None and source_pdf.is_encrypted:
        source_pdf.decrypt("")
    for page, pdf in zip(doc.pages, page_pdfs, strict=True):
        if page.source is PageSource.OCR and pdf is not None and pdf.is_file():
            writer.add_page(pypdf.PdfReader(pdf).pages[0])
        elif source_pdf is not None:
            writer.add_page(source_pdf.pages[page.number - 1])
        elif page.source is PageSource.FAILED:
            # a page that could not be read keeps its place: an empty A4 page says so to the reader
            writer.add_blank_page(width=595, height=842)
        else:
            writer.add_page(_image_page(original, page.number - 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    with tmp.open("wb") as f:
        writer.write(f)
    tmp.replace(out)
    log.info("%s: searchable PDF written to %s (%d pages)", doc.file_name, out, len(doc.pages))
    return out


def put_page_image(page_pdf: Path, gray: NDArray[Any], *, quality: int = 80) -> None:
    """Put a page image under the text layer of a one-page, text-only PDF (Tesseract's ``textonly_pdf``).

    Tesseract reads the binarized page; the archive copy shows the grayscale one (JPEG), scaled to the
    text page's box so every word stays over its pixels. The file is replaced in place.
    """
    text_page = pypdf.PdfReader(page_pdf).pages[0]
    width_pt = float(text_page.mediabox.width)
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="PDF", resolution=gray.shape[1] * 72.0 / width_pt, quality=quality)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(buf.getvalue())))
    writer.pages[0].merge_page(text_page)
    tmp = page_pdf.with_name(f".{page_pdf.name}.part")
    with tmp.open("wb") as f:
        writer.write(f)
    tmp.replace(page_pdf)
