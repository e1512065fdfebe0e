"""Page images of a document split out of a scanned file, numbered as that document's pages.

The page workers leave one thumbnail per page of the scanned file (named by the file's page number); a
part takes its own and renumbers them 1..n. Pages no worker decoded (a text-layer page, a failed page)
are rendered from the part's searchable PDF, else from the original.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ocr.context import OcrContext
from ocr.derive import page_thumbnail_path, page_thumbnails
from sohoa.model.split import SourceRef

__all__ = ["part_thumbnails"]

log = logging.getLogger(__name__)


def part_thumbnails(
    workdir: Path, source: SourceRef, *, pdf: Path | None, original: Path, media_type: str, ctx: OcrContext
) -> list[tuple[int, bytes]]:
    """``(page of the part, JPEG)`` for every page of the part that has or can get an image."""
    out: list[tuple[int, bytes]] = []
    missing: list[tuple[int, int]] = []
    for i, n in enumerate(source.pages, start=1):
        path = page_thumbnail_path(workdir, n)
        if path.is_file():
            out.append((i, path.read_bytes()))
        else:
            missing.append((i, n))
    if missing:
        log.info("%s: rendering %d page images no worker left", source.file_name, len(missing))
        if pdf is not None:
            rendered = dict(page_thumbnails(pdf, "application/pdf", ctx))  # numbered as the part
            out += [(i, rendered[i]) for i, _ in missing if i in rendered]
        else:
            rendered = dict(page_thumbnails(original, media_type, ctx))  # numbered as the file
            out += [(i, rendered[n]) for i, n in missing if n in rendered]
    return sorted(out)
