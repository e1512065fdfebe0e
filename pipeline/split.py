"""Splitting one scanned file into its documents: separator sheets, or the first-page layout of headers.

Pure functions over the file's OCR'd pages (text, lines with boxes, scan facts); nothing reads images
or settings. The result is a :class:`sohoa.model.split.SplitPlan`.

Header rules (Decree 30/2020/NĐ-CP layout):

- a page whose top carries the national motto and a ``Số:`` line (or, where OCR lost one of them, a
  date line ``..., ngày ... tháng ... năm ...`` with the other) starts a new document;
- a page numbered 2, 3, ... at its top continues the current one, whatever else it shows;
- an annex (``PHỤ LỤC``, ``DỰ THẢO``, ``kèm theo ...``) continues the document it is attached to, even
  after that document's signer page and even under a header of its own;
- a blank page never starts a document: after a signer page (a blank back) it belongs to the
  document before it.

Separator rules: a page with a barcode or QR code and almost no other text is a separator sheet (and
belongs to no document); its value, when it matches the dossier pattern, is the next document's
dossier. Without any barcode sheet in the file, blank pages are the separators (runs of them count
once). ``auto`` uses separator sheets when the file has barcode sheets, else headers.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from pipeline.qa import QaContext, is_blank_page
from sohoa.model.ocr import OcrDocument, OcrPage
from sohoa.model.split import DocumentPart, SourceRef, SplitAction, SplitCorrection, SplitMode, SplitPlan
from sohoa.text import fold

if TYPE_CHECKING:
    from sohoa.settings import SplitSettings

__all__ = [
    "PageCues",
    "SplitContext",
    "apply_correction",
    "page_cues",
    "part_id",
    "part_ocr",
    "plan_split",
    "source_ref",
    "separator_value",
    "whole_file",
]

log = logging.getLogger(__name__)

_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc")
_NUMBER_LINE = re.compile(r"(?:^|\s)s[o0ô6][.,]?\s*[:;]")
_DATE_LINE = re.compile(r"ngay\b.{0,12}\bthang\b.{0,12}\bnam\b")
_PAGE_NUMBER = re.compile(r"^\W{0,3}(?:trang\s*)?(\d{1,3})\W{0,3}$")
_ANNEX = re.compile(r"^\W*(phu luc|du thao)\b|\bkem theo\b|\bban hanh kem\b")
_SIGNER = re.compile(r"^\W*(kt|tm|tl|q|tuq)\s?\.\s|\bnoi nhan\b")
_AFTER_NUMBER = re.compile(r"s[o0ô6][.,]?\s*[:;]\s*(\S?)")
_UNDATED = re.compile(r"ngay\D{0,6}thang\D{0,6}nam")
#: the top of a page, as a share of its height: header block, page number
_TOP = 0.33
_NUMBER_TOP = 0.1
#: pages read from a text layer have no boxes: their first lines stand for the top
_TOP_LINES = 12


@dataclass(frozen=True, slots=True)
class SplitContext:
    """What splitting needs (see ``sohoa.settings.SplitSettings``) and the blank-page rule it shares."""

    dossier_pattern: str = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
    separator_values: tuple[str, ...] = ("PATCHT", "PATCH T", "SEPARATOR", "SOHOA-SEPARATOR")
    separator_max_words: int = 12
    qa: QaContext = field(default_factory=QaContext)

    @classmethod
    def from_settings(cls, settings: SplitSettings, qa: QaContext | None = None) -> SplitContext:
        """The context from ``Settings().split`` (and the gate's context, for what a blank page is)."""
        names = {f.name for f in fields(cls)} - {"qa"}
        values: dict[str, Any] = {n: getattr(settings, n) for n in names}
        values["separator_values"] = tuple(values["separator_values"])
        return cls(**values, qa=qa or QaContext())


@dataclass(frozen=True, slots=True)
class PageCues:
    """What a page shows of the document structure."""

    number: int
    blank: bool = False
    separator: bool = False
    barcode: str | None = None
    page_number: int | None = None
    motto: bool = False
    number_line: bool = False
    date_line: bool = False
    annex: bool = False
    signer: bool = False
    #: a header with no number and no date: a draft (dự thảo) attached to the document before it
    draft: bool = False
    #: the page speaks of a draft (``dự thảo``): an unnumbered, undated header after it is that draft
    mentions_draft: bool = False

    @property
    def first_page(self) -> bool:
        """Shows the first-page layout: motto and ``Số:``, or one of them and the date line."""
        return (self.motto and self.number_line) or (self.date_line and (self.motto or self.number_line))


def _lines(page: OcrPage) -> list[tuple[str, float]]:
    """(folded text, top of the line as a share of the page height) in reading order."""
    if page.lines and page.height:
        return [(fold(line.text).strip(), line.box[1] / page.height) for line in page.lines]
    texts = [fold(t).strip() for t in page.text.splitlines() if t.strip()]
    n = max(len(texts), 1)
    # no boxes: spread the lines over the page so "the top" is the first third of them (at least 12)
    return [(t, min(i / max(n, 3 * _TOP_LINES) * 3 * _TOP, 1.0)) for i, t in enumerate(texts)]


def _fuzzy_in(needle: str, line: str, threshold: float = 0.78) -> bool:
    if needle in line:
        return True
    if len(line) < len(needle) // 2:
        return False
    return difflib.SequenceMatcher(None, needle, line, autojunk=False).ratio() >= threshold


def _unnumbered(top: list[str]) -> bool:
    """The ``Số:`` line leaves the number blank (``Số: /2025/NQ-HĐND``), on its line or the next."""
    for i, t in enumerate(top):
        m = _AFTER_NUMBER.search(t)
        if m is None:
            continue
        first = m.group(1) or (top[i + 1][:1] if i + 1 < len(top) else "")
        return not first.isdigit()
    return False


def separator_value(page: OcrPage) -> str | None:
    """The value of the page's first barcode, if it has one."""
    if page.facts is None or not page.facts.barcodes:
        return None
    return page.facts.barcodes[0].text.strip()


def page_cues(page: OcrPage, ctx: SplitContext) -> PageCues:
    """The structure cues of one page."""
    code = separator_value(page)
    words = len(page.text.split())
    label = fold(code).lower() if code else ""
    # a sheet prints its heading and its value beside the code: those words do not count against it
    separator = code is not None and (
        code.upper() in ctx.separator_values or words <= ctx.separator_max_words + len(label.split())
    )
    if separator:
        return PageCues(page.number, separator=True, barcode=code)
    if is_blank_page(page, ctx.qa):
        return PageCues(page.number, blank=True)
    lines = _lines(page)
    top = [t for t, y in lines if y < _TOP]
    number = None
    for t, y in lines[:3]:
        m = _PAGE_NUMBER.match(t)
        if y < _NUMBER_TOP and m and t.replace("-", "").strip():
            number = int(m.group(1))
            break
    return PageCues(
        page.number,
        barcode=code,
        draft=_unnumbered(top) and any(_UNDATED.search(t) for t in top),
        mentions_draft="du thao" in fold(page.text),
        page_number=number,
        motto=any(_fuzzy_in(_MOTTO[0], t) or _fuzzy_in(_MOTTO[1], t) for t in top),
        number_line=any(_NUMBER_LINE.search(t) for t in top),
        date_line=any(_DATE_LINE.search(t) for t in top),
        annex=any(_ANNEX.search(t) for t in top),
        signer=any(_SIGNER.search(t) for t, _ in lines),
    )


def whole_file(page_count: int, mode: SplitMode = SplitMode.NONE) -> SplitPlan:
    """The plan that keeps a file whole."""
    parts = [DocumentPart(pages=list(range(1, page_count + 1)), reason="first-page")] if page_count else []
    return SplitPlan(mode=mode, page_count=page_count, parts=parts)


def _dossier(code: str | None, ctx: SplitContext) -> str | None:
    if not code or code.upper() in ctx.separator_values:
        return None
    return code if re.fullmatch(ctx.dossier_pattern, code) else None


def _by_separators(cues: list[PageCues], ctx: SplitContext, *, blanks: bool) -> SplitPlan:
    parts: list[DocumentPart] = []
    current: list[int] = []
    dossier: str | None = None
    reason = "first-page"
    separators: list[int] = []
    for c in cues:
        if c.separator or (blanks and c.blank):
            separators.append(c.number)
            if current:
                parts.append(DocumentPart(pages=current, dossier_code=dossier, reason=reason))
                current = []
                dossier = None
            if c.separator:
                dossier = _dossier(c.barcode, ctx) or dossier
            reason = "separator"
            continue
        current.append(c.number)
    if current:
        parts.append(DocumentPart(pages=current, dossier_code=dossier, reason=reason))
    return SplitPlan(mode=SplitMode.SEPARATOR, page_count=len(cues), parts=parts, separators=separators)


def _by_headers(cues: list[PageCues]) -> SplitPlan:
    # separator sheets are never content, whichever mode reads the file
    sheets = [c.number for c in cues if c.separator]
    content = [c for c in cues if not c.separator]
    starts: list[tuple[int, str]] = []
    drafts = False  # the current document speaks of an attached draft
    for i, c in enumerate(content):
        if not starts:
            if not c.blank:
                starts.append((i, "first-page"))
                drafts = c.mentions_draft
            continue
        continues = c.blank or c.annex or (c.page_number is not None and c.page_number >= 2)
        if not continues and c.first_page and not (c.draft and drafts):
            starts.append((i, "header"))
            drafts = c.mentions_draft
            continue
        drafts = drafts or c.mentions_draft
    if not starts:  # only blank pages
        return whole_file(len(cues), SplitMode.HEADER)
    # leading blank pages go with the first document
    bounds = [0] + [s for s, _ in starts[1:]] + [len(content)]
    parts = [
        DocumentPart(pages=[c.number for c in content[a:b]], reason=starts[k][1])
        for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]
    return SplitPlan(mode=SplitMode.HEADER, page_count=len(cues), parts=parts, separators=sheets)


def plan_split(pages: list[OcrPage], mode: SplitMode, ctx: SplitContext) -> SplitPlan:
    """The documents of one scanned file.

    Args:
        pages: the file's OCR'd pages, in scan order (numbered 1..n).
        mode: how to split; ``none`` keeps the file whole.
        ctx: the split context.
    """
    if mode is SplitMode.NONE or not pages:
        return whole_file(len(pages), mode)
    cues = [page_cues(p, ctx) for p in pages]
    has_sheets = any(c.separator for c in cues)
    if mode is SplitMode.SEPARATOR:
        plan = _by_separators(cues, ctx, blanks=not has_sheets)
    elif mode is SplitMode.AUTO and has_sheets:
        plan = _by_separators(cues, ctx, blanks=False).model_copy(update={"mode": SplitMode.AUTO})
    else:
        plan = _by_headers(cues)
        if mode is SplitMode.AUTO:
            plan = plan.model_copy(update={"mode": SplitMode.AUTO})
    if not plan.parts:
        plan = whole_file(len(pages), mode)
    log.info(
        "split (%s): %d pages into %d documents (%s)",
        mode.value,
        len(pages),
        len(plan.parts),
        ", ".join(p.label for p in plan.parts),
    )
    return plan


def apply_correction(plan: SplitPlan, correction: SplitCorrection) -> SplitPlan:
    """The plan after a reviewer's correction.

    ``merge_previous`` at the first page of a document joins it (and any separator sheets between) to
    the document before it; ``split_here`` starts a new document at a page inside one.

    Raises:
        ValueError: the page does not start a document (merge), or is not inside one / already starts
            one (split).
    """
    parts = list(plan.parts)
    index = next((i for i, p in enumerate(parts) if correction.page in p.pages), None)
    if index is None:
        raise ValueError(f"page {correction.page} is not in any document of this file")
    part = parts[index]
    if correction.action is SplitAction.MERGE_PREVIOUS:
        if index == 0 or part.first != correction.page:
            raise ValueError(f"page {correction.page} does not start a document after another one")
        before = parts[index - 1]
        merged = DocumentPart(
            pages=before.pages + part.pages, dossier_code=before.dossier_code, reason=before.reason
        )
        parts[index - 1 : index + 1] = [merged]
    else:
        if part.first == correction.page:
            raise ValueError(f"page {correction.page} already starts a document")
        at = part.pages.index(correction.page)
        parts[index : index + 1] = [
            DocumentPart(pages=part.pages[:at], dossier_code=part.dossier_code, reason=part.reason),
            DocumentPart(pages=part.pages[at:], reason="corrected"),
        ]
    return plan.model_copy(update={"parts": parts})


def part_id(sha256: str, part: DocumentPart) -> str:
    """The id of a document split out of a scanned file: stable for the same file and pages.

    A file kept whole keeps its own SHA-256 as its document id (see :func:`plan_split` callers).
    """
    return hashlib.sha256(f"{sha256}:{','.join(map(str, part.pages))}".encode()).hexdigest()


def part_ocr(ocr_doc: OcrDocument, part: DocumentPart) -> OcrDocument:
    """The OCR result of one part as a document of its own: its pages, numbered 1..n.

    The scanned file's page numbers stay in the part's :class:`~sohoa.model.split.SourceRef`.
    """
    by_number = {p.number: p for p in ocr_doc.pages}
    pages = [by_number[n].model_copy(update={"number": i}) for i, n in enumerate(part.pages, start=1)]
    return ocr_doc.model_copy(update={"pages": pages})


def source_ref(sha256: str, file_name: str, plan: SplitPlan, index: int) -> SourceRef:
    """The reference a split document keeps to its scanned file (``index``: 0-based part)."""
    return SourceRef(
        sha256=sha256,
        file_name=file_name,
        pages=plan.parts[index].pages,
        part=index + 1,
        parts=len(plan.parts),
    )
