"""The one wrapper around the ``tesseract`` program, called through pytesseract.

pytesseract's low-level :func:`pytesseract.pytesseract.run_tesseract` is used (not ``image_to_data``)
because it accepts an image file we already wrote and several renderers in one call (TSV + PDF), so a
page is read once. Tesseract runs with ``OMP_THREAD_LIMIT=1`` (its OpenMP threads are slower than one
process per page); pytesseract starts it with this process's environment, so the limit is set here
unless the operator set one. Outcomes are checked here: pytesseract's exceptions become sohoa errors
with Tesseract's own message.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pytesseract
from pytesseract import pytesseract as _pt

from sohoa.errors import ConfigurationError, MissingDependencyError, OcrError, OcrTimeoutError

__all__ = ["Osd", "check_languages", "osd", "recognize", "recognize_many", "version"]

log = logging.getLogger(__name__)

_INSTALL = "install it with: apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd"
#: Tesseract 5 re-reads every low-confidence line as white-on-black text by default; administrative
#: pages have none, and on noisy scans the second reading costs a few percent of CPU for nothing.
_NO_INVERT = "-c tessedit_do_invert=0"


@lru_cache(maxsize=1)
def _prepare() -> None:
    """Find the program and set the thread limit in the environment pytesseract passes on.

    Once per process; a missing program raises on every call, as a raised call is not cached.
    """
    path = shutil.which(_pt.tesseract_cmd) or shutil.which("tesseract")
    if path is None:
        raise MissingDependencyError(f"the tesseract program is not installed; {_INSTALL}")
    _pt.tesseract_cmd = path
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@lru_cache(maxsize=1)
def version() -> str:
    """Tesseract's version, e.g. ``tesseract 5.3.0``."""
    _prepare()
    try:
        return f"tesseract {pytesseract.get_tesseract_version()}"
    except (pytesseract.TesseractNotFoundError, SystemExit):
        return "tesseract (unknown version)"


@lru_cache(maxsize=8)
def check_languages(languages: str) -> None:
    """Raise ConfigurationError if a language's traineddata is not installed."""
    _prepare()
    have = set(pytesseract.get_languages())
    missing = [lang for lang in languages.split("+") if lang not in have]
    if missing:
        raise ConfigurationError(
            f"Tesseract language data missing: {', '.join(missing)} "
            f"(installed: {', '.join(sorted(have)) or 'none'}); "
            f"install e.g. apt-get install tesseract-ocr-{missing[0]}"
        )


def _run(image: Path, outbase: Path, extensions: str, *, lang: str, config: str, timeout: float) -> None:
    _prepare()
    try:
        _pt.run_tesseract(str(image), str(outbase), extensions, lang, config=config, timeout=timeout)
    except RuntimeError as e:  # pytesseract's timeout (it kills the process first)
        raise OcrTimeoutError(
            f"Tesseract took longer than {timeout:.0f} s on {image.name}; page skipped"
        ) from e
    except pytesseract.TesseractNotFoundError as e:
        raise MissingDependencyError(f"the tesseract program is not installed; {_INSTALL}") from e
    except pytesseract.TesseractError as e:
        message = str(e.message).strip() or f"exit code {e.status}"
        if "Failed loading language" in message:
            raise ConfigurationError(f"Tesseract cannot load language '{lang}': {message}") from e
        raise OcrError(f"Tesseract failed on {image.name}: {message[-300:]}") from e


def recognize(
    image: Path,
    *,
    languages: str,
    psm: int,
    oem: int,
    dpi: int | None,
    timeout: float,
    pdf_base: Path | None = None,
    whitelist: str | None = None,
) -> str:
    """OCR one page image in one call; returns Tesseract's TSV (words, boxes, confidences, layout).

    Args:
        image: the page image (any format leptonica reads).
        languages: e.g. ``vie+eng``.
        psm: page segmentation mode.
        oem: engine mode.
        dpi: resolution to tell Tesseract (it guesses badly from pixels alone).
        timeout: seconds before the call is killed (raises OcrTimeoutError).
        pdf_base: also render the page's text layer (no image) to ``<pdf_base>.pdf`` in the same call.
        whitelist: only these characters may be recognized (e.g. digits for a number blank).
    """
    outbase = pdf_base if pdf_base is not None else image.with_suffix("")
    config = _config(psm, oem, dpi, whitelist)
    if pdf_base is not None:
        config += " -c textonly_pdf=1"
    _run(
        image,
        outbase,
        "tsv pdf" if pdf_base is not None else "tsv",
        lang=languages,
        config=config,
        timeout=timeout,
    )
    return _take_tsv(outbase, image.name)


