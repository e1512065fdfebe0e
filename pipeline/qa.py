"""The scan quality gate: findings per page and per document, from the OCR result and the scan facts.

Pure functions over :class:`sohoa.model.ocr.OcrPage` (its text, confidence and
:class:`~sohoa.model.ocr.PageFacts`) and a frozen :class:`QaContext`; nothing here reads settings, images
or services. The codes and their vi/en messages are in :mod:`sohoa.model.qa`.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sohoa.model.ocr import OcrPage, PageSource
from sohoa.model.qa import QaCode, QaFinding, rescan_pages
from sohoa.model.report import FileResult, QaSection, RescanFile
from sohoa.text import fold

if TYPE_CHECKING:
    from sohoa.settings import OcrSettings, QaSettings

__all__ = [
    "QaContext",
    "check_document",
    "check_page",
    "duplicate_pages",
    "is_blank_page",
    "letters",
    "qa_section",
]

log = logging.getLogger(__name__)

_SIDES = ("top", "right", "bottom", "left")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class QaContext:
    """The gate's thresholds (see ``sohoa.settings.QaSettings`` for their meaning)."""

    min_dpi: int = 200
    expect_color: bool = False
    max_residual_skew: float = 1.0
    min_text_chars: int = 20
    illegible_confidence: float = 45.0
    blank_max_ink: float = 0.01
    blank_max_grain: float = 12.0
    cropped_edge_ink: float = 0.08
    duplicate_text_ratio: float = 0.92
    duplicate_hash_bits: int = 12

    @classmethod
    def from_settings(cls, settings: QaSettings, ocr: OcrSettings, **overrides: Any) -> QaContext:
        """The context from ``Settings().qa`` and the archival minimum ``Settings().ocr.min_dpi``.

        Keyword overrides win (``expect_color=True`` for a batch).
        """
        values = {f.name: getattr(settings, f.name) for f in fields(cls) if f.name != "min_dpi"}
        values["min_dpi"] = ocr.min_dpi
        values.update(overrides)
        return cls(**values)


def letters(text: str) -> int:
    """Letters and digits in a text (what "readable text" is counted in)."""
    return sum(c.isalnum() for c in text)


def is_blank_page(page: OcrPage, ctx: QaContext) -> bool:
    """A page with nothing on it worth reading: blank to the OCR, or nearly ink-free without text.

    A back page carrying only a seal's bleed-through is blank: its faint ring is either under the
    blank detector's threshold or reads as a few letters of noise on a page with almost no ink.
    A page with a barcode is never blank (it may be a separator sheet), nor is a page of pure noise
    (nothing stands out of it, but it is no sheet of paper either: it needs a rescan).
    """
    f = page.facts
    if f is not None and (f.barcodes or f.grain > ctx.blank_max_grain):
        return False
    if page.source is PageSource.BLANK:
        return True
    if page.source is not PageSource.OCR or f is None:
        return False
    return letters(page.text) < ctx.min_text_chars and f.ink < ctx.blank_max_ink


def check_page(page: OcrPage, ctx: QaContext) -> list[QaFinding]:
    """The findings of one page (page-level codes only; duplicates and counts need the document)."""
    out: list[QaFinding] = []
    facts = page.facts
    if page.source is PageSource.FAILED:
        return out  # reported as a failed page already; nothing was measured
    if facts is not None and facts.scan_dpi is not None and facts.scan_dpi < ctx.min_dpi:
        out.append(QaFinding(code=QaCode.LOW_DPI, page=page.number, value=facts.scan_dpi, limit=ctx.min_dpi))
    if ctx.expect_color and facts is not None and facts.color in ("bilevel", "gray"):
        out.append(QaFinding(code=QaCode.NOT_COLOR, page=page.number, value=facts.color))
    if is_blank_page(page, ctx):
        out.append(QaFinding(code=QaCode.BLANK_PAGE, page=page.number))
        return out
    if page.source not in (PageSource.OCR, PageSource.BLANK):
        return out  # a text layer: its text is the document's own, not a reading of the scan
    count = letters(page.text)
    if count < ctx.min_text_chars and not (facts and facts.barcodes):
        out.append(QaFinding(code=QaCode.NO_TEXT, page=page.number, value=count, limit=ctx.min_text_chars))
    elif count >= ctx.min_text_chars and page.confidence < ctx.illegible_confidence:
        out.append(
            QaFinding(
                code=QaCode.ILLEGIBLE,
                page=page.number,
                value=round(page.confidence, 1),
                limit=ctx.illegible_confidence,
            )
        )
    if facts is None:
        return out
    if facts.residual_skew is not None and abs(facts.residual_skew) > ctx.max_residual_skew:
        out.append(
            QaFinding(
                code=QaCode.SKEWED,
                page=page.number,
                value=round(abs(facts.residual_skew), 1),
                limit=ctx.max_residual_skew,
            )
        )
    worst = max(range(4), key=lambda i: facts.edge_ink[i])
    if facts.edge_ink[worst] > ctx.cropped_edge_ink:
        out.append(QaFinding(code=QaCode.CROPPED, page=page.number, value=_SIDES[worst]))
    return out


