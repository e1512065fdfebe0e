"""The one wrapper around poppler's programs (``pdftotext``, ``pdftoppm`` through pdf2image).

Page text, one page rendered for OCR, all pages rendered for thumbnails.

Argument lists, explicit timeouts; poppler's failures become sohoa errors here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pdf2image
import pdf2image.exceptions

from sohoa.errors import CorruptFileError, MissingDependencyError, OcrTimeoutError

__all__ = ["rasterize_page", "render_pages", "text_per_page"]

_INSTALL = "install it with: apt-get install poppler-utils"


def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise MissingDependencyError(f"the {program} program is not installed; {_INSTALL}")
    return path


def text_per_page(pdf: Path, *, timeout: float) -> list[str]:
    """The text layer of every page (``pdftotext``), in page order; empty strings for image-only pages."""
    args = [_require("pdftotext"), "-enc", "UTF-8", "-eol", "unix", str(pdf), "-"]
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise OcrTimeoutError(f"pdftotext took longer than {timeout:.0f} s on {pdf.name}") from e
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CorruptFileError(f"{pdf.name}: the PDF cannot be read ({tail[-1] if tail else 'pdftotext'})")
    pages = proc.stdout.decode("utf-8", "replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _convert(pdf: Path, what: str, *, timeout: float, **options: object) -> list[Path]:
    """Run ``pdftoppm`` through pdf2image; its failures become sohoa errors naming ``what``."""
    _require("pdftoppm")
    try:
        # paths_only=True returns file names (typed as images by pdf2image)
        paths = pdf2image.convert_from_path(pdf, paths_only=True, timeout=int(timeout), **options)  # type: ignore[arg-type]
    except pdf2image.exceptions.PDFPopplerTimeoutError as e:
        raise OcrTimeoutError(f"rendering {what} of {pdf.name} took longer than {timeout:.0f} s") from e
    except (pdf2image.exceptions.PDFPageCountError, pdf2image.exceptions.PDFSyntaxError) as e:
        raise CorruptFileError(f"{pdf.name}: {what} cannot be rendered ({e})") from e
    found = sorted(Path(str(p)) for p in paths)
    if not found or not all(p.is_file() for p in found):
        raise CorruptFileError(f"{pdf.name}: rendering {what} produced no image")
    return found


def rasterize_page(
    pdf: Path, page: int, *, dpi: int, out_dir: Path, timeout: float, grayscale: bool = True
) -> Path:
    """Render page ``page`` (1-based) to an image file (grayscale or RGB) in ``out_dir``; returns its path."""
    options = {"first_page": page, "last_page": page, "grayscale": grayscale}
    return _convert(
        pdf,
        f"page {page}",
        timeout=timeout,
        dpi=dpi,
        output_folder=out_dir,
        output_file=f"raster-{page:05d}",
        **options,
    )[0]


def render_pages(pdf: Path, *, dpi: int, out_dir: Path, timeout: float) -> list[Path]:
    """Render every page of ``pdf`` to JPEG files in ``out_dir`` (one ``pdftoppm`` call); in page order."""
    return _convert(
        pdf, "the pages", timeout=timeout, dpi=dpi, fmt="jpeg", output_folder=out_dir, output_file="thumb"
    )
