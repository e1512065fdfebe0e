"""Signature stamps that are part of the page: found, kept out of the document's text, read as evidence.

A signed PDF's stamp is an annotation that ``ocr.signatures`` hides before the page is read. A stamp
that is drawn into the page (a signed document printed and scanned again, a flattened PDF, an office's
electronic stamp on a scan) comes back from OCR as a small block of labelled lines::

    Ký bởi: SỞ NGOẠI VỤ
    Email: songv@quangninh.gov.vn
    Cơ quan: Tỉnh Quảng Ninh
    Thời gian ký: 05.02.2025 09:15:22 +07:00

Read as document text it becomes the issuer, the signer or a date. Here such blocks are found by their
labels (``anchors.stamp_label``, with an edit budget) and their geometry: at least one label that only
stamps carry (``Ký bởi``, ``Thời gian ký``) or a signing time with its clock time, the other labelled
lines near it, and whatever OCR read inside the block's box. They are taken out of the lines before any
field is read, and what they say (signer, organisation, signing time) becomes a
:class:`~sohoa.model.signature.PageStamp`: a witness used like an embedded signature's (``Witnesses``),
and kept with the document's metadata (``Metadata.stamps``) as what the page shows, never as a verified
signature.
"""

from __future__ import annotations

import datetime as dt
import logging

import regex

from pipeline.metadata.anchors import NUMBER_LABEL, StampLabel, find_date_words, stamp_label
from pipeline.metadata.layout import Span, TextLine, union
from sohoa.model.ocr import Box
from sohoa.model.signature import PageStamp

__all__ = ["split_stamps"]

log = logging.getLogger(__name__)

#: ``05.02.2025 09:15:22 +07:00``, ``05/02/2025 9:15``, ``2025-02-05T09:15:22+07:00``: digits may come
#: with OCR look-alikes (``O5.O2.2O25``), repaired before parsing
_DMY = regex.compile(
    r"(?<!\d)(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})"
    r"(?:\D{1,3}?(\d{1,2})\s*[:h.]\s*(\d{2})(?:\s*[:.]\s*(\d{2}))?)?"
    r"(?:\s*(?:GMT|UTC)?\s*([+-])\s*(\d{1,2})\s*:?\s*(\d{2}))?"
)
_YMD = regex.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s*([+-])(\d{2}):?(\d{2}))?"
)
_NEAR_DIGIT = regex.compile(r"[OoDlI|S](?=[\d.:/-])|(?<=[\d.:/-])[OoDlI|S]")
_LOOK_ALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5"})
#: a value that wrapped onto the line under its label: only digits, clock or zone, or an address
_WRAPPED = regex.compile(r"^[\d\s:.+\-/()GMTUC]+$|@")


def _parse_time(text: str) -> tuple[str | None, bool]:
    """The ISO time of a stamp's signing-time value and whether it had a clock time, else (None, False)."""
    digits = _NEAR_DIGIT.sub(lambda m: m.group().translate(_LOOK_ALIKE), text)
    for pattern, order in ((_YMD, (2, 1, 0)), (_DMY, (0, 1, 2))):
        for m in pattern.finditer(digits):
            g = m.groups()
            day, month, year = (int(g[i]) for i in order)
            try:
                when = dt.datetime(year, month, day, int(g[3] or 0), int(g[4] or 0), int(g[5] or 0))
            except ValueError:
                continue
            if not 1990 <= year <= 2100:
                continue
            if g[6]:
                offset = dt.timedelta(hours=int(g[7]), minutes=int(g[8]))
                when = when.replace(tzinfo=dt.timezone(offset if g[6] == "+" else -offset))
            return when.isoformat(), g[3] is not None
    return None, False


def _top(line: TextLine) -> int:
    return line.box[1] if line.box is not None else 0


def _slice(line: TextLine, start: int, end: int) -> TextLine:
    """The part ``text[start:end]`` of a line, with the boxes and confidences of its words."""
    words = tuple(Span(w.start - start, w.end - start, w.box, w.conf) for w in line.words
                  if w.start >= start and w.end <= end)  # fmt: skip
    raw = line.text[start:end]
    lead = len(raw) - len(raw.lstrip())
    text = raw.strip()
    words = tuple(Span(w.start - lead, w.end - lead, w.box, w.conf) for w in words)
    box = union([w.box for w in words]) if words else (line.box if not line.words else None)
    conf = sum(w.conf for w in words) / len(words) if words else line.conf
    return TextLine(text, line.page, line.zone, box, conf, words)


def _find_label(line: TextLine) -> tuple[int, StampLabel] | None:
    """A stamp label at the start of the line, or a stamp-only one after other text (a merged row)."""
    folded = line.folded
    found = stamp_label(folded)
    if found is not None:
        return 0, found
    for m in regex.finditer(r"(?<=\s)\S", folded):
        if not regex.search(r"[:;]", folded[m.start() : m.start() + 22]):
            continue  # after other text, a label counts only with its colon
        found = stamp_label(folded, m.start())
        if found is not None and found.strong and folded[m.start() : found.end].rstrip().endswith((":", ";")):
            return m.start(), found
    return None


def _near(a: TextLine, b: TextLine) -> bool:
    """Two lines of one block: same page, at most three line heights apart, overlapping columns."""
    if a.page != b.page:
        return False
    if a.box is None or b.box is None:
        return True
    h = max(a.box[3], b.box[3], 1)
    gap = max(a.box[1], b.box[1]) - min(a.box[1] + a.box[3], b.box[1] + b.box[3])
    overlap = min(a.box[0] + a.box[2], b.box[0] + b.box[2]) - max(a.box[0], b.box[0])
    return gap <= 3 * h and overlap > 0


