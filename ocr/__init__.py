"""sohoa's OCR engine: preprocessing, Tesseract, reading order, searchable PDFs.

Knows nothing of Prefect, MinIO or Elasticsearch. The public surface:

- :class:`OcrContext` — the frozen, picklable context every stage takes.
- :func:`sniff` — the media type from the content (raises ``sohoa.errors.InputError`` subclasses).
- :func:`prepare_pages`, :func:`ocr_page`, :func:`assemble` — page-level steps, for spreading pages over
  workers (Prefect, Dask).
- :func:`ocr_file`, :func:`ocr_files` — whole documents on a process pool.
- :func:`searchable_pdf` — a text-layer PDF of a document.
- :func:`read_signatures` — the embedded signatures of a PDF, checked (pyHanko).
"""

from ocr.context import OcrContext
from ocr.document import prepare_pages
from ocr.engine import FileResult, assemble, default_jobs, ocr_file, ocr_files, searchable_pdf, sha256_of
from ocr.page import ocr_page
from ocr.signatures import read_signatures
from ocr.sniff import MEDIA_TYPES, sniff
from sohoa.model.ocr import Line, OcrDocument, OcrPage, PageError, PageInput, PageKind, PageSource, Word

__all__ = [
    "MEDIA_TYPES",
    "FileResult",
    "Line",
    "OcrContext",
    "OcrDocument",
    "OcrPage",
    "PageError",
    "PageInput",
    "PageKind",
    "PageSource",
    "Word",
    "assemble",
    "default_jobs",
    "ocr_file",
    "ocr_files",
    "ocr_page",
    "prepare_pages",
    "read_signatures",
    "searchable_pdf",
    "sha256_of",
    "sniff",
]
