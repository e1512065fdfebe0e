"""Batch reports and live batch progress: what archive staff read after (and during) an ingestion.

The flow writes ``batches/<batch>/status.json`` (progress) while it runs and ``report.json`` at the end,
both in MinIO beside the batch; the CLI prints the report and the web app shows both.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from sohoa.model.qa import QaCode, QaFinding

__all__ = [
    "BatchProgress",
    "BatchReport",
    "BatchState",
    "FileResult",
    "FileStatus",
    "PartResult",
    "QaSection",
    "RescanFile",
    "Reconciliation",
    "Totals",
    "to_markdown",
]


class FileStatus(StrEnum):
    """Outcome of one file of a batch."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"


class BatchState(StrEnum):
    """Where a batch is."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FileResult(BaseModel):
    """One file's line in the report."""

    path: str = Field(description="Path inside the batch (folder-relative, zip member or object key)")
    status: FileStatus
    document_id: str | None = None
    pages: int = 0
    failed_pages: list[int] = Field(default_factory=list)
    error: dict[str, str] | None = Field(None, description='{"type": ..., "message": ...}')
    reasons: list[str] = Field(default_factory=list, description="Why it needs review")
    indexed: bool = False
    so_ky_hieu: str | None = None
    seconds: float = 0.0
    qa: list[QaFinding] = Field(default_factory=list, description="Scan quality findings, pages of the file")
    documents: list[PartResult] = Field(
        default_factory=list, description="The documents the file was split into (empty: one document)"
    )
    separator_pages: list[int] = Field(default_factory=list, description="Separator sheets of the file")
    original: str | None = Field(None, description="SHA-256 of the scanned file, when it was split")


class PartResult(BaseModel):
    """One document split out of a scanned file."""

    document_id: str
    pages: list[int] = Field(description="Page numbers in the scanned file")
    dossier_code: str | None = None
    so_ky_hieu: str | None = None


class Totals(BaseModel):
    """Counts over the batch."""

    files: int = 0
    stored: int = 0
    duplicate: int = 0
    failed: int = 0
    needs_review: int = 0
    pages: int = 0
    seconds: float = 0.0
    pages_per_minute: float = 0.0
    not_indexed: int = Field(0, description="Stored but not yet indexed (index down); reindex completes them")


class Reconciliation(BaseModel):
    """The manifest checked against what arrived."""

    manifest: str | None = None
    missing_files: list[str] = Field(default_factory=list)
    unexpected_files: list[str] = Field(default_factory=list)
    page_mismatches: list[dict[str, object]] = Field(
        default_factory=list, description='[{"path": ..., "expected": 3, "found": 2}]'
    )


class RescanFile(BaseModel):
    """A file with pages to scan again."""

    path: str
    pages: list[int] = Field(default_factory=list, description="Empty: the whole file (e.g. pages missing)")
    codes: list[QaCode] = Field(default_factory=list)


class QaSection(BaseModel):
    """The quality gate over the batch: findings per code and the files to rescan."""

    counts: dict[str, int] = Field(default_factory=dict, description="Findings per QA code")
    pages_checked: int = 0
    rescan: list[RescanFile] = Field(default_factory=list)


class BatchReport(BaseModel):
    """The whole report."""

    batch: str
    source: str
    state: BatchState = BatchState.COMPLETED
    started_at: str
    finished_at: str | None = None
    uploader: str | None = None
    files: list[FileResult] = Field(default_factory=list)
    totals: Totals = Field(default_factory=Totals)
    reconciliation: Reconciliation = Field(default_factory=Reconciliation)
    error: dict[str, str] | None = Field(None, description="Why the whole batch stopped, if it did")
    qa: QaSection = Field(default_factory=QaSection)


class BatchProgress(BaseModel):
    """Live progress of a running batch."""

    batch: str
    state: BatchState
    files_total: int = 0
    files_done: int = 0
    pages_done: int = 0
    failures: list[FileResult] = Field(default_factory=list)
    updated_at: str
    source: str | None = Field(None, description="What the batch ingests (to retry it)")
    uploader: str | None = None
    worker: str | None = Field(None, description="host:pid of the process running it, if known")
    heartbeat_at: str | None = Field(None, description="Last sign of life of the worker (UTC)")
    files: list[FileResult] = Field(default_factory=list, description="Every finished file so far")
    attempts: int = Field(1, description="Runs of this batch (a retry adds one)")
    error: dict[str, str] | None = Field(None, description="Why the batch stopped, if it did")
    split: str | None = Field(None, description="The upload's split option (a retry runs with it again)")
    expect_color: bool = Field(False, description="Uploaded as scanned in colour (kept for a retry)")
    flow_run: str | None = Field(None, description="Id of the Prefect flow run ingesting it, if known")


