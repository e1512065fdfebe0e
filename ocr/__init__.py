"""sohoa's OCR engine: preprocessing, Tesseract, reading order, searchable PDFs.

Knows nothing of Prefect, MinIO or Elasticsearch. The public surface:

- :class:`OcrContext` — the frozen, picklable context every stage takes.
- :func:`sniff` — the media type from the content (raises ``sohoa.errors.InputError`` subclasses).
- :func:`prepare_pages`, :func:`ocr_page`, :func:`assemble` — page-level steps, for spreading pages over
  workers (Prefect, Dask).
- :func:`prepare`, :func:`recognize` — a sniffed file validated in a worker, then its pages on the process's
  one page pool (ingestion's OCR step).
- :func:`derive` — a document's searchable PDF and thumbnails (a job on the same pool).
- :func:`ocr_file`, :func:`ocr_files` — whole documents, for the command line.
- :func:`searchable_pdf` — a text-layer PDF of a document.
- :func:`read_signatures` — the embedded signatures of a PDF, checked (pyHanko).
"""

from ocr.context import OcrContext
from ocr.derive import Derived, derive
from ocr.document import prepare_pages
from ocr.engine import (
    DERIVE_PRIORITY,
    OcrOutcome,
    assemble,
    default_jobs,
    ocr_file,
    ocr_files,
    page_pool,
    prepare,
    recognize,
    searchable_pdf,
)
from ocr.page import ocr_page
from ocr.signatures import read_signatures
from ocr.sniff import MEDIA_TYPES, sniff
from sohoa.model.ocr import Line, OcrDocument, OcrPage, PageError, PageInput, PageKind, PageSource, Word

__all__ = [
    "DERIVE_PRIORITY",
    "MEDIA_TYPES",
    "Derived",
    "OcrOutcome",
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
    "derive",
    "page_pool",
    "prepare",
    "recognize",
    "sniff",
]
