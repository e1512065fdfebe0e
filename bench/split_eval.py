"""Splitting and quality-gate benchmark on long files built from the dev set.

Each dev document (synthetic ``vn-admin`` and ``real``) is OCR'd once through sohoa's own OCR (cached
under ``--cache``, default /tmp/18/ocr, keyed by the file's SHA-256 and the OCR context). Long "box" files
are then built by concatenating documents' OCR'd pages in a seeded random order, in five variants:

- ``headers``: documents back to back;
- ``headers+backs``: a blank back page (generated, with a faint seal bleed-through, or a real one)
  after a share of the pages;
- ``qr-separators`` and ``qr-separators+backs``: a QR separator sheet (``pipeline.sheets``) before
  every document, whose value is a dossier code;
- ``blank-separators``: a blank sheet between documents.

The generated sheets go through the same OCR as the documents. Concatenation happens at the page level
(the split decision is a function of the pages' OCR results and scan facts, which do not depend on the
neighbouring pages), so no page is OCR'd twice. Boundaries are document starts; precision, recall and F1
are micro-averaged over all files of a variant.

QA: every dev page is checked; a ``low_dpi`` finding is false when the manifest's dpi is at least 200, a
``blank_page`` finding is false unless the page is a known blank back (``r-299-ub`` p2) or a generated one.

    nice -n 10 python bench/split_eval.py [--eval DIR] [--cache DIR] [--files 6] [--ocr-only]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

import ocr  # noqa: E402
from pipeline.qa import QaContext, check_document  # noqa: E402
from pipeline.sheets import separator_sheet  # noqa: E402
from pipeline.split import SplitContext, plan_split  # noqa: E402
from sohoa.model.ocr import OcrPage  # noqa: E402
from sohoa.model.qa import QaCode  # noqa: E402
from sohoa.model.split import SplitMode  # noqa: E402

log = logging.getLogger("split_eval")

#: the dev set's real blank back pages (by eye; see real/README.md and the document notes)
KNOWN_BLANK = {("r-299-ub", 2)}


@dataclass(frozen=True)
class DevDoc:
    """One dev document: its files (one multi-page file, or one image per page) and manifest dpi."""

    id: str
    set: str
    files: tuple[Path, ...]
    dpi: int | None


def eval_dir(option: str | None) -> Path:
    """--eval, else $SOHOA_EVAL_DIR, else ../shared/eval relative to the repo."""
    path = Path(option or os.environ.get("SOHOA_EVAL_DIR") or REPO.parent / "shared" / "eval").resolve()
    if not (path / "manifest.csv").is_file():
        sys.exit(f"no manifest.csv in {path}; pass --eval")
    return path


def load_docs(root: Path) -> list[DevDoc]:
    """Every document of vn-admin and real, in manifest order."""
    docs: list[DevDoc] = []
    for manifest, folder, name in (
        (root / "manifest.csv", root, "vn-admin"),
        (root / "real" / "manifest.csv", root / "real", "real"),
    ):
        files: dict[str, list[Path]] = defaultdict(list)
        dpis: dict[str, int | None] = {}
        with manifest.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r.get("set", name) != name:
                    continue
                path = folder / r["image"]
                if path not in files[r["doc_id"]]:
                    files[r["doc_id"]].append(path)
                dpis[r["doc_id"]] = int(r["dpi"]) if r["dpi"] else None
        docs += [DevDoc(d, name, tuple(p), dpis[d]) for d, p in files.items()]
    return docs


def _key(path: Path, ctx: ocr.OcrContext) -> str:
    h = hashlib.sha256(path.read_bytes())
    h.update(repr(ctx).encode())
    return h.hexdigest()[:32]


def ocr_cached(path: Path, ctx: ocr.OcrContext, cache: Path) -> ocr.OcrDocument:
    """OCR a file through sohoa, or read the cached result."""
    out = cache / f"{_key(path, ctx)}.json"
    if out.is_file():
        return ocr.OcrDocument.model_validate_json(out.read_text(encoding="utf-8"))
    t = time.perf_counter()
    doc = ocr.ocr_file(path, ctx)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc.model_dump_json(), encoding="utf-8")
    log.info("OCR %s: %d pages, %.1f s", path.name, len(doc.pages), time.perf_counter() - t)
    return doc


def doc_pages(doc: DevDoc, ctx: ocr.OcrContext, cache: Path) -> list[ocr.OcrPage]:
    """The document's OCR'd pages, numbered 1..n across its files."""
    pages: list[ocr.OcrPage] = []
    for f in doc.files:
        for p in ocr_cached(f, ctx, cache).pages:
            pages.append(p.model_copy(update={"number": len(pages) + 1}))
    return pages


def blank_back(seed: int, *, dpi: int = 200, color: bool = True) -> Image.Image:
    """A blank back page: paper tint and grain, and (colour) a faint mirrored seal showing through."""
    rng = np.random.default_rng(seed)
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    paper = rng.normal(238, 3.0, (h, w, 3)).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(paper, "RGB")
    draw = ImageDraw.Draw(img)
    cx, cy, r = int(w * rng.uniform(0.55, 0.75)), int(h * rng.uniform(0.55, 0.8)), int(dpi * 0.7)
    tone = (232, 205, 205) if color else (222, 222, 222)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=tone, width=max(2, dpi // 40))
    draw.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), outline=tone, width=max(1, dpi // 80))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    if not color:
        img = img.convert("L")
    img.info["dpi"] = (dpi, dpi)
    return img


def sheet_pages(
    ctx: ocr.OcrContext, cache: Path, workdir: Path
) -> tuple[list[ocr.OcrPage], list[ocr.OcrPage]]:
    """OCR'd generated sheets: QR separators (values HS-BENCH-000..) and blank backs."""
    separators, backs = [], []
    for i in range(4):
        path = workdir / f"sep-{i}.png"
        separator_sheet(f"HS-BENCH-{i:03d}", dpi=(200, 300)[i % 2]).save(path, dpi=((200, 300)[i % 2],) * 2)
        separators.append(ocr_cached(path, ctx, cache).pages[0])
    for i in range(6):
        path = workdir / f"back-{i}.png"
        image = blank_back(i, dpi=(200, 300)[i % 2], color=i % 3 != 2)
        image.save(path, dpi=image.info["dpi"])
        backs.append(ocr_cached(path, ctx, cache).pages[0])
    return separators, backs


