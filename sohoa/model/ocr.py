"""What OCR produces: pages with text, words, lines and the evidence a reviewer needs.

These models are the seam between ``ocr/`` and everything after it; they serialize to the JSON stored
beside each original in MinIO, so metadata extraction and reindexing can run again without re-OCR.
This module must not import anything outside ``ocr/`` and ``sohoa.errors``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Barcode",
    "BlankReading",
    "Box",
    "Line",
    "LineReading",
    "LineRereading",
    "OcrDocument",
    "OcrPage",
    "PageError",
    "PageInput",
    "PageKind",
    "PageFacts",
    "PageSource",
    "PageTransform",
    "Word",
]

#: x, y, width, height in pixels of the page image that was OCR'd
Box = tuple[int, int, int, int]


class PageSource(StrEnum):
    """Where a page's text came from."""

    OCR = "ocr"
    TEXT_LAYER = "text-layer"
    BLANK = "blank"
    FAILED = "failed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(_Frozen):
    """One recognized word."""

    text: str
    conf: float = Field(description="Tesseract confidence 0-100; 100 for a text layer")
    box: Box
    block: int = 0
    line: int = Field(0, description="Index into the page's lines")


class Line(_Frozen):
    """One text line, in reading order."""

    text: str
    conf: float
    box: Box
    region: str = Field("body", description="header-left, header-right, body, closing-left, closing-right")


class BlankReading(_Frozen):
    """A second reading of a form blank (the handwritten number or day), made from the page image.

    ``kind``: ``number`` (after ``Số:``), ``day`` (after ``ngày``) or ``month`` (after ``tháng``);
    ``readings``: what each variant of the crop read (digits only); ``value``: the majority, or None
    when no reading won; ``votes``: how many variants read ``value``. ``digits_*``: the same blank read
    by the second, neural recognizer (``ocr.digits``), which reads handwriting far better; the two are
    weighed against each other by metadata extraction. ``line_*``: the neural recognizer's reading of the
    whole printed line around the blank (``Số: 88 /QĐ-UBND``, ``ngày 05 tháng 02 năm 2025``), which
    places the digits against the print even when the blank's crop was cut wrong or Tesseract garbled
    the printed code. A blank whose first reading was sure has no Tesseract re-reads, only these
    neural witnesses.
    """

    kind: str
    box: Box
    first: str = Field("", description="What the full-page reading gave for the blank")
    readings: list[str] = Field(default_factory=list)
    value: str | None = None
    votes: int = 0
    seconds: float = 0.0
    digits_reader: str = Field("", description="The second (neural) recognizer, empty when it did not run")
    digits_readings: list[str] = Field(
        default_factory=list, description="What the second recognizer read in each crop (digits only)"
    )
    digits_value: str | None = Field(None, description="The second recognizer's reading, None if none")
    digits_conf: float = Field(0.0, ge=0, le=1, description="Its lowest per-digit probability (0-1)")
    line_text: str = Field(
        "", description="The neural recognizer's reading of the whole line (no diacritics)"
    )
    line_value: str | None = Field(None, description="The digits of the blank in that reading, None if none")
    line_conf: float = Field(0.0, ge=0, le=1, description="Their lowest per-character probability (0-1)")


class LineReading(_Frozen):
    """One more reading of a page line, made from a crop of the page image.

    ``variant`` says how the crop was made (``h48-otsu``: text scaled to 48 pixels high, Otsu threshold);
    the words' boxes are in page coordinates and their ``line`` is the page line that was re-read.
    """

    variant: str
    text: str
    conf: float = Field(description="Mean word confidence 0-100")
    words: list[Word] = Field(default_factory=list)


class LineRereading(_Frozen):
    """The second readings of one header or closing line (page 1's header, a closing block)."""

    line: int = Field(ge=0, description="Index into the page's lines")
    zone: str = Field(pattern=r"^(header|closing)$")
    box: Box
    readings: list[LineReading] = Field(default_factory=list)


class PageError(_Frozen):
    """Why a page failed (the other pages of the document still count)."""

    type: str
    message: str
    advice: str = Field("", description="What to do about it (vi / en)")


class Barcode(_Frozen):
    """A barcode or QR code read on a page (a patch code on a separator sheet, a dossier label)."""

    text: str
    format: str = Field(description="Symbology as the decoder names it: QRCode, Code128, ...")
    box: Box = (0, 0, 0, 0)