def recognize_many(
    images: Sequence[Path],
    *,
    languages: str,
    psm: int,
    oem: int,
    dpi: int | None,
    timeout: float,
    whitelist: str | None = None,
) -> list[str]:
    """OCR several images in one Tesseract call; returns each image's TSV, in the order given.

    Tesseract reads a text file of image paths as a multi-page input and numbers the pages of its TSV
    (``page_num``). Each image is recognized on its own, as in separate calls, but the language model is
    loaded once: that load is 80-130 ms of CPU per call, more than reading a few short lines. The
    options apply to every image; with ``dpi=None`` each image's own resolution (PNG ``pHYs``) is used.
    """
    if not images:
        return []
    first = images[0]
    listing = first.with_name(f"{first.stem}-list.txt")
    outbase = first.with_name(f"{first.stem}-many")
    listing.write_text("".join(f"{p}\n" for p in images), encoding="utf-8")
    try:
        _run(
            listing, outbase, "tsv", lang=languages, config=_config(psm, oem, dpi, whitelist), timeout=timeout
        )
        tsv = _take_tsv(outbase, f"{len(images)} images from {first.name}")
    finally:
        listing.unlink(missing_ok=True)
    if not tsv.strip():
        raise OcrError(f"Tesseract wrote an empty result for {len(images)} images from {first.name}")
    header, *rows = tsv.splitlines()
    pages: list[list[str]] = [[header] for _ in images]
    for row in rows:
        page = row.split("\t", 2)[1] if "\t" in row else ""
        if page.isdigit() and 1 <= int(page) <= len(images):
            pages[int(page) - 1].append(row)
    return ["\n".join(lines) + "\n" for lines in pages]


def _config(psm: int, oem: int, dpi: int | None, whitelist: str | None) -> str:
    config = f"--oem {oem} --psm {psm}" + (f" --dpi {dpi}" if dpi else "")
    config += f" {_NO_INVERT} -c tessedit_create_tsv=1"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    return config


def _take_tsv(outbase: Path, what: str) -> str:
    """Read and remove the TSV Tesseract wrote for ``outbase``."""
    tsv = outbase.parent / f"{outbase.name}.tsv"
    if not tsv.is_file():
        raise OcrError(f"Tesseract wrote no result for {what}")
    try:
        return tsv.read_text(encoding="utf-8", errors="replace")
    finally:
        tsv.unlink(missing_ok=True)


class Osd(NamedTuple):
    """Tesseract's orientation guess: rotate the image ``rotate`` degrees clockwise to make it upright."""

    rotate: int
    confidence: float


_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONF = re.compile(r"Orientation confidence:\s*([\d.]+)")


def osd(image: Path, *, timeout: float) -> Osd | None:
    """Orientation and script detection (``--psm 0``); None when the page has too little text."""
    outbase = image.with_name(f"{image.stem}-osd")
    try:
        _run(image, outbase, "osd", lang="osd", config="--psm 0", timeout=timeout)
        out = outbase.with_name(f"{outbase.name}.osd")
        text = out.read_text(encoding="utf-8", errors="replace") if out.is_file() else ""
    except OcrError as e:  # too few characters to decide
        log.debug("tesseract osd: no answer for %s (%s)", image.name, e.message[-200:])
        return None
    finally:
        outbase.with_name(f"{outbase.name}.osd").unlink(missing_ok=True)
    rot, conf = _OSD_ROTATE.search(text), _OSD_CONF.search(text)
    if rot is None or conf is None:
        log.debug("tesseract osd: no answer for %s", image.name)
        return None
    return Osd(int(rot.group(1)) % 360, float(conf.group(1)))
