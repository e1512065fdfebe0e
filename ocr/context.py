"""The immutable OCR context passed to every stage.

Stages never read ``sohoa.settings``: a caller builds one :class:`OcrContext` (usually from
``Settings().ocr``) and hands it down. It is a frozen dataclass of plain values, so it pickles to the
process-pool workers, Dask or a Prefect task unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sohoa.settings import OcrSettings

__all__ = ["Binarize", "OcrContext"]

Binarize = Literal["auto", "otsu", "adaptive", "off"]


@dataclass(frozen=True, slots=True)
class OcrContext:
    """Everything OCR needs, as plain values (see ``sohoa.settings.OcrSettings`` for meanings)."""

    languages: str = "vie"
    dpi: int = 300
    min_dpi: int = 200
    psm: int = 3
    oem: int = 1
    jobs: int = 0
    page_timeout: float = 180.0
    max_pixels: int = 200_000_000
    max_pages: int = 2000
    orientation: bool = True
    orientation_min_confidence: float = 2.0
    deskew: bool = True
    denoise: bool = True
    #: fade red seals on colour scans before grayscale (they hide the signer's name and break columns)
    remove_red_seals: bool = True
    binarize: Binarize = "auto"
    remove_borders: bool = True
    blank_detection: bool = True
    reading_order: bool = True
    #: drop what seals, signatures and specks read as (symbol runs, low-confidence 1-2 letter bits)
    drop_noise: bool = True
    #: re-read blocks Tesseract dropped as pictures (a signer's name under a seal) with a small second call
    rescue_image_blocks: bool = True
    #: below this mean word confidence an upright-looking page is checked with OSD for 180°
    orientation_retry_confidence: float = 60.0
    #: render a scanned PDF page at its image's own resolution when that is between min_dpi and dpi
    pdf_native_dpi: bool = True
    #: a scanned PDF page that is one upright JPEG (at most ``dpi``) is decoded as is, not rendered
    pdf_embedded_jpeg: bool = True
    #: a PDF page with at least this many non-space characters of visible text is not OCR'd
    text_layer_min_chars: int = 20
    #: on a scanned page (one page-sized image), a visible text layer shorter than this is a stamp (a
    #: digital signature's "Ký bởi: ..."), not the page's text: the page is OCR'd all the same
    text_layer_scan_min_chars: int = 400
    #: deskew only when the measured angle is at least this (degrees); smaller is noise
    deskew_min_angle: float = 0.1
    deskew_max_angle: float = 6.0
    #: address space one page worker may use (MB; 0 = no limit), Tesseract and poppler included
    worker_memory_mb: int = 2048
    #: wall-clock seconds one page (or one file's preparation) may take before its worker is killed
    job_seconds: float = 600.0
    #: re-read the number and date blanks of page 1 when the first reading is unsure (ocr.zones)
    reread_blanks: bool = True
    #: re-read the unsure header (page 1) and closing lines from crops (ocr.zone_lines)
    reread_lines: bool = True
    #: read those blanks with the neural digit recognizer too (ocr.digits), voted against Tesseract
    read_handwritten_digits: bool = True

    @classmethod
    def from_settings(cls, settings: OcrSettings, **overrides: Any) -> OcrContext:
        """Build a context from ``Settings().ocr``; keyword overrides win (e.g. ``languages="vie"``)."""
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in settings.model_dump().items() if k in names}
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> OcrContext:
        """A copy with some fields changed."""
        return replace(self, **changes)