def qa_trial_pages(ctx: ocr.OcrContext, cache: Path, workdir: Path) -> dict[str, tuple[OcrPage, set[QaCode]]]:
    """The issue's new-user trial, generated: each page and the codes it must get (any one of them)."""
    rng = np.random.default_rng(7)
    trial: dict[str, tuple[Image.Image, str, set[QaCode]]] = {
        "10-dpi.jpg": (Image.new("L", (83, 117), 255), "JPEG", {QaCode.LOW_DPI}),
        "noise.png": (
            Image.fromarray(rng.integers(0, 256, (2339, 1654), dtype=np.uint8), "L"),
            "PNG",
            {QaCode.NO_TEXT, QaCode.ILLEGIBLE},
        ),
        "one-pixel.png": (Image.new("L", (1, 1), 0), "PNG", {QaCode.LOW_DPI}),
        "white.png": (Image.new("L", (1654, 2339), 255), "PNG", {QaCode.BLANK_PAGE}),
    }
    out = {}
    for name, (image, fmt, codes) in trial.items():
        path = workdir / name
        dpi = 10 if name.startswith("10-dpi") else 200
        if name.startswith("10-dpi"):
            ImageDraw.Draw(image).text((5, 5), "Số: 1", fill=0)
        image.save(path, fmt, dpi=(dpi, dpi))
        out[name] = (ocr_cached(path, ctx, cache).pages[0], codes)
    return out


