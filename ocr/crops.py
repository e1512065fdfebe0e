"""Images cut from a page (blanks, stacked lines, dropped blocks) read in one Tesseract call.

A Tesseract call spends 80-130 ms of CPU loading its model before it reads anything; the second readings
of a page read several small images, so they go to :func:`tesseract.recognize_many` together. The
image files live only for the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
from PIL import Image

from ocr import preprocess as pp
from ocr._exec import tesseract
from sohoa.errors import OcrError

__all__ = ["read_crops", "write_image"]


def write_image(path: Path, gray: pp.Gray, dpi: int | None = None) -> None:
    """Write an 8-bit image for Tesseract: as ``path``'s PGM/PBM, or as PNG carrying ``dpi`` when given.

    Uncompressed PGM/PBM: Tesseract reads the same pixels as from a PNG, without ~0.15 s of zlib per page
    (a .pbm path stores a black-and-white page as 1 bit per pixel, which Tesseract then does not
    threshold). A PNG carries its resolution, which Tesseract reads there when no ``--dpi`` is given.
    """
    try:
        if dpi is not None:
            Image.fromarray(gray).save(path, dpi=(dpi, dpi), compress_level=1)
            return
        written = cv2.imwrite(str(path), gray)
    except (OSError, cv2.error) as e:
        raise OcrError(f"cannot write the image {path.name}: {e}") from e
    if not written:
        raise OcrError(f"cannot write the image {path.name}")


def read_crops(
    crops: Sequence[pp.Gray],
    base: Path,
    *,
    languages: str,
    psm: int,
    oem: int,
    dpi: int | None,
    timeout: float,
    whitelist: str | None = None,
    file_dpis: Sequence[int] | None = None,
) -> list[str]:
    """Each crop's TSV, in order, from one Tesseract call; the files (``<base>-<k>``) are removed after.

    Args:
        crops: The images.
        base: Folder and name stem of their files.
        languages: Tesseract languages (e.g. ``vie``).
        psm: Page segmentation mode, for every crop.
        oem: Engine mode.
        dpi: Resolution to tell Tesseract for every crop (None: each file's own).
        timeout: Seconds before the call is killed.
        whitelist: Only these characters may be recognized.
        file_dpis: Each crop's own resolution, written into its PNG (then pass ``dpi=None``); without it
            the crops are written as PGM.
    """
    paths: list[Path] = []
    try:
        for k, crop in enumerate(crops):
            own = file_dpis[k] if file_dpis is not None else None
            paths.append(base.with_name(f"{base.name}-{k}.{'png' if own is not None else 'pgm'}"))
            write_image(paths[-1], crop, own)
        return tesseract.recognize_many(
            paths, languages=languages, psm=psm, oem=oem, dpi=dpi, timeout=timeout, whitelist=whitelist
        )
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
