"""Fields under the header: document type (title), subject (trích yếu), ``Kính gửi`` and dossier codes."""

from __future__ import annotations

import re

from pipeline.metadata.anchors import VE_VIEC
from pipeline.metadata.evidence import Hit, hit, hits_join
from pipeline.metadata.header import NUMBER_LINE
from pipeline.metadata.layout import BODY, HEADER_LEFT, HEADER_RIGHT, TextLine, join_lines
from pipeline.metadata.lexicon import type_by_name
from pipeline.metadata.names import syllable_ok
from pipeline.metadata.normalize import clean_spaces
from pipeline.metadata.numbers import read_number

__all__ = ["find_dossier_code", "find_recipients", "find_subject", "find_title"]

# "V/v", "Về việc", and "Về: việc" (an edit of OCR noise inside the anchor)
_VV = VE_VIEC
# How a body paragraph starts; a subject never does.
_BODY_START = re.compile(
    r"^\W{0,2}(kinh gui|can cu|thuc hien|theo|xet|phuc dap|ngay \d|tren co so|nham|de |dieu \d|chuong|"
    r"[ivx]+\.|\d+\.|[a-z]\)|noi nhan|tiep nhan|trong |tai |sau |ve viec|v/v)"
)


# With geometry, only what cannot begin a subject line ends it ("Nhâm Dần", "tại ..." can).
_PARAGRAPH_START = re.compile(
    r"^\W{0,2}(kinh gui|can cu|dieu \d|chuong [ivx\d]|noi nhan|[ivx]+\.\s|\d+\.\s|[a-z]\)\s)"
)
# A wrapped subject line goes on in lower case ("ngày 22 tháng 3 ..."); these words capitalised open the
# body's first sentence (read on the line as printed, not folded).
_SENTENCE_START = re.compile(r"^\W{0,2}(Ngày \d|Thực hiện|Căn cứ|Theo |Xét |Trên cơ sở|Nhằm |Kính gửi)")


def _first_page_top(lines: list[TextLine], limit: int = 45) -> list[TextLine]:
    first = lines[0].page if lines else 1
    return [ln for ln in lines if ln.page == first][:limit]


def _letters_upper(text: str) -> str:
    return re.sub(r"[^\w\s]|\d|_", " ", text).strip()


def find_title(lines: list[TextLine]) -> tuple[Hit | None, int | None]:
    """The type name printed as the title (``QUYẾT ĐỊNH``, ``TỜ TRÌNH``); returns the hit and its index."""
    top = _first_page_top(lines)
    for i, ln in enumerate(top):
        # (an OCR engine may count the centred title as part of the right header column)
        letters = _letters_upper(ln.text)
        if not letters or letters != letters.upper() or len(letters) > 40:
            continue
        t = type_by_name(letters)
        if t is not None:
            return hit(t, ln, 0, len(ln.text), 0.97), i
    return None, None


def _strip_vv(text: str) -> str:
    from pipeline.metadata.normalize import fold

    m = _VV.match(fold(text))
    return text[m.end() :] if m else text


def _speck_stop(m: re.Match[str]) -> str:
    return " " if m.string[m.end()].islower() else m[0]


def _clean_subject(text: str) -> str:
    text = clean_spaces(text)
    # A hyphenated word wrapped at its hyphen ("Xinh-" / "-ga-po", "2019-" / "2020") is one word.
    text = re.sub(r"(\w)-\s+-?(?=\w)", r"\1-", text)
    text = re.sub(r"\s+([,.;:)])", r"\1", text)
    # no sentence of a subject starts in lower case: a full stop before one is a speck ("thủ tục. hành")
    text = re.sub(r"(?<=[^\W\d_]{2})\.\s+(?=[^\W\d_])", _speck_stop, text)
    return text.strip(" -–_|").rstrip(".;")


def _centered(line: TextLine, ref: TextLine) -> bool:
    if line.box is None or ref.box is None:
        return True
    c1 = line.box[0] + line.box[2] / 2
    c0 = ref.box[0] + ref.box[2] / 2
    return abs(c1 - c0) < max(ref.box[3] * 3.0, 0.08 * max(ref.box[2], line.box[2]))


def _caps_line(text: str, least: int = 1) -> bool:
    """A line in capitals (``ỦY BAN NHÂN DÂN``); a code's letters (``30/2020/NĐ-CP``) do not count."""
    letters = _letters_upper(re.sub(r"\S*[/\d]\S*", " ", text))
    return len(letters) >= least and letters == letters.upper()