def _cell(value: object) -> str:
    # Markdown table cells: no pipes or newlines from file names or error messages.
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: BatchReport) -> str:
    """The report as a Markdown table (the Prefect UI shows it as an artifact)."""
    t = report.totals
    lines = [
        f"# Batch `{_cell(report.batch)}`",
        "",
        f"Source: `{_cell(report.source)}` · state **{report.state.value}** · "
        f"{t.files} files · {t.pages} pages · {t.seconds:.1f} s · {t.pages_per_minute:.1f} pages/min",
        "",
        f"stored {t.stored} · duplicate {t.duplicate} · needs review {t.needs_review} · failed {t.failed}"
        + (f" · not yet indexed {t.not_indexed}" if t.not_indexed else ""),
        "",
        "| file | status | pages | số/ký hiệu | document | error / reasons |",
        "|---|---|---|---|---|---|",
    ]
    for f in report.files:
        why = f"{f.error['type']}: {f.error['message']}" if f.error else "; ".join(f.reasons)
        doc = f.document_id[:12] if f.document_id else ""
        lines.append(
            f"| {_cell(f.path)} | {f.status.value} | {f.pages} | {_cell(f.so_ky_hieu or '')} "
            f"| {doc} | {_cell(why)} |"
        )
    r = report.reconciliation
    if r.manifest:
        lines += ["", f"## Manifest `{_cell(r.manifest)}`", ""]
        lines.append(f"- missing files: {', '.join(map(_cell, r.missing_files)) or 'none'}")
        lines.append(f"- unexpected files: {', '.join(map(_cell, r.unexpected_files)) or 'none'}")
        for m in r.page_mismatches:
            lines.append(f"- {_cell(m['path'])}: expected {m['expected']} pages, found {m['found']}")
    split = [f for f in report.files if f.documents]
    if split:
        lines += ["", "## Documents split out of scanned files", ""]
        for f in split:
            seps = (
                f" (separator sheets: {', '.join(map(str, f.separator_pages))})" if f.separator_pages else ""
            )
            lines.append(f"- `{_cell(f.path)}`: {len(f.documents)} documents{seps}")
            for part in f.documents:
                pages = f"{part.pages[0]}-{part.pages[-1]}" if len(part.pages) > 1 else f"{part.pages[0]}"
                extra = "".join(
                    f" · {label} {_cell(v)}"
                    for label, v in (("số/ký hiệu", part.so_ky_hieu), ("hồ sơ", part.dossier_code))
                    if v
                )
                lines.append(f"  - pages {pages}: `{part.document_id[:12]}`{extra}")
    lines += _qa_markdown(report)
    if report.error:
        lines += ["", f"**Batch stopped:** {report.error['type']}: {_cell(report.error['message'])}"]
    return "\n".join(lines) + "\n"


def _qa_markdown(report: BatchReport) -> list[str]:
    qa = report.qa
    if not qa.pages_checked:
        return []
    counts = ", ".join(f"`{code}` {n}" for code, n in sorted(qa.counts.items())) or "no findings"
    lines = [
        "",
        "## Kiểm tra chất lượng quét / Scan quality",
        "",
        f"{qa.pages_checked} pages checked: {counts}",
    ]
    if qa.rescan:
        lines += ["", "| file to rescan | pages | codes |", "|---|---|---|"]
        for r in qa.rescan:
            pages = ", ".join(map(str, r.pages)) or "all"
            lines.append(f"| {_cell(r.path)} | {pages} | {', '.join(c.value for c in r.codes)} |")
    for f in report.files:
        for finding in f.qa:
            lines.append(
                f"- {_cell(f.path)}, {_cell(finding.describe('vi'))} / {_cell(finding.describe('en'))}"
            )
    return lines