def _printed(line: TextLine) -> bool:
    """The document's own number or date line, which an overlay drawn over the header may touch."""
    f = line.folded
    return bool((NUMBER_LABEL.match(f) and "/" in f) or find_date_words(f))


def _together(pieces: dict[int, TextLine], i: int, j: int) -> bool:
    """Lines ``i`` and ``j`` belong to one block: near each other (by boxes, else at most 3 lines apart)."""
    return _near(pieces[j], pieces[i]) and (pieces[i].box is not None or abs(i - j) <= 3)


def _inside(line: TextLine, box: Box, pad: float) -> bool:
    """Whether the line's centre lies in the stamp's frame, padded except below its last line.

    The signing time closes a stamp; a line right under it (a wrapped value aside, taken apart) is the
    page's own, as the issuer's first line is when the overlay sits on the header's top.
    """
    if line.box is None:
        return False
    cx = line.box[0] + line.box[2] / 2
    cy = line.box[1] + line.box[3] / 2
    return box[0] - pad <= cx <= box[0] + box[2] + pad and box[1] - pad <= cy < box[1] + box[3]


def split_stamps(lines: list[TextLine]) -> tuple[list[TextLine], tuple[PageStamp, ...]]:
    """The lines without the signature stamps drawn into the pages, and what each stamp says.

    Lines that are not part of a stamp come back unchanged and in order; a line a stamp was merged into
    (``SỞ NGOẠI VỤ  Ký bởi: SỞ NGOẠI VỤ``) keeps its part before the stamp.
    """
    found: dict[int, tuple[int, StampLabel]] = {}
    for i, line in enumerate(lines):
        label = _find_label(line)
        if label is not None:
            found[i] = label
    if not any(lab.strong or lab.kind == "time" for _, lab in found.values()):
        return lines, ()
    pieces = dict(enumerate(lines))
    for i, (cut, _) in found.items():
        if cut:
            pieces[i] = _slice(lines[i], cut, len(lines[i].text))
    # anchored lines that lie together form one block; the blocks decide on their own
    blocks: list[list[int]] = []
    for i in sorted(found):
        block = next((b for b in blocks if any(_together(pieces, i, j) for j in b)), None)
        if block is None:
            blocks.append([i])
        else:
            block.append(i)
    stamps: list[PageStamp] = []
    taken: dict[int, int] = {}  # line index -> where its stamp part starts
    for block in blocks:
        stamp, members = _read_block(block, found, pieces, lines)
        if stamp is None:
            continue
        stamps.append(stamp)
        taken.update(members)
    if not stamps:
        return lines, ()
    out = []
    for i, line in enumerate(lines):
        if i not in taken:
            out.append(line)
        elif taken[i] > 0 and line.text[: taken[i]].strip():
            out.append(_slice(line, 0, taken[i]))
    for s in stamps:
        log.info("signature stamp on page %d kept out of the text: %s", s.page, " | ".join(s.lines))
    return out, tuple(stamps)


def _read_block(
    block: list[int],
    found: dict[int, tuple[int, StampLabel]],
    pieces: dict[int, TextLine],
    lines: list[TextLine],
) -> tuple[PageStamp | None, dict[int, int]]:
    """One block's stamp and the lines (with where their stamp part starts) it takes, or (None, {})."""
    labels = {i: found[i][1] for i in block}
    times = {
        i: _parse_time(pieces[i].text[labels[i].end - found[i][0] :])
        for i in block
        if labels[i].kind == "time"
    }
    strong = any(lab.strong for lab in labels.values()) or any(clock for _, clock in times.values())
    if not strong:
        return None, {}
    members = {i: found[i][0] for i in block}
    first, last = min(block), max(block)
    page = pieces[first].page
    boxes = [b for i in block if (b := pieces[i].box) is not None]
    if boxes:
        box = union(boxes)
        pad = 0.5 * min(b[3] for b in boxes)
        # whatever was read inside the stamp's frame (values that wrapped, its logo, noise) is the stamp's
        for j, line in enumerate(lines):
            if j not in members and line.page == page and _inside(line, box, pad) and not _printed(line):
                members[j] = 0
    else:
        # plain text: the lines between the labelled ones
        for j in range(first, last + 1):
            members.setdefault(j, 0)
    nxt = max(members) + 1
    if nxt < len(lines) and nxt not in members and _WRAPPED.search(lines[nxt].text.strip() or "x"):
        if _near(pieces[max(members)], lines[nxt]):
            members[nxt] = 0
    values: dict[str, list[str]] = {}
    kind = None
    for j in sorted(members, key=lambda k: (_top(pieces[k]), k)):
        text = pieces[j].text
        if j in labels:
            kind = labels[j].kind
            values.setdefault(kind, []).append(text[labels[j].end - found[j][0] :].strip(" :;"))
        elif kind is not None and values.get(kind):
            values[kind][-1] = f"{values[kind][-1]} {text}".strip()
    when = next((t for t, _ in times.values() if t), None)
    if when is None:
        # a stamp whose label was lost still shows its time
        when = next((t for j in members if (t := _parse_time(pieces[j].text)[0])), None)

    def first_of(k: str) -> str | None:
        return next((v for v in values.get(k, []) if v), None)

    member_boxes = [b for j in members if (b := pieces[j].box) is not None]

    stamp = PageStamp(
        page=page,
        signer=first_of("signer"),
        organization=first_of("org"),
        email=first_of("email"),
        signing_time=when,
        lines=tuple(pieces[j].text for j in sorted(members)),
        box=union(member_boxes) if member_boxes else None,
    )
    return stamp, members