def _speck(line: TextLine) -> bool:
    """A dot of dirt, a rule or a stroke read as a letter or two: not a text line."""
    letters = sum(c.isalpha() for c in line.text)
    words = [w for w in re.findall(r"\w+", line.text) if len(w) > 1]
    if line.conf is None:
        return False
    text = line.text.strip()
    if len(text) >= 2 and line.conf >= 0.6 and text.islower() and syllable_ok(text):
        return False  # one word left alone by the wrap ("án" of "dự án"), read clearly ("rÀ" is no word)
    return (letters < 3 and (line.conf < 0.5 or len(text) < 3)) or (letters < 5 and not words)


def find_subject(lines: list[TextLine], title_index: int | None) -> Hit | None:
    """Trích yếu: the ``V/v`` lines of a công văn, else the line(s) under the title, without ``Về việc``."""
    top = _first_page_top(lines)
    # Công văn: "V/v ..." under the number, continued by the lines below it in the same column.
    for i, ln in enumerate(top):
        if title_index is not None and i > title_index:
            break
        m = _VV.match(ln.folded)
        if not m or not re.match(r"^\W{0,2}v", ln.folded) or ln.zone == HEADER_RIGHT:
            continue
        parts = _continued(top, i, [(ln, m.end(), len(ln.text))])
        value = _clean_subject(" ".join(a.text[s:e] for a, s, e in parts))
        if value:
            return hits_join(value, parts, 0.93)
    if title_index is None:
        return _label_lost(top)
    title = top[title_index]
    parts = []
    prev: TextLine = title
    for nxt in _rows_joined(top[title_index + 1 : title_index + 8]):
        if _speck(nxt):
            continue
        f = nxt.folded
        if nxt.zone != BODY:
            break
        if parts:
            starts = (_BODY_START if nxt.box is None else _PARAGRAPH_START).match(f)
            if starts or _SENTENCE_START.match(nxt.text) or not _continues(nxt, prev, title):
                break
        elif re.match(r"^\W{0,2}(kinh gui|can cu)\b", f):
            return None
        caps = _caps_line(nxt.text, 4)
        if caps and (parts or not _VV.match(f)):
            break  # the authority line ("ỦY BAN NHÂN DÂN TỈNH ...") under the subject; "VỀ VIỆC ..." is none
        start = len(nxt.text) - len(_strip_vv(nxt.text)) if not parts else 0
        parts.append((nxt, start, len(nxt.text)))
        prev = nxt
    if not parts:
        return None
    value = _clean_subject(" ".join(a.text[s:e] for a, s, e in parts))
    return hits_join(value, parts, 0.9) if value else None


def _continued(
    top: list[TextLine], i: int, parts: list[tuple[TextLine, int, int]]
) -> list[tuple[TextLine, int, int]]:
    """A công văn's subject begun on line ``i``, with the lines below it in its column that continue it."""
    ln = top[i]
    for nxt in top[i + 1 : i + 6]:
        if nxt.zone != ln.zone or nxt.zone not in (HEADER_LEFT, BODY):
            break
        f = nxt.folded
        if ln.zone == BODY and not re.match(r"^\W{0,2}[a-z0-9(]", nxt.text):
            break  # in plain text, a wrapped subject line starts in lower case
        # in the header column the body cannot follow: only a paragraph's or a sentence's opening
        # (as printed, capitalised) ends the subject there, not "thực hiện", "theo", "tại" wrapped
        opens = _BODY_START.match(f) if ln.zone == BODY else _PARAGRAPH_START.match(f)
        if opens or _SENTENCE_START.match(nxt.text) or NUMBER_LINE.match(f) or _caps_line(nxt.text):
            break
        parts.append((nxt, 0, len(nxt.text)))
    return parts


def _label_lost(top: list[TextLine]) -> Hit | None:
    """A công văn's subject whose ``V/v`` OCR lost: the left column's line under the number, in lower case.

    Under the number of a document with no title only the subject is printed in lower case (marks such
    as ``KHẨN`` are capitals); scored lower than a subject found by its label.
    """
    at = next(
        (i for i, ln in enumerate(top) if ln.zone == HEADER_LEFT and read_number(ln.text) is not None), None
    )
    if at is None or at + 1 >= len(top):
        return None
    first = top[at + 1]
    if (
        first.zone != HEADER_LEFT
        or not re.match(r"^[a-zà-ỹđ]", first.text)
        or _SENTENCE_START.match(first.text)
    ):
        return None
    parts = _continued(top, at + 1, [(first, 0, len(first.text))])
    value = _clean_subject(" ".join(a.text[s:e] for a, s, e in parts))
    return hits_join(value, parts, 0.7) if value else None


