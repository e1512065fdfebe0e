"""Archive copies of the eval sets: PDF/A-2b validity (before and after signing), size and time ratios.

    python bench/archive_bench.py [--eval ../shared/eval] [--work /tmp/17/bench] [--sets vn-admin real]
    nice -n 10 python bench/archive_bench.py --e2e --limit 14 --repeats 3 [--mode flows|cli|in-ingest]
    python bench/archive_bench.py --parts COPY.pdf ...    # where a copy's bytes go
    python bench/archive_bench.py --key rsa2048 [--only dev-014 dev-005]   # an agency's RSA chain

The first form makes copies of every original from cached OCR (cached under ``--work``; the OCR time
recorded with them is the denominator of its time ratio, a lower bound of ingest time). ``--e2e`` is the
goal's measure: the same originals ingested end to end (``ingest_batch``: store, OCR, metadata, index) and
then archived (``archive_build`` over that batch: load from MinIO, PDF/A, sign, veraPDF, store), both
Prefect flows run in this process against the real services, one after the other in each repeat, into a
throwaway bucket and index per repeat; it prints both times, the ratio archive / ingest per repeat and
the medians, with the load before and after.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

from cli.services.devca import KeyKind, make_test_signing
from ocr import OcrContext, ocr_file, sniff
from pipeline.archive.build import ArchiveContext, make_copies
from sohoa.model.archive import ArchiveMeta
from sohoa.model.ocr import OcrDocument
from sohoa.settings import get_settings

log = logging.getLogger("archive_bench")

SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf"}


def _originals(root: Path, sets: list[str]) -> list[Path]:
    return sorted(p for s in sets for p in (root / s).iterdir() if p.suffix.lower() in SUFFIXES)


def _ocr(path: Path, cache: Path, ctx: OcrContext, *, fresh: bool = False) -> OcrDocument:
    cached = cache / f"{path.parent.name}--{path.name}.ocr.json"
    if cached.is_file() and not fresh:
        return OcrDocument.model_validate_json(cached.read_text())
    doc = ocr_file(path, ctx, jobs=1)
    cached.write_text(doc.model_dump_json())
    return doc


def parts(path: Path) -> dict[str, int]:
    """Where the bytes of a (signed) copy go: streams by role, the signature's hex, the rest."""
    import pikepdf

    raw = path.read_bytes()
    out: dict[str, int] = {}

    def add(part: str, n: int) -> None:
        out[part] = out.get(part, 0) + n

    with pikepdf.open(path) as pdf:
        roles: dict[tuple[int, int], str] = {}
        for page in pdf.pages:
            contents = page.obj.get("/Contents")
            for c in contents if isinstance(contents, pikepdf.Array) else [contents]:
                if c is not None:
                    roles[c.objgen] = "page content (text layer, image placement)"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        roles[obj[key].objgen] = f"font program {obj.FontName}"
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/ToUnicode" in obj:
                roles[obj.ToUnicode.objgen] = f"ToUnicode {obj.BaseFont}"
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                c2g = obj.get("/CIDToGIDMap")
                if isinstance(c2g, pikepdf.Stream):
                    roles[c2g.objgen] = f"CIDToGIDMap {obj.BaseFont}"
        for intent in pdf.Root.get("/OutputIntents", []):
            roles[intent.DestOutputProfile.objgen] = "ICC output intent"
        for cert in pdf.Root.get("/DSS", {}).get("/Certs", []):
            roles[cert.objgen] = "DSS: issuing CA certificates"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                d = obj.stream_dict
                xobject = d.get("/Subtype") in ("/Form", "/Image")  # /Type is optional on both
                kind = d.get("/Type", "/XObject" if xobject else None), d.get("/Subtype")
                role = roles.get(obj.objgen) or {
                    ("/XObject", "/Image"): "scan image",
                    ("/Metadata", "/XML"): "XMP",
                    ("/XObject", "/Form"): "form XObjects (stamp appearance)",
                    ("/ObjStm", None): "object streams (dictionaries)",
                    ("/XRef", None): "xref streams",
                }.get(kind, "other streams")
                add(role, len(obj.read_raw_bytes()))
            elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Sig":
                contents = bytes(obj.Contents)
                add("signature /Contents (hex, reserved)", 2 * len(contents) + 2)
                add("  of which CMS in use (hex)", 2 * len(contents.rstrip(b"\0")))
    counted = sum(v for k, v in out.items() if not k.startswith("  "))
    out["dictionaries outside object streams, xref, trailers"] = len(raw) - counted
    out["file"] = len(raw)
    return out