@dataclass
class Score:
    """Boundary counts of one variant."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    files: int = 0
    pages: int = 0
    dossiers_right: int = 0
    dossiers: int = 0

    def add(self, gold: set[int], found: set[int]) -> None:
        self.tp += len(gold & found)
        self.fp += len(found - gold)
        self.fn += len(gold - found)

    def row(self, name: str, mode: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        dossier = f"{self.dossiers_right}/{self.dossiers}" if self.dossiers else "-"
        return (
            f"| {name} | {mode} | {self.files} | {self.pages} | {self.tp + self.fn} | {p:.3f} | {r:.3f} "
            f"| {f1:.3f} | {dossier} |"
        )


def _renumber(pages: list[OcrPage]) -> list[OcrPage]:
    return [p.model_copy(update={"number": i}) for i, p in enumerate(pages, start=1)]


def build_file(
    docs: list[list[OcrPage]],
    variant: str,
    rng: random.Random,
    separators: list[OcrPage],
    backs: list[OcrPage],
) -> tuple[list[OcrPage], set[int], dict[int, str]]:
    """A long file of these documents; the gold boundaries (first pages but the file's first) and dossiers."""
    pages: list[OcrPage] = []
    starts: list[int] = []
    dossiers: dict[int, str] = {}
    for k, doc in enumerate(docs):
        sep = None
        if variant.startswith("qr-separators"):
            sep = separators[k % len(separators)]
            pages.append(sep)
        elif variant == "blank-separators" and k:
            pages.append(rng.choice(backs))
        starts.append(len(pages) + 1)
        if sep is not None and sep.facts and sep.facts.barcodes:
            dossiers[len(pages) + 1] = sep.facts.barcodes[0].text
        for i, page in enumerate(doc):
            pages.append(page)
            if variant.endswith("+backs") and rng.random() < (0.5 if i == len(doc) - 1 else 0.2):
                pages.append(rng.choice(backs))
    return _renumber(pages), set(starts[1:]), dossiers


VARIANTS = (
    ("headers", SplitMode.HEADER),
    ("headers", SplitMode.AUTO),
    ("headers+backs", SplitMode.HEADER),
    ("headers+backs", SplitMode.AUTO),
    ("qr-separators", SplitMode.SEPARATOR),
    ("qr-separators", SplitMode.AUTO),
    ("qr-separators+backs", SplitMode.SEPARATOR),
    ("qr-separators+backs", SplitMode.AUTO),
    ("blank-separators", SplitMode.SEPARATOR),
)


def split_table(
    docs: list[DevDoc],
    pages: dict[str, list[OcrPage]],
    separators: list[OcrPage],
    backs: list[OcrPage],
    *,
    files: int,
    seed: int,
    subset: str | None = None,
) -> tuple[list[str], list[str]]:
    """The boundary table rows and the list of misses (for reading what went wrong)."""
    ctx = SplitContext()
    rows, misses = [], []
    chosen = [d for d in docs if subset is None or d.set == subset]
    for variant, mode in VARIANTS:
        rng = random.Random(f"{seed}-{variant}")
        order = chosen[:]
        rng.shuffle(order)
        chunks = [order[i::files] for i in range(files)]
        score = Score()
        for chunk in chunks:
            if not chunk:
                continue
            file_pages, gold, dossiers = build_file(
                [pages[d.id] for d in chunk], variant, rng, separators, backs
            )
            plan = plan_split(file_pages, mode, ctx)
            found = set(plan.starts[1:])
            score.add(gold, found)
            score.files += 1
            score.pages += len(file_pages)
            for part in plan.parts:
                if part.first in dossiers:
                    score.dossiers += 1
                    score.dossiers_right += part.dossier_code == dossiers[part.first]
            for n in sorted(gold ^ found):
                kind = "missed" if n in gold else "false"
                misses.append(
                    f"{variant}/{mode.value}: {kind} boundary at page {n} ({_origin(n, chunk, pages)})"
                )
        rows.append(score.row(variant, mode.value))
    return rows, misses


def _origin(n: int, chunk: list[DevDoc], pages: dict[str, list[OcrPage]]) -> str:
    return ", ".join(d.id for d in chunk)


def qa_table(
    docs: list[DevDoc],
    pages: dict[str, list[OcrPage]],
    backs: list[OcrPage],
    trial: dict[str, tuple[OcrPage, set[QaCode]]],
) -> list[str]:
    """QA counts on the dev sets and on the generated pages."""
    ctx = QaContext()
    counts: Counter[str] = Counter()
    total = low_true = low_found = false_low = false_blank = blank_true = blank_found = false_no_text = 0
    for d in docs:
        findings = check_document(pages[d.id], ctx)
        for f in findings:
            counts[f.code.value] += 1
        total += len(pages[d.id])
        low_pages = {f.page for f in findings if f.code is QaCode.LOW_DPI}
        blank_pages = {f.page for f in findings if f.code is QaCode.BLANK_PAGE}
        if d.dpi is not None and d.dpi < ctx.min_dpi:
            low_true += len(pages[d.id])
            low_found += len(low_pages)
        else:
            false_low += len(low_pages)
        truth = {n for doc_id, n in KNOWN_BLANK if doc_id == d.id}
        blank_true += len(truth)
        blank_found += len(blank_pages & truth)
        false_blank += len(blank_pages - truth)
        false_no_text += sum(1 for f in findings if f.code is QaCode.NO_TEXT)
    gen_blank = sum(1 for b in backs if any(f.code is QaCode.BLANK_PAGE for f in check_document([b], ctx)))
    lines = [
        f"| dev pages checked | {total} |",
        f"| findings per code | {', '.join(f'{k} {v}' for k, v in sorted(counts.items())) or 'none'} |",
        f"| low_dpi: pages under 200 dpi found | {low_found}/{low_true} |",
        f"| low_dpi: false | {false_low} |",
        f"| blank_page: real blank backs found | {blank_found}/{blank_true} |",
        f"| blank_page: generated blank backs (seal bleed-through) found | {gen_blank}/{len(backs)} |",
        f"| blank_page: false | {false_blank} ({false_blank / max(total, 1):.1%} of pages) |",
        f"| no_text on dev pages (all have text) | {false_no_text} |",
    ]
    for name, (page, codes) in trial.items():
        got = {f.code for f in check_document([page], ctx)}
        ok = "yes" if got & codes else "NO"
        want, seen = "/".join(sorted(codes)), ", ".join(sorted(got)) or "none"
        lines.append(f"| trial page {name}: expects {want} | {ok} ({seen}) |")
    return lines


def report(
    docs: list[DevDoc],
    pages: dict[str, list[OcrPage]],
    separators: list[OcrPage],
    backs: list[OcrPage],
    trial: dict[str, tuple[OcrPage, set[QaCode]]],
    *,
    files: int,
    seed: int,
) -> str:
    """The Markdown report: boundary tables (all, vn-admin, real) and the QA table."""
    head = [
        "| long files | mode | files | pages | boundaries | precision | recall | F1 | dossier from QR |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    out = []
    all_misses = []
    for title, subset in (
        ("all dev documents", None),
        ("vn-admin (synthetic)", "vn-admin"),
        ("real", "real"),
    ):
        rows, misses = split_table(
            docs,
            pages,
            separators,
            backs,
            files=files if subset is None else max(2, files // 2),
            seed=seed,
            subset=subset,
        )
        out += [f"### Boundaries: {title}", "", *head, *rows, ""]
        if subset is None:
            all_misses = misses
    out += ["### QA", "", "| measure | value |", "|---|---|", *qa_table(docs, pages, backs, trial), ""]
    if all_misses:
        out += ["Boundary errors (all dev documents):", *[f"- {m}" for m in all_misses], ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", help="eval set folder (default ../shared/eval)")
    parser.add_argument("--cache", default="/tmp/18/ocr", help="OCR cache folder")
    parser.add_argument("--files", type=int, default=6, help="long files per variant")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--jobs", type=int, default=1, help="Tesseract processes")
    parser.add_argument("--ocr-only", action="store_true", help="fill the OCR cache and stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root, cache = eval_dir(args.eval), Path(args.cache)
    ctx = ocr.OcrContext(jobs=args.jobs)
    docs = load_docs(root)
    pages = {d.id: doc_pages(d, ctx, cache) for d in docs}
    with tempfile.TemporaryDirectory(prefix="split-eval-") as tmp:
        separators, backs = sheet_pages(ctx, cache, Path(tmp))
        trial = qa_trial_pages(ctx, cache, Path(tmp))
    if args.ocr_only:
        print(
            f"cached {sum(len(p) for p in pages.values())} dev pages, {len(separators) + len(backs)} sheets"
        )
        return 0
    print(report(docs, pages, separators, backs, trial, files=args.files, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