def _same_row(a: TextLine, b: TextLine) -> bool:
    if a.box is None or b.box is None or a.zone != b.zone:
        return False
    top, bottom = max(a.box[1], b.box[1]), min(a.box[1] + a.box[3], b.box[1] + b.box[3])
    return bottom - top > 0.5 * min(a.box[3], b.box[3])


def _rows_joined(lines: list[TextLine]) -> list[TextLine]:
    """Lines with the pieces of one printed row joined (a word lost to noise leaves a gap that cuts it)."""
    out: list[TextLine] = []
    for ln in lines:
        if _speck(ln):
            continue  # a seal or signature fragment beside the line is not part of it
        if out and _same_row(out[-1], ln):
            a, b = sorted((out[-1], ln), key=lambda x: x.box[0] if x.box else 0)
            out[-1] = join_lines(a, b)
        else:
            out.append(ln)
    return out


def _continues(line: TextLine, prev: TextLine, title: TextLine) -> bool:
    """Whether ``line`` continues a subject: centred under the title, right below the previous line.

    A subject line may start with a capital (a proper name: ``Mộ Đức để …``, ``Nhâm Dần …``); the body
    under it is set full width and after a rule, which breaks both tests. Plain text has no geometry:
    there a continuation is any line that does not start a body paragraph and does not end one.
    """
    if line.box is None or prev.box is None:
        if re.search(r"[.;:]\s*$", prev.text):
            return False
        # a capital after a short line starts a new paragraph; after a long one it may be a wrapped name
        return bool(re.match(r"^\W{0,2}[a-zà-ỹđ0-9(]", line.text)) or len(prev.text) >= 55
    gap = line.box[1] - (prev.box[1] + prev.box[3])
    if gap > 0.8 * min(prev.box[3], line.box[3]):
        return False
    return _centered(line, title)


def _split_items(chunks: list[str]) -> list[str]:
    items: list[str] = []
    for chunk in chunks:
        c = chunk.strip()
        if re.match(r"^[-–+•*]\s*", c):
            items.append(re.sub(r"^[-–+•*]\s*", "", c))
        elif items and not re.search(r"[;.]\s*$", items[-1]):
            items[-1] += " " + c
        else:
            items.append(c)
    out = []
    for it in items:
        it = re.sub(r"(\./\.|[;.,:])+\s*$", "", clean_spaces(it)).strip()
        if re.search(r"[A-Za-zÀ-ỹĐđ]{2,}", it):
            out.append(it)
    return out


def find_recipients(lines: list[TextLine]) -> Hit | None:
    """``Kính gửi: A.`` or ``Kính gửi: - A; - B.`` → list of addressees."""
    from pipeline.metadata.normalize import fold

    top = _first_page_top(lines, 60)
    for i, ln in enumerate(top):
        m = re.match(r"^\W{0,2}kinh\s*gui\s*[:;.]?\s*", ln.folded)
        if not m:
            continue
        first = ln.text[m.end() :].strip()
        parts = [(ln, m.end(), len(ln.text))] if first else []
        chunks = [first] if first else []
        is_list = first.startswith(("-", "–")) or not first
        ended = bool(re.search(r"\.\s*$", first))
        for nxt in top[i + 1 : i + 12]:
            t = nxt.text.strip()
            if ended and not t.startswith(("-", "–")):
                break
            if not is_list and not re.match(r"^[a-zà-ỹđ]", t):
                break
            if is_list and not t.startswith(("-", "–")) and chunks and re.search(r"[;.]\s*$", chunks[-1]):
                break
            if _BODY_START.match(fold(t)) and not t.startswith(("-", "–")):
                break
            chunks.append(t)
            parts.append((nxt, 0, len(nxt.text)))
            ended = bool(re.search(r"\.\s*$", t))
        items = _split_items(chunks)
        if items and parts:
            return hits_join(items, parts, 0.9)
    return None


_DOSSIER = re.compile(
    r"(?:ma\s*(?:so\s*)?ho\s*so|so\s*ho\s*so|ma\s*(?:so\s*)?bien\s*nhan|so\s*bien\s*nhan|ma\s*tiep\s*nhan)"
    r"\s*[:.]?\s*([A-Za-z0-9][A-Za-z0-9.\-/_]{3,})"
)


def find_dossier_code(lines: list[TextLine]) -> Hit | None:
    """The dossier or receipt code printed on a procedure result (``Mã hồ sơ: 000.00.20.H56-240315-0012``)."""
    from pipeline.metadata.normalize import fold

    for ln in lines:
        m = _DOSSIER.search(fold(ln.text))
        if m and re.search(r"\d", m.group(1)):
            return hit(ln.text[m.start(1) : m.end(1)].rstrip(".,;"), ln, m.start(1), m.end(1), 0.9)
    return None
