"""Build the OCR cache that ``bench/metadata_eval.py --ocr-cache DIR`` scores.

    PYTHONPATH=. .venv/bin/python bench/metadata_cache.py --out DIR [--eval-dir DIR] [synth] [heavy]

- ``DIR/synth/<id>.json``: every ``vn-admin`` document as rendered, through ``ocr.ocr_file``;
- ``DIR/heavy/<id>.json``: every page first degraded by one ``bench/ocr_degrade.py`` variant (chosen by
  a checksum of the page's name, so runs compare) plus Gaussian sensor noise (sigma 8), then OCR'd.

- ``DIR/real-heavy/<id>.json`` (only when asked): each page of the real documents of the tuning part
  (never the held-out part) rendered at 200 dpi and degraded the same way: the real layouts under scan
  damage they do not have. Score it with ``metadata_eval.py --real --tuning-only --real-cache real-heavy``;
  ``--salt S`` draws other damage for the same pages into ``DIR/real-heavy-S/``.
- ``DIR/real-low-<dpi>/<id>.json`` (only when asked): the same pages scanned coarsely, rendered at
  ``--dpi`` (default 100, half the archival minimum) with sensor noise and JPEG compression, nothing else;
  ``--bilevel`` scans them in black and white instead (``real-low-<dpi>-bw/``).

``--real`` needs no builder: ``metadata_eval.py --real`` OCRs what its cache lacks. Documents already in
the cache are skipped; delete the folder to rebuild it with the current code.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from _tesseract_pages import page_image  # noqa: E402
from metadata_eval import HELD_OUT, load_docs  # noqa: E402
from ocr_degrade import VARIANTS, degrade  # noqa: E402

log = logging.getLogger("bench.metadata_cache")

SENSOR_SIGMA = 8.0
#: the resolution the real documents' pages are rendered at before they are degraded
REAL_DPI = 200


def sensor_noise(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The page with a scanner sensor's Gaussian noise (sigma :data:`SENSOR_SIGMA`), as 8-bit gray."""
    noisy = gray.astype(np.float32) + rng.normal(0, SENSOR_SIGMA, gray.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def cache_folder(part: str, salt: str, dpi: int, bilevel: bool) -> str:
    """The cache folder of one part: ``real-heavy-S`` for another draw, ``real-low-N[-bw]`` per scan."""
    if part == "real-heavy" and salt:
        return f"{part}-{salt}"
    if part == "real-low":
        return f"{part}-{dpi}{'-bw' if bilevel else ''}"
    return part


def heavy_page(src: Path, dpi: int, name: str, work: Path, salt: str = "") -> Path:
    """The page degraded by its variant and sensor noise, written as a PNG at its (new) resolution.

    ``salt`` draws another variant and other noise for the same page (a second damaged set).
    """
    gray = np.array(Image.open(src).convert("L"))
    key = f"{salt}/{name}" if salt else name
    variant = VARIANTS[zlib.crc32(key.encode()) % len(VARIANTS)]
    img, dpi, _ = degrade(gray, dpi, variant, key)
    rng = np.random.default_rng(zlib.crc32(f"{key}/sensor".encode()))
    noisy = sensor_noise(img, rng)
    out = work / f"{name}-heavy{salt}.png"
    Image.fromarray(noisy).save(out, dpi=(dpi, dpi))
    return out


def real_tuning(eval_dir: Path) -> dict[str, list[dict]]:
    """The real documents of the tuning part, each as one row with its PDF's name (held-out left out)."""
    import json

    labels = (json.loads(p.read_text(encoding="utf-8")) for p in sorted((eval_dir / "real").glob("*.json")))
    return {lb["id"]: [{"file": lb["file"]}] for lb in labels if lb["id"] not in HELD_OUT}


def real_heavy_pages(pdf: Path, doc_id: str, work: Path, salt: str = "") -> list[Path]:
    """Each page of a real PDF rendered at :data:`REAL_DPI` and degraded like a heavy page."""
    from pdf2image import convert_from_path

    out = []
    for i, page in enumerate(convert_from_path(str(pdf), dpi=REAL_DPI, grayscale=True), 1):
        src = work / f"{doc_id}-p{i}.png"
        page.save(src, dpi=(REAL_DPI, REAL_DPI))
        out.append(heavy_page(src, REAL_DPI, f"{doc_id}-p{i}", work, salt))
    return out


def real_low_pages(pdf: Path, doc_id: str, work: Path, dpi: int, bilevel: bool = False) -> list[Path]:
    """Each page of a real PDF rendered at ``dpi`` with sensor noise: a quality-60 JPEG, or ``bilevel``
    (an office scanner's black-and-white mode: a fixed threshold, no gray) a 1-bit PNG."""
    from pdf2image import convert_from_path

    out = []
    for i, page in enumerate(convert_from_path(str(pdf), dpi=dpi, grayscale=True), 1):
        rng = np.random.default_rng(zlib.crc32(f"{doc_id}-p{i}/low".encode()))
        noisy = sensor_noise(np.array(page), rng)
        if bilevel:
            target = work / f"{doc_id}-p{i}-low{dpi}bw.png"
            Image.fromarray(noisy).point(lambda v: 255 if v > 150 else 0).convert("1").save(
                target, dpi=(dpi, dpi)
            )
        else:
            target = work / f"{doc_id}-p{i}-low{dpi}.jpg"
            Image.fromarray(noisy).save(target, quality=60, dpi=(dpi, dpi))
        out.append(target)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # argparse (3.11) checks an empty list against ``choices`` as one value: the parts are checked below
    ap.add_argument("parts", nargs="*", help="synth, heavy, real-heavy, real-low (default: synth heavy)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    ap.add_argument(
        "--salt", default="", help="real-heavy only: draw other damage, into real-heavy-SALT (default: none)"
    )
    ap.add_argument("--dpi", type=int, default=100, help="real-low only: scan resolution (default: 100)")
    ap.add_argument("--bilevel", action="store_true", help="real-low only: black and white (real-low-DPI-bw)")
    args = ap.parse_args()
    args.parts = args.parts or ["synth", "heavy"]
    if not set(args.parts) <= {"synth", "heavy", "real-heavy", "real-low"}:
        ap.error(f"parts: synth, heavy, real-heavy and/or real-low, not {' '.join(args.parts)}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import ocr
    from sohoa.settings import get_settings

    ctx = ocr.OcrContext.from_settings(get_settings().ocr)
    work = args.out / "_pages"
    work.mkdir(parents=True, exist_ok=True)
    for part in args.parts:
        folder = args.out / cache_folder(part, args.salt, args.dpi, args.bilevel)
        folder.mkdir(exist_ok=True)
        docs_of = real_tuning(args.eval_dir) if part.startswith("real-") else load_docs(args.eval_dir)
        for doc_id, rows in docs_of.items():
            target = folder / f"{doc_id}.json"
            if target.exists():
                continue
            t0 = time.perf_counter()
            if part == "synth":
                files = [args.eval_dir / im for im in sorted({r["image"] for r in rows})]
            elif part == "real-heavy":
                files = real_heavy_pages(args.eval_dir / "real" / rows[0]["file"], doc_id, work, args.salt)
            elif part == "real-low":
                pdf = args.eval_dir / "real" / rows[0]["file"]
                files = real_low_pages(pdf, doc_id, work, args.dpi, args.bilevel)
            else:
                files = [
                    heavy_page(
                        page_image(args.eval_dir, r, work),
                        int(r["dpi"] or 300),
                        f"{doc_id}-p{r['page']}",
                        work,
                    )
                    for r in rows
                ]
            docs = [ocr.ocr_file(f, ctx, jobs=1) for f in files]
            pages = [
                p.model_copy(update={"number": i})
                for i, p in enumerate((p for d in docs for p in d.pages), 1)
            ]
            target.write_text(docs[0].model_copy(update={"pages": pages}).model_dump_json(), encoding="utf-8")
            log.info("%s %s: %d pages in %.1f s", part, doc_id, len(pages), time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
