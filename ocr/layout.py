"""Reading order for letter-like administrative pages, from Tesseract's word boxes.

Tesseract reads the two-column header of a Vietnamese administrative document (issuer and number on the
left, national motto and place/date on the right) and its two-column closing area (``Nơi nhận:`` left,
signer right) line by line across both columns, and often glues a left and a right line into one.
Here lines are first cut at wide horizontal gaps into *segments*; consecutive rows whose segments all keep
clear of one vertical gutter form a two-column *region*, read left column then right column; everything
else is read top to bottom. Pure functions over boxes: no image, no Tesseract.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sohoa.model.ocr import Line, Word
from sohoa.text import fold

__all__ = [
    "RawWord",
    "Segment",
    "build_lines",
    "drop_noise",
    "fix_confusables",
    "fix_words",
    "is_noise",
    "parse_tsv",
    "reading_order",
]


@dataclass(frozen=True, slots=True)
class RawWord:
    """One word of Tesseract's TSV with its layout ids."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int

    @property
    def right(self) -> int:  # noqa: D102
        return self.left + self.width

    @property
    def bottom(self) -> int:  # noqa: D102
        return self.top + self.height


def parse_tsv(tsv: str) -> list[RawWord]:
    """Words (level 5 rows with text) of a Tesseract TSV, NFC-normalized."""
    words: list[RawWord] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = unicodedata.normalize("NFC", cols[11]).strip()
        if not text:
            continue
        try:
            conf = float(cols[10])
            left, top, width, height = (int(c) for c in cols[6:10])
            block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
        except ValueError:
            continue
        words.append(RawWord(text, max(conf, 0.0), left, top, width, height, block, par, line))
    return words


#: punctuation that printed text is made of; anything else without a letter or digit is a speck or a stroke
_PUNCTUATION = set("-–—.,;:!?/()[]\"'“”‘’…%&*+=§°")


def is_noise(word: RawWord) -> bool:
    """True for what seals, signatures and specks read as: symbol runs, or low-confidence 1-2 letter bits."""
    alnum = sum(c.isalnum() for c in word.text)
    if alnum == 0:
        return word.conf < 60 or any(c not in _PUNCTUATION for c in word.text)
    return alnum <= 2 and len(word.text) <= 3 and word.conf < 50


def drop_noise(words: list[RawWord]) -> list[RawWord]:
    """The words that are not :func:`is_noise`."""
    return [w for w in words if not is_noise(w)]


#: Tesseract's ``vie`` model also knows the Icelandic eth, which looks exactly like Vietnamese Đ; its LSTM
#: sometimes emits both labels for one wide glyph ("QĐÐ"), which CTC decoding cannot merge
_ETH = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_ETH_PAIR = re.compile("\u0110\u00d0|\u00d0\u0110|\u0111\u00f0|\u00f0\u0111")


def fix_confusables(text: str) -> str:
    """Vietnamese text with the eth look-alikes of Đ/đ (and their doubled reading) turned into Đ/đ.

    A genuine ``ĐĐ`` (an abbreviation such as ``ĐĐBQH``) is kept: only a mixed Đ+eth pair is one glyph.
    """
    if "\u00d0" not in text and "\u00f0" not in text:
        return text
    return _ETH_PAIR.sub(lambda m: m.group(0)[0].translate(_ETH), text).translate(_ETH)


def fix_words(words: list[RawWord]) -> list[RawWord]:
    """:func:`fix_confusables` over a page's words (for Vietnamese pages)."""
    return [w if (t := fix_confusables(w.text)) == w.text else replace(w, text=t) for w in words]


@dataclass(slots=True)
class Segment:
    """A run of words on one text line with no wide gap inside."""

    words: list[RawWord]
    seq: int = 0  # position in Tesseract's own reading order
    region: str = "body"
    x0: int = field(init=False)
    x1: int = field(init=False)
    y0: int = field(init=False)
    y1: int = field(init=False)

    def __post_init__(self) -> None:
        self.x0 = min(w.left for w in self.words)
        self.x1 = max(w.right for w in self.words)
        self.y0 = min(w.top for w in self.words)
        self.y1 = max(w.bottom for w in self.words)

    @property
    def yc(self) -> float:  # noqa: D102
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> int:  # noqa: D102
        return self.y1 - self.y0


