"""One scanned file at the gate: its quality findings and the documents it holds.

:func:`gate_file` is the step the ingestion chain calls between OCR and metadata extraction. Pure: it
takes the file's OCR result, returns a :class:`GatedFile` whose parts each become one document (with its
own id, pages, findings and reference to the scanned file), and leaves storage to the chain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pipeline.qa import QaContext, check_document
from pipeline.split import SplitContext, part_id, part_ocr, plan_split, source_ref
from sohoa.model.document import Document
from sohoa.model.ocr import OcrDocument
from sohoa.model.qa import QaCode, QaFinding, needs_rescan
from sohoa.model.report import PartResult
from sohoa.model.split import SourceRef, SplitMode, SplitPlan, StoredSplit

__all__ = [
    "GateContext",
    "GatedFile",
    "GatedPart",
    "apply_gate",
    "file_numbered",
    "file_result",
    "gate_file",
    "part_findings",
    "stored_split",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GateContext:
    """A batch's choice of splitting and its quality thresholds (frozen, picklable)."""

    split: SplitMode = SplitMode.NONE
    qa: QaContext = field(default_factory=QaContext)
    splitting: SplitContext = field(default_factory=SplitContext)


@dataclass(frozen=True)
class GatedPart:
    """One document of the file: its id, OCR pages, findings and (when split) its source reference."""

    id: str
    ocr: OcrDocument
    qa: list[QaFinding]
    source: SourceRef | None
    dossier_code: str | None

    @property
    def needs_rescan(self) -> bool:
        """A finding on this document asks for a rescan."""
        return needs_rescan(self.qa)


@dataclass(frozen=True)
class GatedFile:
    """The gate's verdict on one scanned file."""

    plan: SplitPlan
    qa: list[QaFinding]
    parts: list[GatedPart]
    ocr: OcrDocument

    @property
    def split(self) -> bool:
        """The file holds more than one document, or separator sheets were taken out."""
        return len(self.parts) > 1 or bool(self.plan.separators)


def part_findings(findings: list[QaFinding], pages: list[int]) -> list[QaFinding]:
    """The file's findings that concern a part, renumbered to the part's own pages (file-wide ones too)."""
    where = {n: i for i, n in enumerate(pages, start=1)}
    out = [f.model_copy(update={"page": where[f.page]}) for f in findings if f.page in where]
    # a duplicate's value is the earlier page: renumber it too when it lies in the part
    out = [
        f.model_copy(update={"value": where[f.value]})
        if f.code is QaCode.DUPLICATE_PAGE and isinstance(f.value, int) and f.value in where
        else f
        for f in out
    ]
    return out + [f for f in findings if f.page is None]


def apply_gate(document: Document, part: GatedPart) -> Document:
    """The document record with what the gate knows: its id, findings, source and separator dossier."""
    return document.model_copy(
        update={
            "id": part.id,
            "qa": part.qa,
            "needs_rescan": part.needs_rescan,
            "source": part.source,
            # the separator sheet before it names this document's dossier; the manifest only the file's
            "dossier_code": part.dossier_code or document.dossier_code,
        }
    )


def gate_file(
    ocr_doc: OcrDocument, ctx: GateContext, *, sha256: str, expected_pages: int | None = None
) -> GatedFile:
    """Check every page of a scanned file and split it into documents as the batch asks.

    Args:
        ocr_doc: the whole file's OCR result (pages numbered 1..n as scanned).
        ctx: the batch's gate context.
        sha256: the scanned file's SHA-256 (the original, stored once).
        expected_pages: the manifest's page count for the file.

    Returns:
        The plan, the file's findings (page numbers of the file) and one part per document. A file kept
        whole has one part whose id is the file's SHA-256, as before splitting existed.
    """
    findings = check_document(ocr_doc.pages, ctx.qa, expected_pages=expected_pages)
    plan = plan_split(ocr_doc.pages, ctx.split, ctx.splitting)
    whole = len(plan.parts) == 1 and not plan.separators
    if whole:
        part = GatedPart(sha256, ocr_doc, findings, None, None)
        return GatedFile(plan, findings, [part], ocr_doc)
    parts = [
        GatedPart(
            id=part_id(sha256, p),
            ocr=part_ocr(ocr_doc, p),
            qa=part_findings(findings, p.pages),
            source=source_ref(sha256, ocr_doc.file_name, plan, i),
            dossier_code=p.dossier_code,
        )
        for i, p in enumerate(plan.parts)
    ]
    log.info("%s: %d documents (%s)", ocr_doc.file_name, len(parts), ", ".join(p.label for p in plan.parts))
    return GatedFile(plan, findings, parts, ocr_doc)


def file_numbered(ocr_doc: OcrDocument, source: SourceRef | None) -> OcrDocument:
    """A part's OCR with the scanned file's page numbers again (to find the file's per-page outputs)."""
    if source is None:
        return ocr_doc
    pages = [p.model_copy(update={"number": n}) for p, n in zip(ocr_doc.pages, source.pages, strict=True)]
    return ocr_doc.model_copy(update={"pages": pages})


def stored_split(gated: GatedFile, file_name: str) -> StoredSplit:
    """What is kept beside a split original (``split.json``)."""
    return StoredSplit(
        file_name=file_name, plan=gated.plan, qa=gated.qa, documents=[p.id for p in gated.parts]
    )


def file_result(
    gated: GatedFile, parts: list[tuple[Document, str | None]], *, sha256: str
) -> dict[str, object]:
    """The report fields of a gated file: its findings, its documents (when split) and a rescan reason.

    Args:
        gated: the gate's verdict.
        parts: each part's stored document and its số/ký hiệu.
        sha256: the scanned file's SHA-256.
    """
    fields: dict[str, object] = {"qa": gated.qa}
    if gated.split:
        fields["documents"] = [
            PartResult(
                document_id=doc.id,
                pages=doc.source.pages if doc.source else [],
                dossier_code=doc.dossier_code,
                so_ky_hieu=number,
            )
            for doc, number in parts
        ]
        fields["separator_pages"] = gated.plan.separators
        fields["original"] = sha256
    return fields
