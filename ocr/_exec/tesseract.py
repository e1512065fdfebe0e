"""The one wrapper around the ``tesseract`` program.

Argument lists, an explicit timeout, ``OMP_THREAD_LIMIT=1`` in the child's environment only (Tesseract's
OpenMP threads are slower than one process per page), and outcomes checked here: a known benign case
becomes an empty result, everything else an :class:`~sohoa.errors.OcrError` chained to its cause.
We call the program directly rather than through pytesseract because pytesseract cannot pass a child
environment or ask for several renderers (TSV + PDF) in one call.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sohoa.errors import ConfigurationError, MissingDependencyError, OcrError, OcrTimeoutError

__all__ = ["Osd", "check_languages", "osd", "recognize", "version"]

log = logging.getLogger(__name__)

_INSTALL = "install it with: apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def _binary() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise MissingDependencyError(f"the tesseract program is not installed; {_INSTALL}")
    return path


@lru_cache(maxsize=1)
def version() -> str:
    """Tesseract's version line, e.g. ``tesseract 5.3.0``."""
    out = subprocess.run([_binary(), "--version"], capture_output=True, text=True, timeout=30, check=False)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "tesseract (unknown version)"


@lru_cache(maxsize=8)
def check_languages(languages: str) -> None:
    """Raise ConfigurationError if a language's traineddata is not installed."""
    out = subprocess.run(
        [_binary(), "--list-langs"], capture_output=True, text=True, timeout=30, check=False, env=_env()
    )
    have = {line.strip() for line in out.stdout.splitlines()[1:]}
    missing = [lang for lang in languages.split("+") if lang not in have]
    if missing:
        raise ConfigurationError(
            f"Tesseract language data missing: {', '.join(missing)} "
            f"(installed: {', '.join(sorted(have)) or 'none'}); "
            f"install e.g. apt-get install tesseract-ocr-{missing[0]}"
        )


def _run(args: list[str], *, timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, env=_env())
    except subprocess.TimeoutExpired as e:
        raise OcrTimeoutError(f"Tesseract took longer than {timeout:.0f} s on {what}; page skipped") from e
    except FileNotFoundError as e:
        raise MissingDependencyError(f"the tesseract program is not installed; {_INSTALL}") from e
    return proc


def recognize(
    image: Path,
    *,
    languages: str,
    psm: int,
    oem: int,
    dpi: int | None,
    timeout: float,
    pdf_base: Path | None = None,
) -> str:
    """OCR one page image in one call; returns Tesseract's TSV (words, boxes, confidences, layout).

    Args:
        image: the page image (any format leptonica reads).
        languages: e.g. ``vie+eng``.
        psm: page segmentation mode.
        oem: engine mode.
        dpi: resolution to tell Tesseract (it guesses badly from pixels alone).
        timeout: seconds before the call is killed (raises OcrTimeoutError).
        pdf_base: also render a text-layer PDF to ``<pdf_base>.pdf`` in the same call.
    """
    outbase = pdf_base if pdf_base is not None else image.with_suffix("")
    args = [_binary(), str(image), str(outbase), "-l", languages, "--oem", str(oem), "--psm", str(psm)]
    if dpi:
        args += ["--dpi", str(dpi)]
    if pdf_base is not None:
        args += ["-c", "textonly_pdf=0"]
    args += ["tsv"] + (["pdf"] if pdf_base is not None else [])
    proc = _run(args, timeout=timeout, what=image.name)
    tsv = outbase.parent / f"{outbase.name}.tsv"
    if proc.returncode != 0 or not tsv.is_file():
        stderr = proc.stderr.strip().splitlines()
        tail = stderr[-1] if stderr else f"exit code {proc.returncode}"
        if "Failed loading language" in proc.stderr:
            raise ConfigurationError(f"Tesseract cannot load language '{languages}': {tail}")
        raise OcrError(f"Tesseract failed on {image.name}: {tail}")
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
    proc = _run([_binary(), str(image), "-", "--psm", "0", "-l", "osd"], timeout=timeout, what=image.name)
    rot, conf = _OSD_ROTATE.search(proc.stdout), _OSD_CONF.search(proc.stdout)
    if rot is None or conf is None:
        log.debug("tesseract osd: no answer for %s (%s)", image.name, proc.stderr.strip()[-200:])
        return None
    return Osd(int(rot.group(1)) % 360, float(conf.group(1)))