def _meta(path: Path, sha: str) -> ArchiveMeta:
    """The XMP fields a stored copy would carry: the eval set's own record of the document (trích yếu,
    issuer, date, number) when it has one (``dev-014.json`` for ``dev-014.tif`` and ``dev-001-p2.jpg``)."""
    import re

    for sidecar in (path.with_suffix(".json"), path.with_name(re.sub(r"-p\d+$", "", path.stem) + ".json")):
        if sidecar.is_file():
            truth = json.loads(sidecar.read_text())
            date = truth.get("ngay_ban_hanh")
            return ArchiveMeta(
                title=truth.get("trich_yeu") or path.stem,
                issuer=truth.get("co_quan_ban_hanh") or "",
                date=date if isinstance(date, str) and len(date) == 10 else None,
                reference=truth.get("so_ky_hieu") or None,
                source_sha256=sha,
            )
    return ArchiveMeta(title=path.stem, issuer="sohoa bench", source_sha256=sha)


def _with_test_key(ctx: ArchiveContext, kind: KeyKind, folder: Path) -> ArchiveContext:
    """``ctx`` signing with a fresh TEST chain of ``kind`` (an issuing CA between root and agency for RSA)."""
    if ctx.signing is None:
        raise SystemExit("--key: signing is off or no agency certificate is configured")
    made = make_test_signing(folder, ctx.signing.agency, key=kind, intermediate=kind is not KeyKind.EC_P256)
    signing = dataclasses.replace(
        ctx.signing, pkcs12=made.pkcs12, password=made.password.encode(), token=None
    )
    return dataclasses.replace(ctx, signing=signing, trust_roots=(made.ca_cert,))


