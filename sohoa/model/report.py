"""Batch reports and live batch progress: what archive staff read after (and during) an ingestion.

The flow writes ``batches/<batch>/status.json`` (progress) while it runs and ``report.json`` at the end,
both in MinIO beside the batch; the CLI prints the report and the web app shows both.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

__all__ = [
    "BatchProgress",
    "BatchReport",
    "BatchState",
    "FileResult",
    "FileStatus",
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
    if report.error:
        lines += ["", f"**Batch stopped:** {report.error['type']}: {_cell(report.error['message'])}"]
    return "\n".join(lines) + "\n"
