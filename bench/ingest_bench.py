"""End-to-end throughput: `ingest_batch` (store, OCR, searchable PDF, metadata, thumbnails, index) against
raw `tesseract -l vie` on the same pages, the two systems interleaved, medians reported; and a long run that
prints the peak RSS of the flow process and of each page worker over time.

Runs against the real local services with throwaway buckets and indices (deleted afterwards). Usage:

    nice -n 10 .venv/bin/python bench/ingest_bench.py [--pages 100] [--repeats 3] [--no-pdf]
    nice -n 10 .venv/bin/python bench/ingest_bench.py --memory --pages 1000   # RSS over time, no raw runs

The machine is shared: read ratios, not absolute figures, and note `uptime` (printed before and after).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil

from cli.samples import SAMPLE_DOCS, render_page

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_measure import SERVICES, cpu_delta, cpu_split, measure  # noqa: E402


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
            images[0].save(batch / f"doc-{doc_no:04d}.png", dpi=(200, 200))
        else:
            images[0].save(batch / f"doc-{doc_no:04d}.tif", save_all=True, append_images=images[1:],
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


def _fresh_archive(run: str) -> None:
    """Point the settings at a bucket and index of their own (a re-run would find only duplicates)."""
    from sohoa.settings import get_settings

    os.environ.update({
        "SOHOA_MINIO__BUCKET": f"bench-archive-{run}",
        "SOHOA_ELASTICSEARCH__INDEX_PREFIX": f"bench-{run}",
    })  # fmt: skip
    get_settings.cache_clear()


def _drop_archive() -> None:
    from sohoa.settings import get_settings
    from storage.index import SearchIndex
    from storage.objects import ObjectStore
    from tests.support import remove_bucket

    settings = get_settings()
    remove_bucket(ObjectStore.from_settings(settings.minio))
    SearchIndex.from_settings(settings.elasticsearch).drop()


def _ingest(batch: Path, run: str, *, pdf: bool) -> tuple[float, float, object]:
    from flows.ingest import ingest_batch

    _fresh_archive(run)
    holder: list[object] = []
    try:
        seconds, peak = measure(
            lambda: holder.append(
                ingest_batch(source=str(batch), batch_id=f"bench-{run}", searchable_pdf=pdf)
            )
        )
    finally:
        _drop_archive()
    return seconds, peak, holder[0]


def compare(pages: int, repeats: int, pdf: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    try:
        batch, flat = make_batch(tmp, pages)
        raw_times: list[float] = []
        sohoa_times: list[float] = []
        peaks: list[float] = []
        raw_cpu: list[float] = []
        sohoa_cpu: list[dict[str, float]] = []
        for r in range(repeats):
            before = cpu_split()
            raw_times.append(raw_tesseract(flat))
            raw_cpu.append(cpu_delta(before, cpu_split())["its finished children"])
            before = cpu_split()
            seconds, peak, report = _ingest(batch, f"{uuid.uuid4().hex[:8]}-{r}", pdf=pdf)
            sohoa_cpu.append(cpu_delta(before, cpu_split()))
            t = report.totals  # type: ignore[attr-defined]
            sohoa_times.append(seconds)
            peaks.append(peak)
            print(f"repeat {r + 1}: raw {raw_times[-1]:.1f} s, sohoa {seconds:.1f} s "
                  f"({t.files} files: {t.stored} stored, {t.needs_review} needs review, {t.failed} failed, "
                  f"{t.pages} pages); load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
        raw_s, sohoa_s = statistics.median(raw_times), statistics.median(sohoa_times)
        print(f"\n{pages} pages, {repeats} repeats interleaved (raw, sohoa, raw, sohoa, ...), medians:")
        print("| pipeline | seconds | pages/min |")
        print("|---|---|---|")
        raw_label = "raw tesseract -l vie, 2 at a time (OCR only, text out)"
        print(f"| {raw_label} | {raw_s:.1f} | {pages / raw_s * 60:.1f} |")
        label = "sohoa ingest_batch end to end" + (" (no PDF)" if not pdf else " (with searchable PDF)")
        print(f"| {label} | {sohoa_s:.1f} | {pages / sohoa_s * 60:.1f} |")
        ratios = ", ".join(f"{a / b:.2f}" for a, b in zip(raw_times, sohoa_times, strict=True))
        print(f"ratio sohoa / raw (throughput): {raw_s / sohoa_s:.2f}; per-repeat ratios: {ratios}; "
              f"peak RSS of sohoa's process tree: {max(peaks):.0f} MiB")  # fmt: skip
        print_cpu(pages, raw_cpu, sohoa_cpu)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_cpu(pages: int, raw_cpu: list[float], sohoa_cpu: list[dict[str, float]]) -> None:
    """Where the CPU went: milliseconds per page by part, medians over the repeats.

    The services are shared: anything else using them during the run (another engineer's tests) counts too.
    """
    parts = {
        "Tesseract (page workers' calls)": "tesseract",
        "page workers (Python: load, preprocess, QA, PDF, thumbnails)": "descendants",
        "flow process (Python: chain, Prefect, clients)": "this process",
        "flow process's own subprocesses": "its finished children",
        **{name: name for name in SERVICES},
    }

    def per_page(values: list[float]) -> float:
        return statistics.median(values) / pages * 1000

    print("\nCPU per page (ms, medians):")
    print("| part | raw | sohoa |")
    print("|---|---|---|")
    print(f"| raw tesseract | {per_page(raw_cpu):.0f} | |")
    total = [sum(run[k] for k in parts.values()) for run in sohoa_cpu]
    for label, key in parts.items():
        print(f"| {label} | | {per_page([run[key] for run in sohoa_cpu]):.0f} |")
    print(f"| **total** | {per_page(raw_cpu):.0f} | {per_page(total):.0f} |")


def memory_run(pages: int, pdf: bool) -> None:
    """One long batch; every ~5 s, the RSS of the flow process and of each page worker, and pages done."""
    from flows import progress as batch_progress
    from flows.ingest import ingest_batch
    from ocr import OcrContext, page_pool
    from ocr.pool import PagePool
    from sohoa.model.report import BatchProgress
    from sohoa.settings import get_settings

    tmp = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    done = threading.Event()
    pages_done = [0]

    def on_progress(p: BatchProgress) -> None:
        pages_done[0] = p.pages_done

    try:
        batch, _flat = make_batch(tmp, pages)
        _fresh_archive(uuid.uuid4().hex[:8])
        pool = page_pool(OcrContext.from_settings(get_settings().ocr))
        assert isinstance(pool, PagePool)
        me = psutil.Process()
        peak: dict[str, float] = {}
        print("| s | pages done | flow process MiB | page workers MiB (each) | peak (flow / worst worker) |")
        print("|---|---|---|---|---|")

        def sample() -> None:
            started = time.monotonic()
            while not done.wait(5.0):
                rows = {"flow": me.memory_info().rss / 2**20}
                for i, pid in enumerate(pool.pids()):
                    try:
                        rows[f"w{i}"] = psutil.Process(pid).memory_info().rss / 2**20
                    except psutil.Error:
                        pass
                for k, v in rows.items():
                    peak[k] = max(peak.get(k, 0.0), v)
                workers = [v for k, v in rows.items() if k != "flow"]
                worst = max((v for k, v in peak.items() if k != "flow"), default=0.0)
                each = " / ".join(f"{w:.0f}" for w in workers)
                print(f"| {time.monotonic() - started:.0f} | {pages_done[0]} | {rows['flow']:.0f} | {each} | "
                      f"{peak['flow']:.0f} / {worst:.0f} |", flush=True)  # fmt: skip

        thread = threading.Thread(target=sample, daemon=True)
        batch_progress.add_listener(on_progress)
        thread.start()
        t0 = time.perf_counter()
        try:
            report = ingest_batch(source=str(batch), batch_id="bench-memory", searchable_pdf=pdf)
        finally:
            done.set()
            thread.join()
            batch_progress.remove_listener(on_progress)
            _drop_archive()
        seconds = time.perf_counter() - t0
        t = report.totals
        rate = t.pages / seconds * 60
        print(f"\n{t.pages} pages in {seconds:.0f} s ({rate:.1f} pages/min), {t.failed} failed; "
              f"workers replaced: {pool.replaced}; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of each system (medians)")
    ap.add_argument("--no-pdf", action="store_true", help="skip the searchable PDF")
    ap.add_argument("--memory", action="store_true", help="one long run printing RSS over time, no raw runs")
    args = ap.parse_args()
    # each document's time per step (pipeline.chain logs one line per document) on stderr
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logging.getLogger("pipeline.chain").addHandler(handler)
    logging.getLogger("pipeline.chain").setLevel(logging.INFO)
    from cli.commands.ingest import prefect_environment

    prefect_environment()
    print(f"load before: {os.getloadavg()}", flush=True)
    if args.memory:
        memory_run(args.pages, not args.no_pdf)
    else:
        compare(args.pages, args.repeats, not args.no_pdf)
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