def _spread(paths: list[Path], limit: int) -> list[Path]:
    """An even spread over the sets and kinds, not the first ``limit``."""
    if not limit:
        return paths
    step = max(1, len(paths) // limit)
    return paths[::step][:limit]


def end_to_end(paths: list[Path], repeats: int, *, mode: str = "flows") -> None:
    """Ingest then archive the same originals, ``repeats`` times; print times, ratios and medians.

    ``mode`` ``flows``: ``ingest_batch`` then ``archive_build``, both in this process. ``cli``: the two
    commands a user runs (``python -m cli ingest DIR --batch-id ID``, then ``python -m cli archive build
    --batch ID``), so each time also holds an interpreter's and the command's start. ``in-ingest``: one
    ``ingest_batch`` with ``SOHOA_ARCHIVE__WITH_INGEST``, its archive step timed inside it (the ingest
    time is the rest).
    """
    cli = mode == "cli"
    import shutil
    import subprocess
    import sys
    import tempfile
    import uuid

    from cli.commands.ingest import prefect_environment

    prefect_environment()  # the configured Prefect server, as `sohoa ingest` / `sohoa archive build` use
    from flows.archive import archive_build
    from flows.ingest import ingest_batch
    from pipeline.archive.stored import document_ids, load_record
    from sohoa.settings import get_settings as settings_now
    from storage.index import SearchIndex
    from storage.objects import ObjectStore
    from tests.support import remove_bucket

    def command(*argv: str) -> str:
        argv_ = [sys.executable, "-m", "cli", *argv]
        done = subprocess.run(argv_, capture_output=True, text=True, env=dict(os.environ), check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"cli {' '.join(argv)}: exit {done.returncode}: {done.stderr[-500:]}")
        return done.stdout

    tmp = Path(tempfile.mkdtemp(prefix="sohoa-archive-bench-"))
    batch = tmp / "batch"
    batch.mkdir()
    for p in paths:
        shutil.copyfile(p, batch / f"{p.parent.name}--{p.name}")
    rows = []
    import flows.archive

    real_archive = flows.archive.archive_documents
    spent: list[float] = []

    def timed_archive(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_archive(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t)

    if mode == "in-ingest":
        os.environ["SOHOA_ARCHIVE__WITH_INGEST"] = "true"
        flows.archive.archive_documents = timed_archive  # type: ignore[assignment]
    print(f"load before: {os.getloadavg()}; mode {mode}", flush=True)
    try:
        for r in range(repeats):
            run = f"{uuid.uuid4().hex[:8]}-{r}"
            batch_id = f"bench-{run}"
            os.environ["SOHOA_MINIO__BUCKET"] = f"bench-archive-{run}"
            os.environ["SOHOA_ELASTICSEARCH__INDEX_PREFIX"] = f"bench-{run}"
            settings_now.cache_clear()
            try:
                t = time.perf_counter()
                if cli:
                    command("ingest", str(batch), "--batch-id", batch_id)
                else:
                    ingest_batch(source=str(batch), batch_id=batch_id)
                ingest_s = time.perf_counter() - t
                t = time.perf_counter()
                if mode == "in-ingest":
                    archive_s = spent.pop()
                    ingest_s -= archive_s
                elif cli:
                    command("archive", "build", "--batch", batch_id)
                else:
                    archive_build(batch=batch_id)
                if mode != "in-ingest":
                    archive_s = time.perf_counter() - t
                # the copies' own time (PDF/A, signing, veraPDF), as recorded with each; the rest is
                # the flow's: reading and storing in MinIO, Prefect (and with --cli, the command's start)
                store = ObjectStore.from_settings(settings_now().minio)
                records = [load_record(store, sha) for sha in document_ids(store, batch=batch_id)]
                done = [rec for rec in records if rec is not None]
                copies_s = sum(rec.seconds for rec in done)
                compliant = sum(rec.compliant for rec in done)
                sizes = [(rec.size, rec.original_size) for rec in done if rec.size]
            finally:
                s = settings_now()
                remove_bucket(ObjectStore.from_settings(s.minio))
                SearchIndex.from_settings(s.elasticsearch).drop()
            rows.append((ingest_s, archive_s))
            size_ratio = sum(a for a, _ in sizes) / max(sum(b for _, b in sizes), 1)
            print(
                f"repeat {r + 1}: ingest {ingest_s:.1f} s, archive {archive_s:.1f} s ({compliant}/"
                f"{len(records)} documents compliant; copies {copies_s:.1f} s of it; size {size_ratio:.3f}x "
                f"the originals), archive/ingest {archive_s / ingest_s:.3f}; load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        flows.archive.archive_documents = real_archive  # type: ignore[assignment]
        os.environ.pop("SOHOA_ARCHIVE__WITH_INGEST", None)
    ingest_m = statistics.median(r[0] for r in rows)
    archive_m = statistics.median(r[1] for r in rows)
    ratios = [a / i for i, a in rows]
    print(
        f"{len(paths)} originals, {repeats} repeats (ingest, archive, ingest, archive, ...): median ingest "
        f"{ingest_m:.1f} s, median archive {archive_m:.1f} s; archive / ingest: median of the per-repeat "
        f"ratios {statistics.median(ratios):.3f} (each: {', '.join(f'{x:.3f}' for x in ratios)}); "
        f"load after: {os.getloadavg()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", type=Path, default=Path(os.environ.get("SOHOA_EVAL", "../shared/eval")))
    ap.add_argument("--work", type=Path, default=Path("/tmp/17/bench"))
    ap.add_argument("--sets", nargs="+", default=["vn-admin", "real"])
    ap.add_argument("--ocr-only", action="store_true")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--fresh", action="store_true", help="OCR again (time both steps under the same load)")
    ap.add_argument("--e2e", action="store_true", help="ingest then archive the originals (the time goal)")
    ap.add_argument("--repeats", type=int, default=3, help="--e2e: repeats (medians reported)")
    ap.add_argument(
        "--mode",
        choices=["flows", "cli", "in-ingest"],
        default="flows",
        help="--e2e: both flows in this process, the two commands, or the copies made inside ingest_batch",
    )
    ap.add_argument("--parts", type=Path, nargs="+", help="print where the bytes of these copies go; stop")
    ap.add_argument(
        "--key",
        choices=[k.value for k in KeyKind],
        help="sign with a TEST chain of this key kind made under --work (rsa*: root, issuing CA, agency, "
        "with a public CA's extensions, as agencies' certificates are) instead of the configured one",
    )
    ap.add_argument(
        "--only", nargs="+", default=[], help="only originals whose file name contains one of these"
    )
    ap.add_argument(
        "--validate-unsigned",
        action="store_true",
        help="also validate each copy before signing (the 'still PDF/A after signing' check; production "
        "validates the signed copy only)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.parts:
        print(json.dumps({str(p): parts(p) for p in args.parts}, indent=1))
        return
    cache = args.work / "ocr"
    cache.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    ctx = OcrContext.from_settings(settings.ocr) if hasattr(OcrContext, "from_settings") else OcrContext()
    paths = _spread(_originals(args.eval, args.sets), args.limit)
    if args.only:
        paths = [p for p in paths if any(o in p.name for o in args.only)]
    if args.e2e:
        end_to_end(paths, args.repeats, mode=args.mode)
        return
    docs = []
    for p in paths:
        t = time.perf_counter()
        docs.append(_ocr(p, cache, ctx, fresh=args.fresh))
        log.warning("ocr %s %.1f s", p.name, time.perf_counter() - t)
    if args.ocr_only:
        return
    actx = dataclasses.replace(
        ArchiveContext.from_settings(settings), check_before_signing=args.validate_unsigned
    )
    if args.key:
        actx = _with_test_key(actx, KeyKind(args.key), args.work / f"signing-{args.key}")
    rows = []
    tag = f"-{args.key}" if args.key else ""
    out = args.work / f"copies{tag}"
    out.mkdir(exist_ok=True)
    jobs = []
    for p, doc in zip(paths, docs, strict=True):
        meta = _meta(p, doc.sha256)
        jobs.append((p, sniff(p), doc, meta, out / f"{p.parent.name}--{p.stem}.pdf"))
    t0 = time.perf_counter()
    results = make_copies(jobs, actx, work=args.work / "scratch")
    total_archive = time.perf_counter() - t0
    for (p, _, doc, _, _), rec in zip(jobs, results, strict=True):
        rows.append(
            {
                "file": f"{p.parent.name}/{p.name}",
                "pages": len(doc.pages),
                "ocr_s": round(doc.seconds, 2),
                "archive_s": rec.seconds,
                "size_ratio": round(rec.size / max(rec.original_size, 1), 3),
                "pdfa_unsigned": rec.pdfa_unsigned.compliant if rec.pdfa_unsigned else None,
                "pdfa_signed": rec.pdfa.compliant if rec.pdfa else None,
                "signature_intact": rec.signature.intact if rec.signature else None,
                "problems": rec.problems,
            }
        )
    (args.work / f"results{tag}{'-both' if args.validate_unsigned else ''}.json").write_text(
        json.dumps(rows, ensure_ascii=False, indent=1)
    )
    ocr_total = sum(r["ocr_s"] for r in rows)
    ratios = [r["size_ratio"] for r in rows]
    summary = {
        "documents": len(rows),
        "pages": sum(r["pages"] for r in rows),
        "pdfa_pass_unsigned": sum(bool(r["pdfa_unsigned"]) for r in rows),
        "pdfa_pass_signed": sum(bool(r["pdfa_signed"]) for r in rows),
        "signatures_intact": sum(bool(r["signature_intact"]) for r in rows),
        "ocr_seconds": round(ocr_total, 1),
        "archive_seconds_total": round(total_archive, 1),
        "time_ratio": round(total_archive / max(ocr_total, 1e-9), 3),
        "size_ratio_median": statistics.median(ratios),
        "size_ratio_max": max(ratios),
        "size_total_ratio": round(
            sum(r["size_ratio"] * 0 for r in rows)
            + sum(rec.size for rec in results) / max(sum(rec.original_size for rec in results), 1),
            3,
        ),
        "failed": [r for r in rows if not (r["pdfa_signed"] and r["signature_intact"])],
        "load": os.getloadavg(),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