def _hamming(a: str, b: str) -> int:
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return 64


def _norm(text: str) -> str:
    return _SPACE.sub(" ", fold(text)).strip()


def duplicate_pages(pages: list[OcrPage], ctx: QaContext) -> list[tuple[int, int]]:
    """Pairs ``(earlier, later)`` of page numbers that are the same sheet scanned twice.

    Candidates have near-identical fingerprints; the text confirms (two pages of one form look alike
    but read differently). Blank pages, pages without text and separator sheets (pages with a barcode) are
    never duplicates of each other.
    """
    readable = [
        (p, _norm(p.text))
        for p in pages
        if p.facts is not None
        and p.facts.fingerprint
        and not p.facts.barcodes  # separator sheets look alike by design
        and not is_blank_page(p, ctx)
        and letters(p.text) >= ctx.min_text_chars
    ]
    pairs: list[tuple[int, int]] = []
    dup: set[int] = set()
    for j, (later, later_text) in enumerate(readable):
        for earlier, earlier_text in readable[:j]:
            if earlier.number in dup:
                continue
            assert later.facts is not None and earlier.facts is not None
            if _hamming(earlier.facts.fingerprint, later.facts.fingerprint) > ctx.duplicate_hash_bits:
                continue
            ratio = difflib.SequenceMatcher(None, earlier_text, later_text, autojunk=False).ratio()
            if ratio >= ctx.duplicate_text_ratio:
                pairs.append((earlier.number, later.number))
                dup.add(later.number)
                break
    return pairs


def check_document(
    pages: list[OcrPage], ctx: QaContext, *, expected_pages: int | None = None
) -> list[QaFinding]:
    """Every finding of a document: its pages', duplicate pages, and the page count against the manifest.

    Args:
        pages: the document's pages, numbered as the document shows them.
        ctx: the thresholds.
        expected_pages: the manifest's ``expected_pages`` for this file, if it gives one.
    """
    out = [f for p in pages for f in check_page(p, ctx)]
    for earlier, later in duplicate_pages(pages, ctx):
        out.append(QaFinding(code=QaCode.DUPLICATE_PAGE, page=later, value=earlier))
    if expected_pages is not None and expected_pages != len(pages):
        out.append(QaFinding(code=QaCode.PAGE_COUNT, value=len(pages), limit=expected_pages))
    out.sort(key=lambda f: (f.page or 0, f.code.value))
    if out:
        log.info("QA: %d findings (%s)", len(out), ", ".join(sorted({f.code.value for f in out})))
    return out


def qa_section(results: list[FileResult]) -> QaSection:
    """The batch report's QA section: findings per code over the files, and the files to rescan."""
    counts: dict[str, int] = {}
    rescan: list[RescanFile] = []
    for r in results:
        for f in r.qa:
            counts[f.code.value] = counts.get(f.code.value, 0) + 1
        asked = [f for f in r.qa if f.rescan]
        if asked:
            codes = sorted({f.code for f in asked}, key=lambda c: list(QaCode).index(c))
            rescan.append(RescanFile(path=r.path, pages=rescan_pages(asked), codes=codes))
    checked = sum(r.pages for r in results if r.status.value in ("stored", "needs_review"))
    return QaSection(counts=dict(sorted(counts.items())), pages_checked=checked, rescan=rescan)
