"""Web load benchmark: N concurrent API clients with their own tokens over a mixed query set, on loopback.

Builds a throwaway index of synthetic documents (the search benchmark's ``mixed`` corpus, page text from
the evaluation set's ground truth read at run time from --eval-dir), starts the web app on a free
127.0.0.1 port with its own users database, gives every client an API token (``Authorization: Bearer``)
and runs each client count for --seconds or --requests per client, whichever comes first. Every request
is what an integrating system does: a search (words, phrases, accent-free, document numbers, dossier
codes and batch ids typed in the box, filters, a second page by cursor). The app authenticates and
audits every request, as in production.

    .venv/bin/python bench/web_load.py --docs 5000 --clients 4,16 --seconds 30

Reports requests, errors (any status other than 200, or a failed connection), requests/s and client-side
p50/p95/p99 latency per client count, the CPU time per request of this process (the app and, a small
part, its clients) and of Elasticsearch, and the machine's load before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import secrets
import socket
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import uvicorn
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_bench import line_pool, load, pct, records, settle  # noqa: E402

from sohoa.model.document import AccessLevel  # noqa: E402
from sohoa.settings import get_settings  # noqa: E402
from storage.index import SearchIndex  # noqa: E402
from web.app import create_app  # noqa: E402
from web.backend import Backend  # noqa: E402
from web.sessions import TokenStore  # noqa: E402
from web.users import Role, UserStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: this drives load at a local server and nothing else

# (what, query parameters); the documents' dossier codes are HS-<i // 50>, batches bench-<i // 1000>.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("words", {"q": "hộ chiếu"}),
    ("words", {"q": "thủ tục hành chính"}),
    ("words", {"q": "lưu trữ"}),
    ("words", {"q": "ngân sách"}),
    ("words", {"q": "cơ quan nhà nước"}),
    ("phrase", {"q": '"nông thôn mới"'}),
    ("phrase", {"q": '"tổ chức thực hiện"'}),
    ("accent-free", {"q": "ho chieu cong vu"}),
    ("accent-free", {"q": "quyet dinh"}),
    ("accent-free", {"q": "luu tru ho so"}),
    ("accent-free", {"q": "uy ban nhan dan"}),
    ("doc-number", {"q": "1340/QĐ-UBND"}),
    ("doc-number", {"q": "215 sngv"}),
    ("dossier-in-box", {"q": "HS-42"}),
    ("batch-in-box", {"q": "bench-2"}),
    ("filters", {"q": "hộ chiếu", "type": "Quyết định", "year": "2020"}),
    ("filters", {"q": "luu tru", "from": "2018-01-01", "to": "2022-12-31"}),
    ("filters", {"type": "Công văn", "sort": "date_desc"}),
    ("filters", {"q": "thủ tục", "dossier": "HS-10"}),
    ("next-page", {"q": "đánh giá", "size": "20", "sort": "date_desc"}),
]


@dataclass
class Tally:
    """What one client count measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    client_cpu: float = 0.0  # CPU seconds of the client threads (on the same cores as the app)

    def add(self, ms: float, status: str) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status != "200":
                self.errors += 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _httpx_loop(
    base: str, token: str, rng: random.Random, deadline: float, budget: int, tally: Tally
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        for _ in range(budget):
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            try:
                _, params = rng.choice(QUERIES)
                r = client.get("/api/search", params=params)
                if params.get("size") and r.status_code == 200 and (cursor := r.json().get("next")):
                    tally.add((time.perf_counter() - t0) * 1000, str(r.status_code))
                    t0 = time.perf_counter()
                    r = client.get("/api/search", params={**params, "after": cursor})
                status = str(r.status_code)
            except httpx.HTTPError as e:
                status = type(e).__name__
            tally.add((time.perf_counter() - t0) * 1000, status)


def _plain_get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def _plain_loop(
    base: str, token: str, rng: random.Random, deadline: float, budget: int, tally: Tally
) -> None:
    """One keep-alive connection (http.client): a fraction of httpx's CPU per request, on the same cores."""
    host, _, port = base.removeprefix("http://").partition(":")
    headers = {"Authorization": f"Bearer {token}"}
    conn = http.client.HTTPConnection(host, int(port), timeout=30.0)
    try:
        for _ in range(budget):
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            try:
                _, params = rng.choice(QUERIES)
                status, body = _plain_get(conn, "/api/search?" + urlencode(params), headers)
                if params.get("size") and status == 200 and (cursor := json.loads(body).get("next")):
                    tally.add((time.perf_counter() - t0) * 1000, str(status))
                    t0 = time.perf_counter()
                    query = urlencode({**params, "after": cursor})
                    status, body = _plain_get(conn, "/api/search?" + query, headers)
                result = str(status)
            except (OSError, http.client.HTTPException) as e:
                result = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30.0)
            tally.add((time.perf_counter() - t0) * 1000, result)
    finally:
        conn.close()


_LOOPS = {"http.client": _plain_loop, "httpx": _httpx_loop}


def _client(kind: str, base: str, token: str, seed: int, deadline: float, budget: int, tally: Tally) -> None:
    cpu0 = time.thread_time()
    try:
        _LOOPS[kind](base, token, random.Random(seed), deadline, budget, tally)
    finally:
        with tally.lock:
            tally.client_cpu += time.thread_time() - cpu0


def _es_cpu_ms(index: SearchIndex) -> float:
    """CPU time Elasticsearch has used so far (all nodes), in ms."""
    nodes = index.client.nodes.stats(metric="process")["nodes"].values()
    return float(sum(n["process"]["cpu"]["total_in_millis"] for n in nodes))


