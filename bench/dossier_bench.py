"""Dossier benchmarks on the real services: a 1,000-dossier catalogue export and a 500-document dossier page.

Generates its own data in a throwaway bucket and index prefix (documents as ``document.json`` in MinIO and
records in the documents index, exactly what ingestion leaves; dossiers as ``dossiers/<code>.json``), then:

- the catalogue of every dossier as CSV and as XML (``DossierService.views`` + the writers, what
  ``sohoa archive catalog --all`` runs), timed;
- ``GET /dossiers/<code>`` of a dossier with 500 documents through the real web app (in-process ASGI
  client), median and max of repeated requests.

    python bench/dossier_bench.py [--dossiers 1000] [--docs-per-dossier 5] [--big 500] [--repeat 15]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_measure import measure  # noqa: E402
from pipeline.dossiers import DossierService  # noqa: E402
from pipeline.dossiers.catalogue import write_csv, write_xml  # noqa: E402
from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata  # noqa: E402
from sohoa.model.dossier import Dossier, DossierKind, Member  # noqa: E402
from sohoa.settings import get_settings  # noqa: E402
from storage.dossiers import DossierStore  # noqa: E402
from storage.index import SearchIndex  # noqa: E402
from storage.objects import ARTIFACT_DOCUMENT, ObjectStore  # noqa: E402
from storage.records import build_record  # noqa: E402


def _doc(i: int) -> Document:
    sha = hashlib.sha256(f"bench-doc-{i}-{uuid.uuid4()}".encode()).hexdigest()
    fields = {
        "so_ky_hieu": f"{i}/QĐ-UBND",
        "so": str(i),
        "ky_hieu": "QĐ-UBND",
        "ngay_ban_hanh": f"20{10 + i % 14}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "loai_van_ban": "Quyết định" if i % 3 else "Công văn",
        "co_quan_ban_hanh": "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "trich_yeu": f"Về việc phê duyệt kế hoạch số hóa tài liệu lưu trữ đợt {i}",
        "nguoi_ky": "Nguyễn Văn A",
    }
    return Document(
        id=sha,
        source_file=f"scan-{i:06d}.pdf",
        media_type="application/pdf",
        size=1000,
        batch="bench",
        page_count=1 + i % 9,
        access_level=AccessLevel.INTERNAL,
        metadata=Metadata(fields={k: ExtractedField(value=v, confidence=0.9) for k, v in fields.items()}),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dossiers", type=int, default=1000)
    ap.add_argument("--docs-per-dossier", type=int, default=5)
    ap.add_argument("--big", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    settings = get_settings()
    run = uuid.uuid4().hex[:8]
    store = ObjectStore.from_settings(settings.minio, bucket=f"sohoa-dossierbench-{run}")
    index = SearchIndex.from_settings(settings.elasticsearch, prefix=f"sohoa-dossierbench-{run}")
    index.ensure()
    service = DossierService.on(store, index, settings.dossier)
    agency = settings.dossier.agency_id
    try:
        n_docs = args.dossiers * args.docs_per_dossier + args.big
        t = time.perf_counter()
        docs = [_doc(i) for i in range(n_docs)]
        store.ensure_bucket()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda d: store.put_json(d.id, ARTIFACT_DOCUMENT, d), docs))
        index.index_records([build_record(d) for d in docs], refresh=True)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        dossiers = []
        k = 0
        for j in range(args.dossiers):
            members = [
                Member(doc_id=docs[k + s].id, stt=s + 1, added_at=now) for s in range(args.docs_per_dossier)
            ]
            k += args.docs_per_dossier
            code = f"{agency}.{2010 + j % 14}.B{j:05d}"
            dossiers.append(
                Dossier(
                    code=code,
                    kind=DossierKind.ARCHIVAL,
                    title=f"Hồ sơ số hóa {j}",
                    maintenance="04",
                    members=members,
                )
            )
        big_code = f"{agency}.2023.BIG"
        big_members = [Member(doc_id=d.id, stt=s + 1, added_at=now) for s, d in enumerate(docs[k:])]
        big = Dossier(
            code=big_code, kind=DossierKind.ARCHIVAL, title="Hồ sơ lớn", maintenance="01", members=big_members
        )
        raw = DossierStore(store)
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(raw.put, [*dossiers, big]))
        indexed = service.reindex()
        print(f"generated {n_docs} documents, {indexed} dossiers in {time.perf_counter() - t:.1f} s")

        with tempfile.TemporaryDirectory() as tmp:
            codes = [d.code for d in dossiers]
            for fmt in ("csv", "xml"):
                out = Path(tmp) / f"catalogue.{fmt}"

                def export(out: Path = out, fmt: str = fmt) -> None:
                    views = service.views(codes)
                    (write_csv if fmt == "csv" else write_xml)(views, out)

                seconds, rss = measure(export)
                n = len(codes) * args.docs_per_dossier
                size = out.stat().st_size / 2**20
                print(f"catalogue {fmt}: {len(codes)} dossiers, {n} docs: {seconds:.2f} s, {size:.1f} MB,"
                      f" peak RSS {rss:.0f} MB")  # fmt: skip

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        from pydantic import SecretStr

        from web.app import create_app
        from web.backend import Backend
        from web.users import Role, UserStore

        with tempfile.TemporaryDirectory() as home:
            s2 = settings.model_copy(
                update={
                    "home": Path(home),
                    "web": settings.web.model_copy(update={"secret_key": SecretStr("b" * 32)}),
                }
            )
            db = Path(home) / "web.sqlite3"
            UserStore(db).add("bench", "bench password", role=Role.STAFF)
            client = TestClient(create_app(s2, backend=Backend(store, index), db_path=db))
            # a browser session, as staff use the page (HTTP Basic would verify the argon2 hash each time)
            import re

            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form).group(1)  # type: ignore[union-attr]
            client.post(
                "/login", data={"username": "bench", "password": "bench password", "csrf_token": token}
            )
            auth: dict[str, str] = {}
            t = time.perf_counter()
            service.view(big_code)
            print(
                f"service.view of the {args.big}-document dossier: {(time.perf_counter() - t) * 1000:.0f} ms"
            )
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = client.get(f"/dossiers/{big_code}", headers=auth)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200 and r.text.count('class="doccode"') == args.big, r.status_code
            print(f"dossier page with {args.big} documents: median {statistics.median(times):.0f} ms, "
                  f"min {min(times):.0f} ms, max {max(times):.0f} ms over {args.repeat} requests "
                  f"(first {times[0]:.0f} ms), {len(r.content) / 1024:.0f} kB")  # fmt: skip
    finally:
        from storage.dossier_index import DossierIndex
        from tests.support import remove_bucket

        DossierIndex(index.client, prefix=index.prefix).drop()
        index.drop()
        remove_bucket(store)


if __name__ == "__main__":
    main()
