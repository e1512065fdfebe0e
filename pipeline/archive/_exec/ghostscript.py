"""Ghostscript's pdfwrite as a PDF/A-2b converter for PDFs that already carry text (born-digital).

Images are kept as they are (JPEG passed through, no downsampling, lossless otherwise); fonts are embedded;
colours go to RGB for the sRGB output intent that :mod:`pipeline.archive.pdfa` writes afterwards.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from sohoa.errors import ArchiveError, MissingDependencyError

__all__ = ["to_pdfa"]

log = logging.getLogger(__name__)


def to_pdfa(src: Path, dst: Path, *, timeout: float = 300.0) -> Path:
    """Rewrite ``src`` as PDF/A-2b into ``dst`` (text, fonts and images kept).

    Raises:
        MissingDependencyError: Ghostscript is not installed.
        ArchiveError: it failed, timed out or wrote nothing.
    """
    gs = shutil.which("gs")
    if gs is None:
        raise MissingDependencyError(
            "Ghostscript (gs) is needed for born-digital PDFs: apt-get install ghostscript"
        )
    argv = [
        gs,
        "-dSAFER",
        "-dBATCH",
        "-dNOPAUSE",
        "-dQUIET",
        "-sDEVICE=pdfwrite",
        "-dPDFA=2",
        "-dPDFACompatibilityPolicy=1",
        "-sColorConversionStrategy=RGB",
        "-dAutoRotatePages=/None",
        "-dPassThroughJPEGImages=true",
        "-dPassThroughJPXImages=true",
        "-dDownsampleColorImages=false",
        "-dDownsampleGrayImages=false",
        "-dDownsampleMonoImages=false",
        "-dAutoFilterColorImages=false",
        "-dAutoFilterGrayImages=false",
        "-dColorImageFilter=/FlateEncode",
        "-dGrayImageFilter=/FlateEncode",
        "-dCompatibilityLevel=1.7",
        f"-sOutputFile={dst}",
        str(src),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as e:
        raise ArchiveError(f"ghostscript: timed out after {timeout:.0f} s on {src.name}") from e
    err = (done.stderr or done.stdout).decode(errors="replace").strip()
    if done.returncode != 0 or not dst.is_file() or dst.stat().st_size == 0:
        raise ArchiveError(
            f"ghostscript: PDF/A conversion of {src.name} failed ({done.returncode}): {err[-800:]}"
        )
    if err:
        log.info("ghostscript: %s: %s", src.name, err[-300:])
    return dst