def run_level(base: str, tokens: list[str], seconds: float, per_client: int, client: str) -> Tally:
    """All clients at once until the time or the request budget runs out."""
    tally = Tally()
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=_client, args=(client, base, tok, i, deadline, per_client, tally), daemon=True
        )
        for i, tok in enumerate(tokens)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.latencies.append(0.0) if not tally.latencies else None
    tally.statuses["_seconds"] = round(time.perf_counter() - t0, 1)  # type: ignore[assignment]
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    ap.add_argument("--docs", type=int, default=5000, help="documents in the throwaway index")
    ap.add_argument("--clients", default="4,16", help="comma-separated client counts")
    ap.add_argument("--seconds", type=float, default=30.0, help="time per client count")
    ap.add_argument("--requests", type=int, default=2000, help="request budget per client")
    ap.add_argument("--warmup", type=int, default=40, help="untimed requests before the first count")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument(
        "--client",
        choices=sorted(_LOOPS),
        default="http.client",
        help="HTTP client of the load threads (they share the 2 cores with the app: lighter is fairer)",
    )
    ap.add_argument(
        "--index-prefix",
        help="Serve an existing index of this prefix (built by an earlier run with --keep-index)",
    )
    ap.add_argument("--keep-index", action="store_true", help="Do not drop the index (print its prefix)")
    ap.add_argument(
        "--uvicorn-http", default="auto", help="uvicorn's HTTP parser: auto (httptools if installed) or h11"
    )
    ap.add_argument("--uvicorn-loop", default="auto", help="uvicorn's event loop: auto (uvloop) or asyncio")
    args = ap.parse_args()

    services = get_settings()
    prefix = args.index_prefix or f"sohoa-webload-{uuid.uuid4().hex[:8]}"
    index = SearchIndex.from_settings(services.elasticsearch, prefix=prefix)
    with tempfile.TemporaryDirectory(prefix="sohoa-webload-") as tmp:
        home = Path(tmp)
        try:
            if args.index_prefix:
                counted = index.client.count(index=index.alias)["count"]
                print(f"serving the existing index {index.alias} ({counted:,} documents)")
            else:
                pool = line_pool(args.eval_dir)
                vocabulary = sorted({w for line in pool for w in line.split()})
                name = index.create_index(bulk_load=True)
                index.swap_alias(name)
                docs = list(records(args.docs, pool, args.seed, vocabulary))
                stats = index.index_records(iter(docs), index=name, refresh=False, threads=2)
                index.finish_bulk_load(name)
                settle(index, name)
                print(f"{args.docs:,} documents ({stats.pages:,} pages) in {index.alias}")
            settings = services.model_copy(
                update={
                    "home": home,
                    "elasticsearch": services.elasticsearch.model_copy(update={"index_prefix": prefix}),
                    "web": services.web.model_copy(
                        update={"secret_key": SecretStr(secrets.token_urlsafe(32))}
                    ),
                }
            )
            db = home / "web.sqlite3"
            users = UserStore(db)
            tokens = TokenStore(db)
            counts = [int(c) for c in args.clients.split(",")]
            names = [f"api{i}" for i in range(max(counts))]
            for name in names:
                users.add(name, secrets.token_urlsafe(16), role=Role.CLERK, clearance=AccessLevel.INTERNAL)
            values = [tokens.create(n, role=Role.CLERK.value, label="web_load").value for n in names]
            # The app's own backend (as `sohoa web` builds it), on the throwaway index.
            app = create_app(settings, backend=Backend.from_settings(settings), db_path=db)
            port = _free_port()
            server = uvicorn.Server(
                uvicorn.Config(
                    app,
                    host=HOST,
                    port=port,
                    log_level="warning",
                    access_log=False,
                    http=args.uvicorn_http,
                    loop=args.uvicorn_loop,
                )  # fmt: skip
            )
            thread = threading.Thread(target=server.run, name="web-load-server", daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            base = f"http://{HOST}:{port}"
            run_level(base, values[:2], 60.0, args.warmup // 2, args.client)
            print(f"\n## web_load: {index.alias}, one uvicorn process (http {args.uvicorn_http}, loop "
                  f"{args.uvicorn_loop}), clients: {args.client}")  # fmt: skip
            print(f"{args.seconds:.0f} s or {args.requests} requests per client, tokens, loopback {base}\n")
            print(
                "| clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | app CPU ms/req "
                "| client CPU ms/req | ES CPU ms/req | load before / after |"
            )
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            results = {}
            for n in counts:
                before = load()
                cpu0, es0 = time.process_time(), _es_cpu_ms(index)
                tally = run_level(base, values[:n], args.seconds, args.requests, args.client)
                # This process runs the app and the clients: the clients' own thread CPU is taken out.
                client_cpu = tally.client_cpu * 1000
                app_cpu = (time.process_time() - cpu0) * 1000 - client_cpu
                es_cpu = _es_cpu_ms(index) - es0
                secs = float(tally.statuses.pop("_seconds"))
                lat = tally.latencies
                print(
                    f"| {n} | {len(lat)} | {tally.errors} | {len(lat) / secs:.1f} | {pct(lat, 50):.0f} "
                    f"| {pct(lat, 95):.0f} | {pct(lat, 99):.0f} | {app_cpu / len(lat):.1f} "
                    f"| {client_cpu / len(lat):.1f} | {es_cpu / len(lat):.1f} | {before} / {load()} |"
                )
                results[n] = tally.statuses
            print("\nstatuses:", json.dumps(results))
            server.should_exit = True
            thread.join(timeout=10)
        finally:
            if args.keep_index or args.index_prefix:
                print(f"index kept: --index-prefix {prefix}")
            else:
                index.drop()
            index.client.close()


if __name__ == "__main__":
    main()