def _segments(words: list[RawWord], page_width: int) -> tuple[list[Segment], float]:
    lines: dict[tuple[int, int, int], list[RawWord]] = {}
    for w in words:
        lines.setdefault((w.block, w.par, w.line), []).append(w)
    heights = [w.height for w in words if len(w.text) > 1] or [w.height for w in words]
    text_h = float(statistics.median(heights)) if heights else 20.0
    # Word spaces (even justified ones) stay well under two text heights; column gutters are wider.
    gap = max(2.2 * text_h, 0.03 * page_width)
    segments: list[Segment] = []
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.left)
        run = [line_words[0]]
        for w in line_words[1:]:
            if w.left - run[-1].right > gap:
                segments.append(Segment(run, seq=len(segments)))
                run = []
            run.append(w)
        segments.append(Segment(run, seq=len(segments)))
    return segments, text_h


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Group segments whose vertical extents overlap into rows, top to bottom."""
    rows: list[list[Segment]] = []
    bounds: list[tuple[float, float]] = []
    for s in sorted(segments, key=lambda s: s.yc):
        if rows:
            y0, y1 = bounds[-1]
            overlap = min(y1, s.y1) - max(y0, s.y0)
            if overlap > 0.5 * min(s.height, y1 - y0) or y0 <= s.yc <= y1 and s.height < 1.5 * (y1 - y0):
                rows[-1].append(s)
                bounds[-1] = (min(y0, s.y0), max(y1, s.y1))
                continue
        rows.append([s])
        bounds.append((s.y0, s.y1))
    for row in rows:
        row.sort(key=lambda s: s.x0)
    return rows


def _widest_gutter(row: list[Segment], min_gutter: float) -> tuple[float, float] | None:
    best: tuple[float, float] | None = None
    for a, b in zip(row, row[1:], strict=False):
        if b.x0 - a.x1 >= min_gutter and (best is None or b.x0 - a.x1 > best[1] - best[0]):
            best = (a.x1, b.x0)
    return best


def _fits(row: list[Segment], gutter: tuple[float, float], min_gutter: float) -> tuple[float, float] | None:
    """The gutter narrowed by this row, or None if a segment crosses it."""
    gl, gr = gutter
    for s in row:
        if s.x1 <= gr and s.x0 < gl:
            gl = max(gl, s.x1)
        elif s.x0 >= gl and s.x1 > gr:
            gr = min(gr, s.x0)
        else:  # crosses the gutter, or sits inside it (a centred title): not a column line
            return None
    return (gl, gr) if gr - gl >= min_gutter else None


def reading_order(
    words: list[RawWord], page_width: int, page_height: int, page_number: int = 1
) -> list[Segment]:
    """Segments in the order a person reads the page (column regions left column first).

    Args:
        words: the page's words.
        page_width: in pixels.
        page_height: in pixels.
        page_number: 1-based number of the page in its document; the two-column header of an
            administrative document only exists on its first page.
    """
    if not words:
        return []
    segments, text_h = _segments(words, page_width)
    rows = _rows(segments)
    min_gutter = max(1.5 * text_h, 0.02 * page_width)
    split_rows = sum(1 for row in rows if _widest_gutter(row, min_gutter) is not None)
    if split_rows > 0.5 * len(rows):
        # mostly columns of running text (a magazine, a two-column report), not a letter: Tesseract's
        # own block order follows whole columns across pictures and captions better than row geometry
        return sorted(segments, key=lambda s: s.seq)
    return _order(segments, text_h, page_width, page_height, page_number, depth=0)


def _order(
    segments: list[Segment], text_h: float, page_width: int, page_height: int, page_number: int, depth: int
) -> list[Segment]:
    rows = _rows(segments)
    min_gutter = max(1.5 * text_h, 0.02 * page_width)
    max_row_gap = 4.0 * text_h
    ordered: list[Segment] = []
    in_region: set[int] = set()
    i = 0
    while i < len(rows):
        gutter = _widest_gutter(rows[i], min_gutter)
        if gutter is None:
            ordered.extend(rows[i])
            i += 1
            continue
        # Grow the region down while rows keep clear of the gutter and stay close together.
        j = i + 1
        while j < len(rows):
            if min(s.y0 for s in rows[j]) - max(s.y1 for s in rows[j - 1]) > max_row_gap:
                break
            narrowed = _fits(rows[j], gutter, 0.5 * text_h)
            if narrowed is None:
                break
            gutter, j = narrowed, j + 1
        # Pull in a right-only row just above (a signer line that starts higher than Nơi nhận); left-only
        # rows above are already read before the region, which is where they belong.
        start = i
        while start > 0 and start - 1 not in in_region:
            prev = rows[start - 1]
            if min(s.y0 for s in rows[start]) - max(s.y1 for s in prev) > 1.5 * text_h:
                break
            narrowed = _fits(prev, gutter, 0.5 * text_h)
            if narrowed is None or not all(s.x0 >= narrowed[0] for s in prev):
                break
            gutter, start = narrowed, start - 1
        region = [s for row in rows[start:j] for s in row]
        moved = {id(s) for row in rows[start:i] for s in row}
        ordered = [s for s in ordered if id(s) not in moved]
        if max(s.y1 for s in region) - min(s.y0 for s in region) > 0.4 * page_height:
            # long columns of running text (a magazine or two-column report): Tesseract's own block order
            # follows them better than row geometry, which flows round pictures and captions poorly
            ordered.extend(sorted(region, key=lambda s: s.seq))
            in_region.update(range(start, j))
            i = j
            continue
        left = [s for s in region if s.x1 <= gutter[1]]
        right = [s for s in region if s.x1 > gutter[1]]
        if depth == 0:
            _label(left, right, page_height, page_number)
        # each side may itself hold columns (a magazine spread): read it the same way
        if depth < 3:
            left = _order(left, text_h, page_width, page_height, page_number, depth + 1)
            right = _order(right, text_h, page_width, page_height, page_number, depth + 1)
        ordered.extend(left)
        ordered.extend(right)
        in_region.update(range(start, j))
        i = j
    return ordered


#: lines that only a document's header carries: national motto, the number line, a công văn's V/v
_HEADER_CUES = re.compile(r"CONG HOA|DOC LAP|TU DO|HANH PHUC|^\W*SO\W{0,3}\s*:|^\W*SO\s*:?\s*\d|^\W*V/V\b")
#: lines that only the closing area carries: recipients, filing line, signing authority
_CLOSING_CUES = re.compile(r"NOI NHAN|^\W*[-+~.]?\s*LUU\s*[:;.]|NHU TREN|^\W*(KT|TM|TL|TUQ|Q)\s*[.,]\s*\w")


def _cue(segments: list[Segment]) -> tuple[int, int]:
    """How many lines of a region look like header lines and like closing lines."""
    header = closing = 0
    for s in segments:
        folded = fold(" ".join(w.text for w in sorted(s.words, key=lambda w: w.left))).upper()
        header += bool(_HEADER_CUES.search(folded))
        closing += bool(_CLOSING_CUES.search(folded))
    return header, closing


def _label(left: list[Segment], right: list[Segment], page_height: int, page_number: int = 1) -> None:
    """Name a two-column region ``header-*`` or ``closing-*`` (or leave it body).

    What the lines say decides first (the motto and ``Số:`` only appear in a header; ``Nơi nhận:``,
    ``Lưu:`` and ``KT.``/``TM.`` only in a closing area); position decides only when the text is silent,
    and a page after the first never has a header (its top block is a closing area carried over).
    """
    both = left + right
    y0, y1 = min(s.y0 for s in both), max(s.y1 for s in both)
    header_cues, closing_cues = _cue(both)
    if closing_cues > header_cues:
        where: str | None = "closing"
    elif header_cues > closing_cues:
        where = "header"
    elif y1 - y0 > 0.4 * page_height or max(len(left), len(right)) < 3:
        # columns of running text, or a couple of justified lines split at a wide word gap
        return
    elif page_number > 1:
        where = "closing" if y1 > 0.5 * page_height or y0 < 0.4 * page_height else None
    else:
        where = "header" if y0 < 0.4 * page_height else "closing" if y1 > 0.5 * page_height else None
    if where is None:
        return
    for s in left:
        s.region = f"{where}-left"
    for s in right:
        s.region = f"{where}-right"


def build_lines(
    segments: Iterable[Segment], *, keep_order: bool = True
) -> tuple[list[Word], list[Line], str]:
    """Word and Line models plus the page text (lines joined by newlines) from ordered segments."""
    words: list[Word] = []
    lines: list[Line] = []
    for index, seg in enumerate(segments):
        ws = sorted(seg.words, key=lambda w: w.left) if keep_order else seg.words
        text = " ".join(w.text for w in ws)
        conf = sum(w.conf for w in ws) / len(ws)
        box = (seg.x0, seg.y0, seg.x1 - seg.x0, seg.y1 - seg.y0)
        lines.append(Line(text=text, conf=round(conf, 2), box=box, region=seg.region))
        words.extend(
            Word(text=w.text, conf=w.conf, box=(w.left, w.top, w.width, w.height), block=w.block, line=index)
            for w in ws
        )
    return words, lines, "\n".join(line.text for line in lines)
