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
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

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
    text page's box so every word stays over its pixels. The image is drawn by a content stream of its
    own put before the text's, so the text layer's thousands of operators are copied, never parsed. The
    file is replaced in place.
    """
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(page_pdf))
    page = writer.pages[0]
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="JPEG", quality=quality)
    image = StreamObject()
    image.set_data(buf.getvalue())
    image.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(gray.shape[1]),
        NameObject("/Height"): NumberObject(gray.shape[0]),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"),
        NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): NameObject("/DCTDecode"),
    })  # fmt: skip
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
    xobjects[NameObject("/SohoaScan")] = writer._add_object(image)
    box = page.mediabox
    draw = StreamObject()
    draw.set_data(f"q {float(box.width):.4f} 0 0 {float(box.height):.4f} {float(box.left):.4f} "
                  f"{float(box.bottom):.4f} cm /SohoaScan Do Q\n".encode())  # fmt: skip
    text = page.get(NameObject("/Contents"))
    texts = [] if text is None else [text]
    if text is not None and isinstance(text.get_object(), ArrayObject):
        texts = list(text.get_object())  # already several streams: keep each
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(draw), *texts])
    tmp = page_pdf.with_name(f".{page_pdf.name}.part")
    with tmp.open("wb") as f:
        writer.write(f)
    tmp.replace(page_pdf)
