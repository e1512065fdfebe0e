"""OCR accuracy benchmark: raw Tesseract vs OCRmyPDF vs sohoa on the eval pages and harder variants.

    .venv/bin/python bench/ocr_eval.py [--eval DIR] [--systems raw,ocrmypdf,sohoa] [--variant-pages 10]

Prints CER (micro and median), diacritics-insensitive CER, WER and the order-independent word-miss rate,
per subset (level, DPI, variant). Predictions are written to --out (one .txt per page, the eval set's
``cer.py`` reads them) so figures can be re-checked with the official scorer. The baselines do not
change with sohoa's code: run them once, then score them from their saved predictions beside a new
sohoa run with ``--systems sohoa --variant-systems sohoa --cached raw,ocrmypdf --out SAME_DIR``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ocr_common import (  # noqa: E402
    PageRow,
    eval_dir,
    load_rows,
    page_file,
    page_gray,
    run_ocrmypdf,
    run_raw,
    write_png,
)
from ocr_degrade import VARIANTS, degrade  # noqa: E402
from ocr_metrics import page_scores  # noqa: E402

from ocr import OcrContext, ocr_files  # noqa: E402
from sohoa.settings import OcrSettings  # noqa: E402


def run_sohoa(docs: list[Path], ctx: OcrContext, jobs: int) -> dict[Path, list[str]]:
    out: dict[Path, list[str]] = {}
    for result in ocr_files(docs, ctx, jobs=jobs):
        if result.error:
            print(f"sohoa failed on {result.path.name}: {result.error.message}", file=sys.stderr)
            out[result.path] = []
        else:
            assert result.document is not None
            out[result.path] = [p.text for p in result.document.pages]
    return out


def table(title: str, results: dict[str, dict[str, list[dict[str, float]]]]) -> None:
    """results[system][subset] = per-page score dicts."""
    print(f"\n### {title}\n")
    print("| subset | system | pages | CER micro | CER median | CER no-diacritics | WER | word-miss (bow) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    subsets = list(dict.fromkeys(s for per in results.values() for s in per))
    for subset in subsets:
        for system, per in results.items():
            pages = per.get(subset)
            if not pages:
                continue
            chars = sum(p["chars"] for p in pages) or 1
            words = sum(p["words"] for p in pages) or 1
            med = statistics.median(p["edits"] / max(1, p["chars"]) for p in pages)
            print(
                f"| {subset} | {system} | {len(pages)} | {sum(p['edits'] for p in pages) / chars:.4f} | "
                f"{med:.4f} | {sum(p['edits_nodia'] for p in pages) / chars:.4f} | "
                f"{sum(p['word_edits'] for p in pages) / words:.4f} | "
                f"{sum(p['word_miss'] for p in pages) / words:.4f} |"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", help="eval set folder (default $SOHOA_EVAL_DIR or ../shared/eval)")
    ap.add_argument("--systems", default="raw,ocrmypdf,sohoa")
    ap.add_argument("--set", action="append", help="manifest set(s) to use (default: all)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N documents")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="harder variants ('' for none)")
    ap.add_argument("--variant-pages", type=int, default=10, help="pages per variant (spread over the set)")
    ap.add_argument("--variant-systems", default="raw,sohoa", help="systems run on the variants")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--lang", default="vie", help="sohoa languages (raw/OCRmyPDF use vie as the baseline)")
    ap.add_argument("--out", type=Path, help="write predictions here (default: a temp folder, removed)")
    ap.add_argument("--ctx", action="append", default=[], help="OcrContext override, e.g. deskew=false")
    ap.add_argument(
        "--cached",
        default="",
        help="systems not run but scored from earlier predictions in --out/<system>/ (e.g. raw,ocrmypdf)",
    )
    args = ap.parse_args()

    root = eval_dir(args.eval)
    rows = load_rows(root, args.set)
    docs = list(dict.fromkeys(r.doc for r in rows))
    if args.limit:
        docs = docs[: args.limit]
        rows = [r for r in rows if r.doc in docs]
    overrides: dict[str, object] = {}
    for item in args.ctx:
        key, _, value = item.partition("=")
        overrides[key] = {"true": True, "false": False}.get(value.lower(), value)
        if isinstance(overrides[key], str) and value.replace(".", "").isdigit():
            overrides[key] = float(value) if "." in value else int(value)
    ctx = OcrContext.from_settings(OcrSettings(), languages=args.lang, **overrides)
    systems = [s for s in args.systems.split(",") if s]
    cached = [s for s in args.cached.split(",") if s and s not in systems]
    if cached and not args.out:
        sys.exit("--cached needs --out (the folder holding the earlier predictions)")
    tmp = tempfile.TemporaryDirectory(prefix="ocr-eval-")
    work = Path(tmp.name)
    out = args.out or work / "pred"
    print(f"eval set: {root} ({len(rows)} pages, {len(docs)} files); sohoa context: {ctx}")

    preds: dict[str, dict[str, str]] = defaultdict(dict)  # system -> page name -> text
    seconds: dict[str, float] = {}
    if "raw" in systems:
        t = time.perf_counter()
        texts = run_raw([page_file(r, work) for r in rows], jobs=args.jobs)
        preds["raw"] = {r.name: t_ for r, t_ in zip(rows, texts, strict=True)}
        seconds["raw"] = time.perf_counter() - t
    if "ocrmypdf" in systems:
        t = time.perf_counter()
        for doc in docs:
            dpi = next(r.dpi for r in rows if r.doc == doc)
            pages = run_ocrmypdf(doc, dpi, work, jobs=args.jobs)
            for r in rows:
                if r.doc == doc:
                    preds["ocrmypdf"][r.name] = pages[r.frame - 1] if r.frame - 1 < len(pages) else ""
        seconds["ocrmypdf"] = time.perf_counter() - t
    if "sohoa" in systems:
        t = time.perf_counter()
        texts_by_doc = run_sohoa(docs, ctx, args.jobs)
        for r in rows:
            pages = texts_by_doc.get(r.doc, [])
            preds["sohoa"][r.name] = pages[r.frame - 1] if r.frame - 1 < len(pages) else ""
        seconds["sohoa"] = time.perf_counter() - t

    for system in cached:
        folder = out / system
        for f in folder.glob("*.txt"):
            preds[system][f.name[: -len(".txt")]] = f.read_text(encoding="utf-8")
        missing = [r.name for r in rows if r.name not in preds[system]]
        if missing:
            sys.exit(f"--cached {system}: {len(missing)} pages have no prediction in {folder}")
    systems = [*systems, *cached]

    def score(system: str, subset_rows: list[PageRow], key) -> dict[str, list[dict[str, float]]]:  # noqa: ANN001
        per: dict[str, list[dict[str, float]]] = defaultdict(list)
        for r in subset_rows:
            s = page_scores(preds[system].get(r.name, ""), r.gt)
            for k in key(r):
                per[k].append(s)
        return per

    def keys(r: PageRow) -> list[str]:
        ks = [f"{r.set}, all", f"{r.set}, {r.level}"]
        if r.set == "vn-admin":
            ks.append(f"vn-admin, {r.dpi} dpi")
        return ks

    table("Original eval pages", {s: score(s, rows, keys) for s in systems})

    variants = [v for v in args.variants.split(",") if v]
    if variants:
        pool = [r for r in rows if r.set == "vn-admin"]
        step = max(1, len(pool) // max(1, args.variant_pages))
        picked = pool[::step][: args.variant_pages]
        vrows: list[PageRow] = []
        vdir = work / "variants"
        vdir.mkdir()
        for r in picked:
            gray = page_gray(r)
            for v in variants:
                img, dpi, _ = degrade(gray, r.dpi or 300, v, r.name)
                path = write_png(img, dpi, vdir / f"{r.name}~{v}.png")
                vrows.append(PageRow(f"{r.name}~{v}", v, path, 1, r.gt, "png", dpi, r.level))
        vsystems = [s for s in args.variant_systems.split(",") if s]
        for system in vsystems:
            if system in cached:
                continue
            t = time.perf_counter()
            if system == "raw":
                texts = run_raw([r.doc for r in vrows], jobs=args.jobs)
                preds["raw"].update({r.name: t_ for r, t_ in zip(vrows, texts, strict=True)})
            elif system == "ocrmypdf":
                for r in vrows:
                    pages = run_ocrmypdf(r.doc, r.dpi, work, jobs=args.jobs)
                    preds["ocrmypdf"][r.name] = pages[0] if pages else ""
            elif system == "sohoa":
                got = run_sohoa([r.doc for r in vrows], ctx, args.jobs)
                preds["sohoa"].update({r.name: (got.get(r.doc) or [""])[0] for r in vrows})
            seconds[f"{system} (variants)"] = time.perf_counter() - t

        def vkeys(r: PageRow) -> list[str]:
            return ["variants, all", f"variant {r.set}"]

        print(f"\n{len(picked)} source pages x {len(variants)} variants = {len(vrows)} pages")
        vsystems += [s for s in cached if s not in vsystems and all(r.name in preds[s] for r in vrows)]
        table("Harder variants", {s: score(s, vrows, vkeys) for s in vsystems})

    if args.out:
        for system, by_page in preds.items():
            if system in cached:
                continue
            (out / system).mkdir(parents=True, exist_ok=True)
            for name, text in by_page.items():
                (out / system / f"{name}.txt").write_text(text, encoding="utf-8")
        print(
            f"\npredictions in {out}/<system>/ (score with: python3 {root}/cer.py {root}/manifest.csv "
            f"{out}/sohoa --bow --by level)"
        )
    print("\nwall-clock seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))
    tmp.cleanup()


if __name__ == "__main__":
    main()
