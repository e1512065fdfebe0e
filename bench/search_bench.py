"""Search benchmark: bulk indexing and query latency on synthetic documents built from real Vietnamese text.

Page text is drawn from the lines of the evaluation set's ground-truth pages (real Vietnamese legal prose;
read at run time from --eval-dir, never copied); metadata (numbers, types, issuers, dates, access levels)
is random with a fixed seed. Two corpora (--corpus):

- ``lines``: whole lines of the pool (about 1,900 distinct lines), so common words occur in 70-80 % of the
  documents: the worst case for scoring, counting and facets;
- ``mixed``: more realistic, every line is rebuilt: about half of a pool line's words are swapped for words
  drawn from the whole pool (so word frequencies stay Vietnamese), and numbers, dates and document numbers
  are varied, giving mostly distinct lines.

Each size N gets its own throwaway index (``sohoa-bench-<run>-documents``), deleted afterwards. Its records
are generated before the bulk clock starts (the figure is indexing, not this script), and queries start
once Elasticsearch has finished the background merges that follow a bulk load, as on a served index;
--reindex N also writes N documents to a throwaway MinIO bucket and times a full
reindex from it.

    .venv/bin/python bench/search_bench.py --sizes 10000,100000 [--reindex 10000]

The machine is shared (2 cores): figures are noisy. Latency is measured at the client (what a caller
sees, including JSON parsing) and as Elasticsearch's own ``took``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource
from sohoa.model.search import SearchQuery
from sohoa.settings import get_settings
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore
from storage.records import build_record
from storage.reindex import reindex_from_store

REPO = Path(__file__).resolve().parents[1]
TYPES = [
    ("Quyết định", "QĐ"),
    ("Công văn", None),
    ("Thông báo", "TB"),
    ("Kế hoạch", "KH"),
    ("Báo cáo", "BC"),
    ("Tờ trình", "TTr"),
]
ISSUERS = [
    ("SỞ NGOẠI VỤ", "SNgV"),
    ("CỤC LÃNH SỰ", "CLS"),
    ("BỘ NGOẠI GIAO", "BNG"),
    ("BỘ TƯ PHÁP", "BTP"),
    ("ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "UBND"),
    ("ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA", "UBND"),
    ("SỞ TƯ PHÁP", "STP"),
    ("SỞ NỘI VỤ", "SNV"),
    ("CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC", "VTLTNN"),
]
SUBJECTS = [
    "cấp hộ chiếu công vụ",
    "thủ tục cấp thị thực",
    "công tác lưu trữ hồ sơ",
    "số hóa tài liệu lưu trữ",
    "đón tiếp đoàn công tác nước ngoài",
    "hợp pháp hóa lãnh sự",
    "cải cách thủ tục hành chính",
    "quản lý hồ sơ người nước ngoài",
    "kế hoạch công tác năm",
    "chứng nhận lãnh sự",
]
LEVELS = [AccessLevel.PUBLIC] * 6 + [AccessLevel.INTERNAL] * 3 + [AccessLevel.CONFIDENTIAL]


def line_pool(eval_dir: Path) -> list[str]:
    lines = [
        ln.strip()
        for p in sorted((eval_dir / "vn-admin").glob("*.gt.txt"))
        for ln in p.read_text(encoding="utf-8").splitlines()
        if len(ln.strip()) > 20
    ]
    if not lines:
        raise SystemExit(f"no ground-truth text under {eval_dir}/vn-admin (use --eval-dir)")
    return lines


_NUMBER = re.compile(r"\d+")


def mixed_line(rng: random.Random, pool: list[str], vocabulary: list[str]) -> str:
    """A pool line with about half its words replaced by pool words and its numbers varied."""
    words = rng.choice(pool).split()
    for j in range(len(words)):
        if rng.random() < 0.5:
            words[j] = rng.choice(vocabulary)
    line = " ".join(words)
    return _NUMBER.sub(lambda m: str(rng.randrange(1, 10 ** len(m.group(0)))), line)


def make_document(
    i: int, rng: random.Random, pool: list[str], vocabulary: list[str] | None = None
) -> tuple[Document, OcrDocument]:
    sha = hashlib.sha256(f"bench document {i}".encode()).hexdigest()
    kind, code = rng.choice(TYPES)
    issuer, issuer_code = rng.choice(ISSUERS)
    if vocabulary and rng.random() < 0.3:  # the same type and issuer as printed in capitals
        kind, issuer = kind.upper(), issuer.title()
    day = date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
    number = f"{1 + i % 3000}/{code + '-' if code else ''}{issuer_code}"
    subject = f"Về việc {rng.choice(SUBJECTS)} {rng.choice(pool)[:40]}"
    pages = [
        OcrPage(
            number=n,
            source=PageSource.OCR,
            confidence=90.0,
            text="\n".join(
                mixed_line(rng, pool, vocabulary) if vocabulary else rng.choice(pool)
                for _ in range(rng.randint(18, 30))
            ),
        )
        for n in range(1, rng.choice((1, 1, 2, 2, 3, 4, 5)) + 1)
    ]
    values = {
        "so_ky_hieu": number,
        "ngay_ban_hanh": day.isoformat(),
        "loai_van_ban": kind,
        "co_quan_ban_hanh": issuer,
        "trich_yeu": subject,
        "nguoi_ky": "Nguyễn Văn An",
    }
    doc = Document(
        id=sha,
        source_file=f"bench-{i}.pdf",
        media_type="application/pdf",
        size=1000 + i,
        batch=f"bench-{i // 1000}",
        dossier_code=f"HS-{i // 50}",
        page_count=len(pages),
        access_level=rng.choice(LEVELS),
        metadata=Metadata(fields={k: ExtractedField(value=v) for k, v in values.items()}),
    )
    ocr = OcrDocument(
        file_name=doc.source_file, sha256=sha, media_type="application/pdf", pages=pages, languages="vie+eng"
    )
    return doc, ocr


def records(n: int, pool: list[str], seed: int, vocabulary: list[str] | None = None) -> Iterator[dict]:
    rng = random.Random(seed)
    for i in range(n):
        yield build_record(*make_document(i, rng, pool, vocabulary))


def query_set() -> list[tuple[str, SearchQuery]]:
    cleared = [AccessLevel.PUBLIC, AccessLevel.INTERNAL]
    words = [
        "hộ chiếu",
        "thủ tục hành chính",
        "lưu trữ",
        "nông thôn mới",
        "trách nhiệm thi hành",
        "ngân sách",
        "đánh giá",
        "cơ quan nhà nước",
    ]
    phrases = ['"nông thôn mới"', '"thủ tục hành chính"', '"tổ chức thực hiện"', '"có hiệu lực"']
    folded = [
        "ho chieu cong vu",
        "thi thuc",
        "luu tru ho so",
        "quyet dinh",
        "to chuc thuc hien",
        "uy ban nhan dan",
    ]
    numbers = ["1340/QĐ-UBND", "215/SNgV", "7/TB-CLS", "1340 qd ubnd", "25/BC-VTLTNN", "999/KH-STP"]
    qs: list[tuple[str, SearchQuery]] = []
    qs += [("words", SearchQuery(text=t, access_levels=cleared)) for t in words]
    qs += [("phrase", SearchQuery(text=t, access_levels=cleared)) for t in phrases]
    qs += [("accent-free", SearchQuery(text=t, access_levels=cleared)) for t in folded]
    qs += [("doc-number", SearchQuery(text=t, access_levels=cleared)) for t in numbers]
    qs += [
        (
            "filters+facets",
            SearchQuery(text="hộ chiếu", loai_van_ban=["Quyết định"], year=2020, access_levels=cleared),
        ),
        (
            "filters+facets",
            SearchQuery(
                text="luu tru",
                co_quan_ban_hanh=["so ngoai vu"],
                date_from=date(2018, 1, 1),
                date_to=date(2022, 12, 31),
                access_levels=list(AccessLevel),
            ),
        ),
        ("filters+facets", SearchQuery(text="", loai_van_ban=["Công văn", "Thông báo"], sort="date_desc")),
        (
            "filters+facets",
            SearchQuery(text="thủ tục", dossier_code="HS-100", access_levels=list(AccessLevel)),
        ),
        ("filters+facets", SearchQuery(text="báo cáo", batch="bench-3", sort="date_asc")),
        ("filters+facets", SearchQuery(text="", co_quan_ban_hanh=["BỘ NGOẠI GIAO"], year=2019)),
    ]
    return qs


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def measure_queries(
    index: SearchIndex, rounds: int
) -> tuple[dict[str, tuple[list[float], list[float], int]], list[float]]:
    """Per category (client ms, ES took ms, summed hits) of the timed rounds, and the client ms of the
    first round: each query's first run, before Elasticsearch's request and filter caches hold it."""
    qs = query_set()
    first = []
    for _, q in qs:  # warm-up round (caches, JIT), reported apart
        t0 = time.perf_counter()
        index.search(q)
        first.append((time.perf_counter() - t0) * 1000)
    out: dict[str, tuple[list[float], list[float], int]] = {}
    for _ in range(rounds):
        for cat, q in qs:
            t0 = time.perf_counter()
            res = index.search(q)
            wall = (time.perf_counter() - t0) * 1000
            client, took, hits = out.setdefault(cat, ([], [], 0))
            client.append(wall)
            took.append(res.took_ms)
            out[cat] = (client, took, hits + res.total)
    return out, first


def settle(index: SearchIndex, name: str, limit: float = 600.0) -> tuple[float, int]:
    """Wait until Elasticsearch has no merge running (twice in a row, 2 s apart), as a served index is.

    Returns seconds waited and the number of segments.
    """
    t0 = time.perf_counter()
    quiet = 0
    while quiet < 2 and time.perf_counter() - t0 < limit:
        merges = index.client.indices.stats(index=name, metric="merge")["_all"]["primaries"]["merges"]
        quiet = quiet + 1 if merges["current"] == 0 else 0
        time.sleep(2)
    segments = index.client.indices.segments(index=name)["indices"][name]["shards"]["0"][0][
        "num_search_segments"
    ]
    return time.perf_counter() - t0, int(segments)


def load() -> str:
    """The 1-minute load average (the machine is shared: print it beside every figure)."""
    return f"{os.getloadavg()[0]:.2f}"


def bench_size(
    n: int, pool: list[str], rounds: int, seed: int, vocabulary: list[str] | None, threads: int
) -> None:
    settings = get_settings()
    index = SearchIndex.from_settings(settings.elasticsearch, prefix=f"sohoa-bench-{uuid.uuid4().hex[:8]}")
    try:
        name = index.create_index(bulk_load=True)
        index.swap_alias(name)
        # Records are built before the clock starts: the figure is indexing, not this script's generator.
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            for record in records(n, pool, seed, vocabulary):
                spool.write(json.dumps(record, default=lambda o: o.isoformat()) + "\n")
            spool.seek(0)
            load_before = load()
            t0 = time.perf_counter()
            stats = index.index_records(
                (json.loads(line) for line in spool), index=name, refresh=False, threads=threads
            )
            t_bulk = time.perf_counter() - t0
            index.finish_bulk_load(name)
            t_all = time.perf_counter() - t0
        settled, segments = settle(index, name)
        size_mb = index.client.indices.stats(index=name, metric="store")["_all"]["primaries"]["store"][
            "size_in_bytes"
        ]
        corpus = "mixed" if vocabulary else "lines"
        print(f"\n## N = {n:,} documents ({stats.pages:,} pages, corpus {corpus}), failed {stats.failed}")
        print("| bulk | docs/s | pages/s | seconds | incl. refresh | index size | load before/after |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print(
            f"| {'parallel_bulk x' + str(threads) if threads > 1 else 'streaming_bulk'}, 500/chunk, "
            f"refresh off | {stats.indexed / t_bulk:,.0f} | {stats.pages / t_bulk:,.0f} "
            f"| {t_bulk:.1f} | {t_all:.1f} | {size_mb / 2**20:,.0f} MiB | {load_before} / {load()} |"
        )
        print(f"\nbackground merges finished {settled:.0f} s after the load; {segments} segments")
        load_before = load()
        res, first = measure_queries(index, rounds)
        print(
            f"\nquery latency, {rounds} rounds after a warm-up (ms; client = wall time incl. parsing; "
            f"load {load_before} / {load()})"
        )
        print("| queries | n | client p50 | client p95 | ES took p50 | ES took p95 | mean hits |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        allc: list[float] = []
        allt: list[float] = []
        for cat, (client, took, hits) in res.items():
            allc += client
            allt += took
            print(
                f"| {cat} | {len(client)} | {pct(client, 50):.1f} | {pct(client, 95):.1f} "
                f"| {pct(took, 50):.0f} "
                f"| {pct(took, 95):.0f} | {hits / len(client):,.0f} |"
            )
        print(
            f"| **all** | {len(allc)} | {pct(allc, 50):.1f} | {pct(allc, 95):.1f} | {pct(allt, 50):.0f} "
            f"| {pct(allt, 95):.0f} | |"
        )
        print(
            f"| first run of each query (cold caches) | {len(first)} | {pct(first, 50):.1f} "
            f"| {pct(first, 95):.1f} | | | |"
        )
    finally:
        index.drop()
        index.client.close()


def bench_reindex(n: int, pool: list[str], seed: int, workers: int) -> None:
    from minio.deleteobjects import DeleteObject

    settings = get_settings()
    run = uuid.uuid4().hex[:8]
    store = ObjectStore.from_settings(settings.minio, bucket=f"sohoa-bench-{run}")
    index = SearchIndex.from_settings(settings.elasticsearch, prefix=f"sohoa-bench-{run}")
    try:
        store.ensure_bucket()
        t0 = time.perf_counter()

        def write(i: int) -> None:
            doc, ocr = make_document(i, random.Random(seed + i), pool)
            store.put_json(doc.id, ARTIFACT_DOCUMENT, doc)
            store.put_json(doc.id, ARTIFACT_OCR, ocr)

        with ThreadPoolExecutor(max_workers=workers) as ex:
            list(ex.map(write, range(n)))
        t_write = time.perf_counter() - t0
        report = reindex_from_store(store, index, workers=workers)
        print(f"\n## reindex from MinIO: {n:,} documents")
        print("| step | documents | pages | seconds | docs/s |")
        print("| --- | --- | --- | --- | --- |")
        print(
            f"| write document.json + ocr.json ({workers} threads) | {n:,} | "
            f"| {t_write:.1f} | {n / t_write:,.0f} |"
        )
        print(
            f"| reindex_from_store ({workers} readers) | {report.indexed:,} | {report.pages:,} "
            f"| {report.seconds:.1f} "
            f"| {report.indexed / report.seconds:,.0f} |"
        )
    finally:
        index.drop()
        versions = [
            DeleteObject(o.object_name, o.version_id)
            for o in store.client.list_objects(store.bucket, recursive=True, include_version=True)
        ]
        for i in range(0, len(versions), 1000):
            list(store.client.remove_objects(store.bucket, versions[i : i + 1000]))
        store.client.remove_bucket(store.bucket)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated document counts")
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds over the query set")
    ap.add_argument(
        "--reindex", type=int, default=0, help="documents for the MinIO reindex benchmark (0 = skip)"
    )
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2, help="parallel bulk requests")
    ap.add_argument("--corpus", default="lines,mixed", help="lines, mixed or both (see above)")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    pool = line_pool(args.eval_dir)
    print(
        f"text pool: {len(pool):,} real lines from {args.eval_dir / 'vn-admin'}; {len(query_set())} queries"
    )
    vocabulary = [w for line in pool for w in line.split()]
    for corpus in args.corpus.split(","):
        for n in (int(s) for s in args.sizes.split(",") if s):
            bench_size(
                n, pool, args.rounds, args.seed, vocabulary if corpus == "mixed" else None, args.threads
            )
    if args.reindex:
        bench_reindex(args.reindex, pool, args.seed, args.workers)


if __name__ == "__main__":
    main()
