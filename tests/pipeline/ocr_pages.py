"""OCR pages built from text rows, with word boxes as the engine returns them (``tests.pipeline.ocr_pages``).

For the metadata tests: a word is ``CHAR_W`` pixels per character and ``LINE_H`` high, one space between
words, on an A4 page at 200 dpi. Nothing here reads the evaluation set.
"""

from __future__ import annotations

from collections.abc import Sequence

from sohoa.model.ocr import Line, OcrPage, PageSource, Word

CHAR_W, LINE_H, WIDTH, HEIGHT = 14, 30, 1654, 2339


def words_of(
    text: str,
    x: int,
    y: int,
    line: int = 0,
    *,
    conf: float = 92.0,
    confs: Sequence[float] | None = None,
    char_w: int = CHAR_W,
    line_h: int = LINE_H,
) -> list[Word]:
    """The words of ``text`` from ``(x, y)`` on OCR line ``line``, at ``conf`` (or one of ``confs`` each)."""
    out = []
    for i, token in enumerate(text.split()):
        c = confs[i] if confs else conf
        out.append(Word(text=token, conf=c, box=(x, y, char_w * len(token), line_h), line=line))
        x += char_w * (len(token) + 1)
    return out


def ocr_page(rows, *, conf: float = 92.0, low: Sequence[str] = ()) -> OcrPage:
    """An OCR page from ``(y, [(text, x), ...])`` rows, one OCR line each (pieces of several columns).

    A row may carry a third item, ``(char_w, line_h)``, for smaller print (a stamp's); the words listed in
    ``low`` are read at confidence 40.
    """
    words: list[Word] = []
    lines = []
    for li, (y, pieces, *size) in enumerate(rows):
        char_w, line_h = size[0] if size else (CHAR_W, LINE_H)
        lw = []
        for text, x in pieces:
            for token in text.split():
                c = 40.0 if token in low else conf
                lw += words_of(token, x, y, li, conf=c, char_w=char_w, line_h=line_h)
                x += char_w * (len(token) + 1)
        words += lw
        x0 = min(w.box[0] for w in lw)
        x1 = max(w.box[0] + w.box[2] for w in lw)
        lines.append(Line(text=" ".join(w.text for w in lw), conf=conf, box=(x0, y, x1 - x0, line_h)))
    return OcrPage(
        number=1,
        source=PageSource.OCR,
        text="\n".join(ln.text for ln in lines),
        confidence=conf,
        width=WIDTH,
        height=HEIGHT,
        words=words,
        lines=lines,
    )
