"""End-to-end throughput: a 100-page batch through `ingest_batch` vs raw Tesseract on the same pages.

Prints pages/min for both, their ratio, and the peak RSS of the process tree. Runs against the real local
services with a throwaway bucket and index (deleted afterwards). Usage:

    .venv/bin/python bench/ingest_bench.py [--pages 100] [--no-pdf]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cli.samples import SAMPLE_DOCS, render_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_measure import measure  # noqa: E402


def make_batch(dest: Path, pages: int) -> tuple[Path, Path]:
    """Half the pages as single-page PNGs, half as 5-page TIFFs, all distinct; plus every page as a PNG."""
    batch, flat = dest / "batch", dest / "flat"
    batch.mkdir(parents=True)
    flat.mkdir()
    n = 0
    doc_no = 0
    while n < pages:
        base = SAMPLE_DOCS[doc_no % len(SAMPLE_DOCS)]
        doc = dataclasses.replace(base, number=f"Số: {100 + doc_no}/{base.number.split('/', 1)[1]}")
        doc_no += 1
        count = 1 if n < pages // 2 else min(5, pages - n)
        images = [render_page(doc, page=p, pages=count, noise=p % 2 == 0) for p in range(1, count + 1)]
        if count == 1:
            images[0].save(batch / f"doc-{doc_no:03d}.png", dpi=(200, 200))
        else:
            images[0].save(batch / f"doc-{doc_no:03d}.tif", save_all=True, append_images=images[1:],
                           compression="tiff_lzw", dpi=(200, 200))  # fmt: skip
        # After the TIFF: Pillow's libtiff encoder fails on images that were saved as PNG first.
        for i, im in enumerate(images):
            im.save(flat / f"p{n + i:04d}.png", dpi=(200, 200))
        n += count
    return batch, flat


def raw_tesseract(flat: Path, jobs: int = 2) -> float:
    pngs = sorted(flat.glob("*.png"))
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    t0 = time.perf_counter()
    subprocess.run(  # noqa: S603
        ["xargs", "-P", str(jobs), "-I{}", "tesseract", "{}", "-", "-l", "vie"],
        input="\n".join(map(str, pngs)), text=True, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--no-pdf", action="store_true", help="skip the searchable PDF")
    args = ap.parse_args()
    run = uuid.uuid4().hex[:8]
    os.environ.update({
        "SOHOA_MINIO__BUCKET": f"bench-archive-{run}",
        "SOHOA_ELASTICSEARCH__INDEX_PREFIX": f"bench-{run}",
    })  # fmt: skip
    from cli.commands.ingest import prefect_environment

    prefect_environment()
    from flows.ingest import ingest_batch
    from sohoa.model.report import BatchReport
    from sohoa.settings import get_settings
    from storage.index import SearchIndex
    from storage.objects import ObjectStore

    tmp = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    try:
        batch, flat = make_batch(tmp, args.pages)
        raw_s = raw_tesseract(flat)
        holder: list[BatchReport] = []
        sohoa_s, peak_mb = measure(
            lambda: holder.append(
                ingest_batch(source=str(batch), batch_id=f"bench-{run}", searchable_pdf=not args.no_pdf)
            )
        )
        report = holder[0]
        pages = report.totals.pages
        print(f"pages: {pages} ({report.totals.files} files: {report.totals.stored} stored, "
              f"{report.totals.needs_review} needs review, {report.totals.failed} failed)")  # fmt: skip
        print("| pipeline | seconds | pages/min |")
        print("|---|---|---|")
        print(f"| raw tesseract -l vie, 2 at a time (OCR only) | {raw_s:.1f} | {pages / raw_s * 60:.1f} |")
        label = "sohoa ingest_batch end to end" + (" (no PDF)" if args.no_pdf else " (with searchable PDF)")
        print(f"| {label} | {sohoa_s:.1f} | {pages / sohoa_s * 60:.1f} |")
        print(
            f"ratio sohoa / raw: {raw_s / sohoa_s:.2f}; peak RSS of sohoa's process tree: {peak_mb:.0f} MiB"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        settings = get_settings()
        from tests.support import remove_bucket

        remove_bucket(ObjectStore.from_settings(settings.minio))
        SearchIndex.from_settings(settings.elasticsearch).drop()


if __name__ == "__main__":
    main()
