"""Shared plumbing of the OCR benchmarks: the eval set, page extraction, the three systems under test."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def eval_dir(option: str | None) -> Path:
    """The eval set: --eval, else $SOHOA_EVAL_DIR, else ../shared/eval relative to the repo root."""
    path = Path(option or os.environ.get("SOHOA_EVAL_DIR") or REPO.parent / "shared" / "eval").resolve()
    if not (path / "manifest.csv").is_file():
        sys.exit(f"no manifest.csv in {path}; pass --eval or set SOHOA_EVAL_DIR")
    return path


@dataclass(frozen=True)
class PageRow:
    """One manifest row."""

    name: str  # prediction file stem, e.g. dev-007-p2
    set: str
    doc: Path  # the original file (multi-page TIFF/PDF or single image)
    frame: int  # 1-based
    gt: str
    fmt: str
    dpi: int
    level: str


def load_rows(root: Path, sets: Iterable[str] | None = None) -> list[PageRow]:
    rows = []
    with (root / "manifest.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if sets and r["set"] not in sets:
                continue
            base = Path(r["gt"]).name
            name = base[: -len(".gt.txt")] if base.endswith(".gt.txt") else Path(base).stem
            rows.append(
                PageRow(
                    name,
                    r["set"],
                    root / r["image"],
                    int(r["frame"] or 1),
                    (root / r["gt"]).read_text(encoding="utf-8"),
                    r["format"],
                    int(r["dpi"] or 0),
                    r["level"],
                )
            )
    return rows


def page_gray(row: PageRow) -> np.ndarray:
    """The page's pixels as 8-bit gray (PDF pages via pdfimages, as the baseline does)."""
    if row.fmt == "pdf":
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["pdfimages", "-j", "-f", str(row.frame), "-l", str(row.frame), str(row.doc), f"{tmp}/p"],
                check=True,
            )
            (img,) = sorted(Path(tmp).iterdir())
            return np.asarray(Image.open(img).convert("L"))
    with Image.open(row.doc) as im:
        im.seek(row.frame - 1)
        return np.asarray(im.convert("L"))


def write_png(gray: np.ndarray, dpi: int, path: Path) -> Path:
    Image.fromarray(gray).save(path, dpi=(dpi, dpi), compress_level=1)
    return path


def page_file(row: PageRow, workdir: Path) -> Path:
    """A single-page image of the row for the raw baseline (originals used as they are when possible)."""
    if row.fmt in ("png", "jpg") and row.frame == 1:
        return row.doc
    out = workdir / f"{row.name}.png"
    if not out.exists():
        write_png(page_gray(row), row.dpi or 300, out)
    return out


def tesseract_env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def run_raw(images: list[Path], *, lang: str = "vie", jobs: int = 2) -> list[str]:
    """`tesseract IMG - -l vie --psm 3`, one process per page, `jobs` at a time."""

    def one(img: Path) -> str:
        out = subprocess.run(
            ["tesseract", str(img), "-", "-l", lang, "--psm", "3"],
            capture_output=True,
            text=True,
            env=tesseract_env(),
            check=False,
        )
        return out.stdout

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, images))


def run_ocrmypdf(doc: Path, dpi: int, workdir: Path, *, jobs: int = 2, lang: str = "vie") -> list[str]:
    """`ocrmypdf -l vie --deskew --rotate-pages` sidecar text, split into pages."""
    side, out = workdir / f"{doc.stem}.txt", workdir / f"{doc.stem}.pdf"
    args = [
        shutil.which("ocrmypdf") or str(Path(sys.executable).parent / "ocrmypdf"),
        "-l",
        lang,
        "--deskew",
        "--rotate-pages",
        "--jobs",
        str(jobs),
        "--sidecar",
        str(side),
        "--output-type",
        "pdf",
        "--optimize",
        "0",
        "-q",
    ]
    if doc.suffix.lower() != ".pdf":
        args += ["--image-dpi", str(dpi or 300)]
    proc = subprocess.run(
        [*args, str(doc), str(out)], capture_output=True, text=True, check=False, env=tesseract_env()
    )
    if proc.returncode not in (0, 10) or not side.exists():  # 10: PDF/A conversion warning
        print(f"ocrmypdf failed on {doc.name}: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return []
    pages = side.read_text(encoding="utf-8").split("\f")
    side.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    return pages