class PageFacts(_Frozen):
    """What was measured about a page's scan, for the quality gate and document splitting.

    Measured on the decoded image before OCR; none of it depends on the recognized text.
    """

    scan_dpi: int | None = Field(None, description="Resolution the scanner delivered, before any upscaling")
    dpi_source: str = Field(
        "none", description="tag (file), pdf-image (image size / page size), inferred, none"
    )
    color: str | None = Field(None, description="bilevel, gray or color: how the page was scanned")
    ink: float = Field(0.0, description="Share of the page covered by marks (0-1)")
    red_ink: float = Field(0.0, description="Share of the page in red ink (seals), colour scans only")
    skew: float | None = Field(None, description="Skew measured before correction (degrees)")
    residual_skew: float | None = Field(None, description="Skew still measured after correction (degrees)")
    edge_ink: tuple[float, float, float, float] = Field(
        (0.0, 0.0, 0.0, 0.0), description="Share of each edge (top, right, bottom, left) touched by marks"
    )
    fingerprint: str = Field("", description="64-bit difference hash of the page image (hex)")
    barcodes: list[Barcode] = Field(default_factory=list)
    grain: float = Field(0.0, description="Pixel noise of the page (median deviation, gray levels)")


class PageTransform(_Frozen):
    """One geometric step from the decoded page to the image the word boxes refer to.

    ``turn``: a clockwise quarter turn by ``value`` degrees (90/180/270); ``rotate``: OpenCV's rotation by
    ``value`` degrees (counter-clockwise positive) about the centre, same canvas; ``scale``: resize by
    ``value``. The archive copy replays them to place the scan under the words.
    """

    op: str = Field(pattern=r"^(turn|rotate|scale)$")
    value: float


class OcrPage(_Frozen):
    """One page's result."""

    number: int = Field(ge=1)
    source: PageSource
    text: str = Field("", description="NFC text in reading order; lines separated by newlines")
    confidence: float = Field(0.0, description="Mean word confidence 0-100")
    width: int = 0
    height: int = 0
    dpi: int | None = None
    words: list[Word] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    preprocessing: dict[str, object] = Field(
        default_factory=dict, description="What was applied: rotation, deskew angle, binarization, ..."
    )
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per step")
    warnings: list[str] = Field(default_factory=list)
    error: PageError | None = None
    facts: PageFacts | None = Field(None, description="Scan measurements (quality gate, splitting)")
    frame_size: tuple[int, int] | None = Field(
        None, description="Width and height in pixels of the decoded page before any transform"
    )
    transforms: list[PageTransform] = Field(
        default_factory=list, description="Turns, deskew and scaling applied, in order (see PageTransform)"
    )
    blanks: list[BlankReading] = Field(
        default_factory=list, description="Second readings of the number and date blanks (page 1)"
    )
    rereads: list[LineRereading] = Field(
        default_factory=list, description="Second readings of the header (page 1) and closing lines"
    )


class OcrDocument(_Frozen):
    """The OCR result of one file."""

    file_name: str
    sha256: str
    media_type: str = Field(description="Sniffed content type, e.g. image/tiff, application/pdf")
    pages: list[OcrPage]
    languages: str
    engine: str = Field("", description="Tesseract version and data used")
    seconds: float = 0.0

    @property
    def text(self) -> str:
        """The whole document's text, pages separated by form feeds."""
        return "\f".join(p.text for p in self.pages)

    @property
    def confidence(self) -> float:
        """Mean confidence over the pages that were OCR'd (text-layer pages count as 100)."""
        scored = [p.confidence for p in self.pages if p.source in (PageSource.OCR, PageSource.TEXT_LAYER)]
        return sum(scored) / len(scored) if scored else 0.0

    @property
    def failed_pages(self) -> list[int]:
        """Numbers of the pages that failed."""
        return [p.number for p in self.pages if p.source is PageSource.FAILED]


class PageKind(StrEnum):
    """What a prepared page needs before its text is known."""

    IMAGE = "image"
    PDF = "pdf"
    TEXT_LAYER = "text-layer"
    FAILED = "failed"


class PageInput(_Frozen):
    """One page of a document, ready to go to any worker (small and picklable; no pixels inside).

    ``image``: frame ``index`` (0-based) of the image file ``path``; ``pdf``: page ``index`` (1-based) of the
    PDF ``path``, rendered at ``dpi`` by the worker; ``text-layer``: ``text`` is the page's own text;
    ``failed``: ``error`` says why.
    """

    number: int = Field(ge=1)
    kind: PageKind
    path: str = ""
    index: int = 0
    dpi: int | None = Field(None, description="Resolution of the image, or the PDF rendering DPI")
    workdir: str = Field("", description="Folder for this page's temporary files")
    text: str = ""
    warnings: list[str] = Field(default_factory=list)
    error: PageError | None = None
    scan_dpi: int | None = Field(None, description="Resolution of a PDF page's scan image (None: not a scan)")
    scan_color: str | None = Field(None, description="bilevel, gray or color of a PDF page's scan image")
