"""OCR throughput: raw Tesseract (one process per page, N at a time) vs ``ocrmypdf --jobs N`` vs sohoa.

    .venv/bin/python bench/ocr_speed.py [--eval DIR] [--jobs 2] [--limit DOCS] [--systems raw,ocrmypdf,sohoa]
                                        [--repeat N]

All three read the same pages (the eval set's vn-admin files). Raw Tesseract gets its pages pre-extracted
(TIFF frames to PNG, PDF images with ``pdfimages``) outside the timed part; OCRmyPDF runs with the options
of the accuracy benchmark (``-l vie --deskew --rotate-pages``), one file after another; sohoa runs
``ocr.ocr_files`` over all files with one pool. Peak RSS is the largest sum over the process tree
(this process and its children), sampled every 50 ms. The machine is shared and its speed drifts by
10-30 % between minutes, so ``--repeat N`` runs the systems N times, interleaved (raw, ocrmypdf, sohoa,
raw, ...), and reports each one's median time; ratios come from those medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_measure import measure  # noqa: E402
from ocr_common import eval_dir, load_rows, page_file, run_ocrmypdf, run_raw  # noqa: E402

from ocr import OcrContext, ocr_files  # noqa: E402
from sohoa.settings import OcrSettings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", help="eval set folder (default $SOHOA_EVAL_DIR or ../shared/eval)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--systems", default="raw,ocrmypdf,sohoa")
    ap.add_argument("--lang", default="vie")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved rounds; medians are reported")
    args = ap.parse_args()

    rows = load_rows(eval_dir(args.eval), ["vn-admin"])
    docs = list(dict.fromkeys(r.doc for r in rows))
    if args.limit:
        docs = docs[: args.limit]
        rows = [r for r in rows if r.doc in docs]
    pages = len(rows)
    systems = [s for s in args.systems.split(",") if s]
    ctx = OcrContext.from_settings(OcrSettings(), languages=args.lang)
    runs: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ocr-speed-") as tmp:
        work = Path(tmp)
        images = [page_file(r, work) for r in rows]  # not timed
        dpis = {r.doc: r.dpi for r in rows}

        def ocrmypdf_all() -> None:
            for d in docs:
                run_ocrmypdf(d, dpis[d], work, jobs=args.jobs, lang=args.lang)

        run = {
            "raw": ("raw tesseract", lambda: run_raw(images, lang=args.lang, jobs=args.jobs)),
            "ocrmypdf": ("ocrmypdf", ocrmypdf_all),
            "sohoa": ("sohoa", lambda: list(ocr_files(docs, ctx, jobs=args.jobs))),
        }
        for _ in range(max(1, args.repeat)):
            for system in systems:
                name, fn = run[system]
                runs.setdefault(name, []).append(measure(fn))
    results = {
        name: (statistics.median(s for s, _ in times), max(r for _, r in times))
        for name, times in runs.items()
    }
    print(
        f"\n{pages} pages in {len(docs)} files, jobs={args.jobs}, cores={psutil.cpu_count()}, "
        f"median of {max(1, args.repeat)} interleaved runs, load average at end {psutil.getloadavg()[0]:.1f}"
    )
    for name, times in runs.items():
        print(f"  {name} seconds per run: {', '.join(f'{s:.1f}' for s, _ in times)}")
    print()
    print("| system | seconds | pages/min | vs raw tesseract | vs ocrmypdf | peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    raw = results.get("raw tesseract", (0, 0))[0]
    omp = results.get("ocrmypdf", (0, 0))[0]
    for name, (sec, rss) in results.items():
        vs_raw = f"{raw / sec:.2f}x" if raw else "-"
        vs_omp = f"{omp / sec:.2f}x" if omp else "-"
        print(f"| {name} | {sec:.1f} | {pages / sec * 60:.1f} | {vs_raw} | {vs_omp} | {rss:.0f} |")


if __name__ == "__main__":
    main()
