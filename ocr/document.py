"""From a file to its pages: sniff, validate, and describe each page as a :class:`PageInput`.

Whole-file problems (empty, truncated, corrupt, encrypted, too big) raise here, before any worker starts;
a page that cannot be read later fails only itself. PDF pages with a real (visible) text layer are
marked ``text-layer`` with their text; image pages are left for the workers to decode.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Any

import pypdf
import pypdf.errors
from PIL import Image, UnidentifiedImageError

from ocr._exec import poppler
from ocr.context import OcrContext
from ocr.pdfscan import embedded_jpeg, scan_image
from ocr.signatures import unsigned_view
from ocr.sniff import sniff
from sohoa.errors import (
    CorruptFileError,
    DecompressionBombError,
    EncryptedPdfError,
    InputError,
    TruncatedFileError,
    error_info,
)
from sohoa.model.ocr import PageError, PageInput, PageKind

__all__ = ["frame_count", "image_dpi", "open_frame", "prepare_pages"]

log = logging.getLogger(__name__)

_INVISIBLE_TEXT = re.compile(rb"(^|[\s\]])3\s+Tr\b")


def _check_pixels(name: str, width: int, height: int, max_pixels: int, what: str) -> None:
    if width * height > max_pixels:
        raise DecompressionBombError(
            f"{name}: {what} is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} (SOHOA_OCR__MAX_PIXELS); split or downsample the scan, or raise the limit"
        )


def image_dpi(image: Image.Image) -> int | None:
    """The resolution stored in the image, if plausible."""
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError):
        value = 0
    return value if 50 <= value <= 2400 else None


def open_frame(path: Path, index: int, *, max_pixels: int, check_only: bool = False) -> Image.Image:
    """Decode frame ``index`` of an image file fully, mapping decoder errors to sohoa errors.

    ``check_only``: the pixels are not needed, only proof that the whole file decodes; a JPEG is then
    decoded at 1/8 scale (every byte is still read, so a truncated or corrupt file still fails).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
            _check_pixels(path.name, image.width, image.height, max_pixels, f"frame {index + 1}")
            if index:
                image.seek(index)
                _check_pixels(path.name, image.width, image.height, max_pixels, f"frame {index + 1}")
            if check_only and image.format == "JPEG":
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
            return image
    except Image.DecompressionBombError as e:
        raise DecompressionBombError(f"{path.name}: image too large to decode safely ({e})") from e
    except UnidentifiedImageError as e:
        raise CorruptFileError(f"{path.name}: the image cannot be decoded; scan or export it again") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        if "truncated" in str(e).lower() or isinstance(e, EOFError):
            raise TruncatedFileError(f"{path.name}: the image ends early ({e}); copy it again") from e
        raise CorruptFileError(f"{path.name}: the image cannot be decoded ({e}); scan it again") from e


