"""Raw Tesseract output of the eval pages as OcrPage objects (used until ``ocr.ocr_file`` lands).

One ``tesseract IMG base -l vie --psm 3 txt tsv`` call per page, cached under ``bench/out/``.
"""

from __future__ import annotations

import csv
import os
import subprocess
from collections import defaultdict
from pathlib import Path

from PIL import Image

from sohoa.model.ocr import Line, OcrPage, PageSource, Word

TESSERACT_TIMEOUT = 300


def page_image(eval_dir: Path, row: dict[str, str], work: Path) -> Path:
    """A single-page image file for a manifest row (TIFF frames and PDF pages extracted)."""
    src = eval_dir / row["image"]
    frame = int(row["frame"] or 1)
    fmt = row["format"]
    if fmt in ("png", "jpg", "jpeg"):
        return src
    out = work / f"{row['doc_id']}-p{row['page']}.png"
    if out.exists():
        return out
    if fmt in ("tif", "tiff"):
        with Image.open(src) as im:
            im.seek(frame - 1)
            im.save(out)
        return out
    if fmt == "pdf":
        prefix = work / f"{row['doc_id']}-p{row['page']}-img"
        subprocess.run(
            ["pdfimages", "-j", "-f", str(frame), "-l", str(frame), str(src), str(prefix)],
            check=True,
            timeout=120,
        )
        produced = sorted(work.glob(prefix.name + "*"))
        produced[0].rename(out.with_suffix(produced[0].suffix))
        return out.with_suffix(produced[0].suffix)
    raise ValueError(f"unknown format {fmt}")


def run_tesseract(image: Path, base: Path, lang: str = "vie") -> None:
    """Write ``base.txt`` and ``base.tsv`` for one page image."""
    if base.with_suffix(".tsv").exists():
        return
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    subprocess.run(
        ["tesseract", str(image), str(base), "-l", lang, "--psm", "3", "txt", "tsv"],
        check=True,
        env=env,
        timeout=TESSERACT_TIMEOUT,
        capture_output=True,
    )


def page_from_tsv(tsv: Path, number: int) -> OcrPage:
    """Build an OcrPage (words, lines, text) from a Tesseract TSV file."""
    words: list[Word] = []
    width = height = 0
    by_line: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    with tsv.open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            level = int(rec["level"])
            if level == 1:
                width, height = int(rec["width"]), int(rec["height"])
            if level != 5 or not (rec["text"] or "").strip():
                continue
            key = (int(rec["block_num"]), int(rec["par_num"]), int(rec["line_num"]))
            by_line[key].append(len(words))
            words.append(
                Word(
                    text=rec["text"].strip(),
                    conf=max(0.0, float(rec["conf"])),
                    box=(int(rec["left"]), int(rec["top"]), int(rec["width"]), int(rec["height"])),
                    block=key[0],
                )
            )
    lines: list[Line] = []
    final_words: list[Word] = []
    for li, (_key, idxs) in enumerate(by_line.items()):
        ws = [words[i] for i in idxs]
        x0 = min(w.box[0] for w in ws)
        y0 = min(w.box[1] for w in ws)
        x1 = max(w.box[0] + w.box[2] for w in ws)
        y1 = max(w.box[1] + w.box[3] for w in ws)
        lines.append(
            Line(
                text=" ".join(w.text for w in ws),
                conf=sum(w.conf for w in ws) / len(ws),
                box=(x0, y0, x1 - x0, y1 - y0),
            )
        )
        final_words.extend(w.model_copy(update={"line": li}) for w in ws)
    confs = [w.conf for w in final_words]
    return OcrPage(
        number=number,
        source=PageSource.OCR,
        text="\n".join(ln.text for ln in lines),
        confidence=sum(confs) / len(confs) if confs else 0.0,
        width=width,
        height=height,
        words=final_words,
        lines=lines,
    )