def frame_count(path: Path) -> int:
    """How many frames (pages) an image file holds, without decoding them.

    Raises:
        CorruptFileError: the image's header cannot be read.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return int(getattr(image, "n_frames", 1))
    except Image.DecompressionBombError as e:
        raise DecompressionBombError(
            f"{path.name}: the image is too large to decode safely ({e}); split or downsample the scan"
        ) from e
    except UnidentifiedImageError as e:
        raise CorruptFileError(f"{path.name}: the image cannot be decoded; scan it again") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise CorruptFileError(f"{path.name}: the image cannot be decoded ({e}); scan it again") from e


def _image_pages(path: Path, ctx: OcrContext, workdir: Path) -> list[PageInput]:
    frames = frame_count(path)
    if frames > ctx.max_pages:
        raise DecompressionBombError(
            f"{path.name} has {frames} pages, over the limit of {ctx.max_pages} (SOHOA_OCR__MAX_PAGES)"
        )
    pages = []
    errors: list[InputError] = []
    for index in range(frames):
        # decode every frame now, before any OCR is spent on the file: a frame that cannot be decoded
        # fails only its page; a file none of whose frames decode fails as a whole
        try:
            with open_frame(path, index, max_pixels=ctx.max_pixels, check_only=True) as frame:
                dpi = image_dpi(frame)
        except DecompressionBombError:
            raise  # one oversized frame is reason enough to refuse the file
        except InputError as e:
            log.warning("%s frame %d: %s", path.name, index + 1, e.message)
            errors.append(e)
            failed = PageError(**error_info(e))
            pages.append(
                PageInput(number=index + 1, kind=PageKind.FAILED, path=str(path), index=index, error=failed)
            )
            continue
        pages.append(
            PageInput(
                number=index + 1,
                kind=PageKind.IMAGE,
                path=str(path),
                index=index,
                dpi=dpi,
                workdir=str(workdir),
            )
        )
    if len(errors) == len(pages):
        raise errors[0]
    return pages


def _pdf_reader(path: Path) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedPdfError(
                f"{path.name} is password-protected; ask the sender for an unprotected copy"
            )
        _ = len(reader.pages)
    except EncryptedPdfError:
        raise
    except pypdf.errors.FileNotDecryptedError as e:
        raise EncryptedPdfError(f"{path.name} is password-protected; ask for an unprotected copy") from e
    except (pypdf.errors.PdfReadError, pypdf.errors.PdfStreamError) as e:
        raise CorruptFileError(f"{path.name}: the PDF is damaged and cannot be read ({e})") from e
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise CorruptFileError(f"{path.name}: the PDF is damaged and cannot be read ({e})") from e
    return reader


def _scan_page(
    kind: PageKind,
    source: Path,
    index: int,
    number: int,
    workdir: Path,
    scan: tuple[int | None, str | None],
    **extra: Any,
) -> PageInput:
    """A page of a PDF for the workers, with its scan's resolution and colour (the quality gate's)."""
    return PageInput(
        number=number,
        kind=kind,
        path=str(source),
        index=index,
        workdir=str(workdir),
        scan_dpi=scan[0],
        scan_color=scan[1],
        **extra,
    )


def _pdf_pages(path: Path, ctx: OcrContext, workdir: Path) -> list[PageInput]:
    reader = _pdf_reader(path)
    # Signature stamps in the margins are not document text: read a copy without them.
    view = unsigned_view(path, workdir / "unsigned-view.pdf")
    if view is not None:
        path, reader = view, _pdf_reader(view)
    count = len(reader.pages)
    if count == 0:
        raise CorruptFileError(f"{path.name}: the PDF has no pages")
    if count > ctx.max_pages:
        raise DecompressionBombError(
            f"{path.name} has {count} pages, over the limit of {ctx.max_pages} (SOHOA_OCR__MAX_PAGES)"
        )
    texts = poppler.text_per_page(path, timeout=ctx.page_timeout)
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            width = float(page.mediabox.width) * ctx.dpi / 72
            height = float(page.mediabox.height) * ctx.dpi / 72
        except (TypeError, ValueError, KeyError):
            width = height = 0.0
        _check_pixels(
            path.name, round(width), round(height), ctx.max_pixels, f"page {number} at {ctx.dpi} dpi"
        )
        drawn = _image_pixels(page)
        if drawn > ctx.max_pixels:
            raise DecompressionBombError(
                f"{path.name}: the images of page {number} claim {drawn:,} pixels, over the limit of "
                f"{ctx.max_pixels:,} (SOHOA_OCR__MAX_PIXELS); export the PDF again at a normal resolution"
            )
        text = texts[number - 1] if number - 1 < len(texts) else ""
        chars = len("".join(text.split()))
        scan = scan_image(page)  # resolution and colour, for the quality gate (#18)
        stamp_only = scan[0] is not None and chars < ctx.text_layer_scan_min_chars
        if chars >= ctx.text_layer_min_chars and not stamp_only and not _invisible_only(page):
            log.info("%s page %d: skip OCR, page has a text layer (%d chars)", path.name, number, chars)
            pages.append(_scan_page(PageKind.TEXT_LAYER, path, number, number, workdir, scan, text=text))
            continue
        warn = []
        invisible = chars >= ctx.text_layer_min_chars and not stamp_only
        if stamp_only and chars >= ctx.text_layer_min_chars:
            log.info(
                "%s page %d: text layer is a stamp (%d chars) on a scan; page OCR'd", path.name, number, chars
            )
        if invisible:
            warn.append("invisible text layer (an earlier OCR) ignored; page OCR'd again")
        dpi = ctx.dpi
        native = _scan_ppi(page) if ctx.pdf_native_dpi else None
        jpeg = (
            embedded_jpeg(page, invisible_text=invisible)
            if ctx.pdf_embedded_jpeg and native is not None and native <= ctx.dpi
            else None
        )
        if jpeg is not None:
            # the page is one upright JPEG: the worker decodes it like a JPEG file (no rendering)
            image_path = workdir / f"pdf-page-{number:05d}.jpg"
            image_path.write_bytes(jpeg)
            pages.append(
                _scan_page(PageKind.IMAGE, image_path, 0, number, workdir, scan, dpi=native, warnings=warn)
            )
            continue
        if native is not None:
            if native < ctx.min_dpi:
                warn.append(f"low resolution: {native} dpi (archival minimum {ctx.min_dpi}); upscaled")
            else:
                # render at the scan's own resolution: pixels the scanner never saw add time, not text
                dpi = min(ctx.dpi, native)
        pages.append(_scan_page(PageKind.PDF, path, number, number, workdir, scan, dpi=dpi, warnings=warn))
    return pages


def _image_pixels(page: pypdf.PageObject) -> int:
    """Pixels of the images a page draws, as their dictionaries claim (a small stream can claim billions)."""
    try:
        resources: Any = page["/Resources"].get_object()
        xobjects: Any = resources.get("/XObject")
        total = 0
        for x in xobjects.get_object().values() if xobjects else []:
            obj = x.get_object()
            if obj.get("/Subtype") == "/Image":
                total += int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
        return total
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0


def _scan_ppi(page: pypdf.PageObject) -> int | None:
    """Resolution of the one image that fills a scanned page, or None if the page is not like that."""
    try:
        resources: Any = page["/Resources"].get_object()
        xobjects: Any = resources.get("/XObject")
        images = [x.get_object() for x in (xobjects.get_object().values() if xobjects else [])]
        images = [x for x in images if x.get("/Subtype") == "/Image"]
        if len(images) != 1:
            return None
        width, height = int(images[0]["/Width"]), int(images[0]["/Height"])
        page_w, page_h = float(page.mediabox.width) / 72, float(page.mediabox.height) / 72
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if (page.get("/Rotate", 0) or 0) % 180 == 90:
        page_w, page_h = page_h, page_w
    ppi_x, ppi_y = width / page_w, height / page_h
    if abs(ppi_x - ppi_y) > 0.05 * max(ppi_x, ppi_y):
        return None  # the image does not fill the page: render at the configured DPI
    return round(min(ppi_x, ppi_y))


def _invisible_only(page: pypdf.PageObject) -> bool:
    """True when the page's text is drawn in render mode 3 (invisible), as OCR layers are."""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except Exception:  # a page pypdf cannot parse: trust pdftotext's text
        log.debug("cannot read content stream", exc_info=True)
        return False
    if not _INVISIBLE_TEXT.search(data):
        return False
    # visible text shows as another render mode or the default (no Tr at all before the first BT)
    modes = re.findall(rb"(\d)\s+Tr\b", data)
    return all(m == b"3" for m in modes)


def prepare_pages(
    path: Path | str, ctx: OcrContext, workdir: Path | str, media_type: str | None = None
) -> list[PageInput]:
    """Validate a file and describe its pages for :func:`ocr.ocr_page`.

    Args:
        path: the original (never modified).
        ctx: the OCR context.
        workdir: an existing folder the workers may write temporary page images to.
        media_type: the sniffed type, when the caller sniffed already (each file is sniffed once).

    Raises:
        InputError: a subclass naming what is wrong with the whole file.
    """
    path, workdir = Path(path), Path(workdir)
    media = media_type or sniff(path)
    if media == "application/pdf":
        return _pdf_pages(path, ctx, workdir)
    return _image_pages(path, ctx, workdir)
