"""Fields of the closing area: ``Nơi nhận`` list (left) and the signer block (right).

Signer block (Decree 30): optional authority line (``KT. GIÁM ĐỐC``, ``TM. ỦY BAN NHÂN DÂN``,
``TL.``, ``Q.``, ``TUQ.``, sometimes two of them), the signer's own title in capitals, then the
name in title case below the signature.
"""

from __future__ import annotations

import os
import re

from pipeline.metadata.anchors import AUTHORITY
from pipeline.metadata.body import _split_items
from pipeline.metadata.casing import repair_upper, sentence_case_position
from pipeline.metadata.evidence import Hit, hit, hits_join
from pipeline.metadata.layout import CLOSING_LEFT, CLOSING_RIGHT, TextLine, join_lines, join_rows, union
from pipeline.metadata.names import letters_only, plausible_name, syllable_ok
from pipeline.metadata.normalize import clean_spaces, fold

__all__ = [
    "find_recipients_list",
    "find_signer",
    "name_in_text",
    "name_off_axis",
    "signer_without_family_name",
]

_NOI_NHAN = re.compile(r"^\W{0,3}n[o0]i\s*nh[a4]n\s*[:;.]?\s*")
_AUTH = AUTHORITY
# what is left of an authority word the seal or the scan garbled (``đẸT,``, ``M.``) before its body or title
_GARBLED_AUTH = re.compile(r"^\W{0,2}\S{1,3}\s*[.,:;]+\s*(.+)$")
#: the collective bodies that ``TM.`` (on behalf of) signs for
_COLLECTIVE = re.compile(r"^(uy ban|hoi dong|chinh phu|thuong truc|ban thuong vu)\b")
# A signer's own title starts with a position word; anything else is seal or signature debris.
_POSITION = re.compile(
    r"^(pho\s+)?(tong\s+)?(giam doc|chu tich|bo truong|thu truong|cuc truong|vu truong|vien truong|"
    r"chanh van phong|"
    r"chanh thanh tra|chanh an|truong (phong|ban|khoa|doan)|dai su|lanh su|hieu truong|thu ky|chu nhiem|"
    r"truong|thu tuong|giam doc)\b"
)
_AUTHORITY = re.compile(
    r"^(uy ban|hoi dong|ban|bo|so|cuc|vu|van phong|thuong truc|doan|chinh phu)\b|" + _POSITION.pattern[1:]
)
#: the usual signers' titles (Decree 30/2020 forms), for a title line OCR garbled past :data:`_POSITION`
_TITLES = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "BỘ TRƯỞNG",
    "THỨ TRƯỞNG", "VỤ TRƯỞNG", "PHÓ VỤ TRƯỞNG", "VIỆN TRƯỞNG", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG",
    "CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "TRƯỞNG BAN",
    "PHÓ TRƯỞNG BAN", "THỦ TƯỚNG", "PHÓ THỦ TƯỚNG", "TỔNG GIÁM ĐỐC", "TỔNG CỤC TRƯỞNG", "HIỆU TRƯỞNG",
    "CHÁNH ÁN", "ĐẠI SỨ", "TỔNG LÃNH SỰ",
)  # fmt: skip
_TITLE_KEYS = tuple(fold(t) for t in _TITLES)
#: the one head whose deputy is not ``Phó`` + the head's title (folded head, the deputy's title)
_MINISTER, _MINISTERS_DEPUTY = "bo truong", "Thứ trưởng"
#: a garbled title is taken for a usual one from this similarity (0-100), this far ahead of the next
_TITLE_MIN, _TITLE_MARGIN = 82.0, 5.0
_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][a-zđà-ỹ]+$")


def _closing(lines: list[TextLine]) -> tuple[list[TextLine], list[TextLine]]:
    """The left and right closing columns of the last page that has them."""
    pages = sorted({ln.page for ln in lines}, reverse=True)
    for p in pages:
        left = [ln for ln in lines if ln.page == p and ln.zone == CLOSING_LEFT]
        right = [ln for ln in lines if ln.page == p and ln.zone == CLOSING_RIGHT]
        if left or right:
            return left, right
    return [], []


def find_recipients_list(lines: list[TextLine]) -> Hit | None:
    """``Nơi nhận:`` items without dashes and final punctuation (``Như trên``, ``Lưu: VT, LS``)."""
    left, _ = _closing(lines)
    start = next((i for i, ln in enumerate(left) if _NOI_NHAN.match(ln.folded)), None)
    if start is None:
        return None
    chunks: list[str] = []
    parts = []
    first = left[start]
    rest = first.text[_NOI_NHAN.match(first.folded).end() :].strip()  # type: ignore[union-attr]
    if rest.startswith(("-", "–")):
        chunks.append(rest)
    for ln in left[start + 1 :]:
        t = ln.text.strip()
        # OCR drops a leading dash now and then; an item after a finished one is still an item.
        if chunks and not t.startswith(("-", "–", "+", "•")) and re.search(r"[;.]\s*\W{0,2}$", chunks[-1]):
            t = "- " + t
        chunks.append(_strip_junk(t))
        parts.append((ln, 0, len(ln.text)))
        if re.match(r"^[-–+•]?\s*l[uư]u\b", fold(t)) and re.search(r"\.\s*$", chunks[-1]):
            break  # "Lưu: VT, ..." closes the list
    items = _split_items(chunks)
    if not items or not parts:
        return None
    return hits_join(items, parts, 0.9)


def _strip_junk(text: str) -> str:
    """Drop OCR debris after an item's final punctuation (seal and signature fragments)."""
    m = re.match(r"^(.*?[;.])\s*[^\w(]{0,4}$", text)
    text = m.group(1) if m else text
    # A seal or rule fragment glued after the item's punctuation: "Như trên;_", "Như trên, _".
    text = re.sub(r"([;.,])\s*[_~`'\"|\\/]{1,4}$", r"\1", text)
    # Decree 30: the filing line is "Lưu: VT, ..." (VT = văn thư); OCR reads that T as I or Ị.
    return re.sub(r"^([-–+•]?\s*L[ưu]u\s*:\s*)V[IỊĨ](?=\s*[,.]|$)", r"\1VT", text)


# Seal and signature debris OCRs with very low word confidence; a printed name does not.
_MIN_WORD_CONF = 0.1
_MIN_LINE_CONF = 0.6


def _signer_name(line: TextLine) -> tuple[str, int, int, float] | None:
    """The plausible personal name on a signer-column line: value, span in ``line.text``, rule score.

    Punctuation-only tokens at either end (seal ring, signature strokes) are dropped; a line whose
    remaining words were read with very low confidence is debris, whatever it spells.
    """
    tokens = list(re.finditer(r"\S+", line.text))
    while tokens and not re.search(r"\w", tokens[0].group()):
        tokens.pop(0)
    while tokens and not re.search(r"\w", tokens[-1].group()):
        tokens.pop()
    if not tokens:
        return None
    start, end = tokens[0].start(), tokens[-1].end()
    # Keep the letters of each token ("Lê-Anh" is two words to OCR that read a space as a hyphen).
    text = " ".join(" ".join(letters_only(t.group())) for t in tokens)
    crossed = False
    if line.words:
        confs = [w.conf for w in line.words if w.end > start and w.start < end]
        if confs and _debris(confs):
            # a signature's stroke ending across the name's first word: the words after it, read surely,
            # still make the name (its family name repaired from their letters, or none)
            if len(confs) < 3 or _debris(confs[1:]):
                return None
            crossed = True
    # no syllable of a name is one small letter: one between two words is a speck (``rần n Ngọc Căng``)
    text = re.sub(r"(?<=\S) [a-zđà-ỹ](?= \S)", "", text)
    name = plausible_name(text)
    if name is None and re.match(r"\w ", text):
        # no family name is one letter: a lone letter in front is a speck of the seal or signature
        # glued to the name ("T>.Bùi Hoài Nam")
        name = plausible_name(text[2:])
        text = text[2:] if name is not None else text
    if name is None:
        return None
    return name, start, end, 0.7 if crossed else 0.9 if name == text else 0.8


def _debris(confs: list[float]) -> bool:
    """Whether words read at these confidences (0-1) are seal or signature debris rather than print."""
    return min(confs) < _MIN_WORD_CONF or sum(confs) / len(confs) < _MIN_LINE_CONF


def _row(right: list[TextLine], i: int) -> TextLine:
    """Line ``i`` joined, left to right, with the other pieces of the signer column on its row."""
    line = right[i]
    if line.box is None:
        return line
    y0, h = line.box[1], line.box[3]

    def same_row(other: TextLine) -> bool:
        if other.box is None or other.page != line.page:
            return False
        overlap = min(y0 + h, other.box[1] + other.box[3]) - max(y0, other.box[1])
        return overlap >= 0.5 * min(h, other.box[3])

    pieces = sorted(
        (ln for ln in right if ln is line or same_row(ln)), key=lambda ln: ln.box[0] if ln.box else 0
    )
    out = pieces[0]
    for piece in pieces[1:]:
        out = join_lines(out, piece)
    return out


def signer_without_family_name(lines: list[TextLine]) -> TextLine | None:
    """The signer column's name line when it lacks its family name (``Hữu Thành`` under a seal), else None.

    The lowest line of the column that is shaped like a name (two to four capitalised Vietnamese
    syllables) but is no plausible full name: its first word is no family name. Such a line is not taken
    as the signer (a guessed family name is worse than none); the document goes to review instead.
    """
    _, right = _closing(lines)
    for line in reversed(right):
        words = [w for t in line.text.split() for w in letters_only(t)]
        if len(words) > 2 and len(words[0]) == 1:
            words = words[1:]  # a lone letter in front is a speck (see _signer_name)
        if not 2 <= len(words) <= 4 or _is_caps(line.text):
            continue
        if line.words and (line.conf or 0.0) < _MIN_LINE_CONF:
            continue
        if all(w[:1].isupper() and w[1:].islower() and syllable_ok(w) for w in words):
            return line if plausible_name(" ".join(words)) is None else None
    return None


#: a name centred this many line heights or more off its block's axis lost a word at one end: a family
#: name and its space are two to four heights of print, so the line moved by at least one
_OFF_AXIS = 0.75


def name_off_axis(name: Hit, lines: list[TextLine]) -> bool:
    """Whether the signer's name lies off the axis of the authority and title lines above it.

    Decree 30 (Appendix I) centres the signer block: authority, title and name share one axis. A name
    read off that axis by more than :data:`_OFF_AXIS` of a line's height lost a word at one end (``Hoàng
    Tuấn`` of ``Trần Hoàng Tuấn``, the family name under the signature). The axis is the widest capitals
    line's: the one that lost nothing, when another did (``CHỦ TỊCH`` of ``PHÓ CHỦ TỊCH``).
    """
    line, start, end = name.parts[0]
    # the name's own words: the span may hold debris the signature left before it (``3X Hoàng Tuấn``)
    words = set(str(name.value).split())
    own = [
        s.box for s in line.words if start < s.end and s.start < end and line.text[s.start : s.end] in words
    ]
    box = union(own) if own else line.evidence(start, end)[0]
    if box is None:
        return False
    _, right = _closing(lines)
    above = [
        ln.box
        for ln in right
        if ln.page == line.page
        and ln.box is not None
        and ln.box[1] + ln.box[3] <= box[1] + box[3] / 2
        and _is_caps(ln.text)
        and not _is_name(ln.text)
        and len(ln.text.strip()) >= 4
    ]
    if not above:
        return False
    # measured in the lowest of those lines' heights: a box grows with the signature's strokes, the
    # name's and a title's too
    x, _y, w, _h = max(above, key=lambda b: b[2])
    return abs(box[0] + box[2] / 2 - (x + w / 2)) >= _OFF_AXIS * min(b[3] for b in above)


def name_in_text(partial: str, lines: list[TextLine], signer: TextLine) -> str | None:
    """The one full name in the document's other lines that ends with ``partial`` (two words or more).

    A signer is often named in the text (``Kết luận của Chủ tịch UBND tỉnh Nguyễn Hoàng Giang``): the
    document's own text gives the family name the seal hid. One given name alone is too common to tell.
    """
    tail = [w for t in partial.split() for w in letters_only(t)]
    if len(tail) < 2:
        return None
    pattern = re.compile(
        r"(?<!\w)((?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]+\s+){1,3})" + r"\s+".join(re.escape(w) for w in tail) + r"(?!\w)"
    )
    found = set()
    for line in lines:
        if line is signer:
            continue
        for m in pattern.finditer(line.text):
            head = m.group(1).split()
            # the longest tail of the capitalised words before that is a plausible full name
            for k in range(len(head)):
                name = plausible_name(" ".join([*head[k:], *tail]))
                if name is not None:
                    found.add(name)
                    break
    return next(iter(found)) if len(found) == 1 else None


def _caps_name(line: TextLine) -> str | None:
    """The name on the column's last line when it is typed in capitals (``NGUYỄN VĂN AN``), else None.

    Decree 30 sets the name in bold lower case, but older and some local documents type it in capitals.
    Only the last line counts, and never an authority or position line: those are capitals too.
    """
    text = clean_spaces(line.text).strip(" .,;:-")
    if not _is_caps(text) or _AUTH.match(text) or _POSITION.match(fold(text)):
        return None
    if line.words and (line.conf or 0.0) < _MIN_LINE_CONF:
        return None
    return plausible_name(" ".join(w.capitalize() for w in text.split()))


def _is_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 6 and all(_NAME_WORD.match(w) for w in words)


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _letters(text: str) -> str:
    """A line's letters alone, folded: no marks, spaces, digits or signs (``CHỦ TỊCH`` → ``chutich``)."""
    return re.sub(r"[^a-z]", "", fold(text))


def _kind(authority: re.Match[str]) -> str:
    """``KT``, ``TM``, ``TL``, ``TUQ`` or ``Q`` of an authority line, its dots dropped."""
    return authority.group(1).replace(".", "")


def _snapped_title(line: TextLine) -> str | None:
    """The usual title a garbled title line is close to (``GHỨ TỊCH``, ``⁄ZCUG "TRƯỞNG``), else None."""
    from rapidfuzz import fuzz, process

    def snap(key: str) -> str | None:
        best = process.extract(key, _TITLE_KEYS, scorer=fuzz.ratio, limit=2) if len(key) >= 6 else []
        second = best[1][1] if len(best) > 1 else 0.0
        if best and best[0][1] >= _TITLE_MIN and best[0][1] - second >= _TITLE_MARGIN:
            return _TITLES[best[0][2]]
        return None

    words = fold(re.sub(r"[^\w\s]", " ", line.text)).split()
    title = snap(" ".join(words))
    if title is not None and not title.startswith("PHÓ") and len(words) > 1 and len(words[0]) <= 3:
        # a short word before a head's title is what is left of KT./TM./TL. (``N[. CHỦ TỊCH``): the
        # authority line, whose title is the head's, not the signer's (``HÓ CHỦ TỊCH`` is a deputy's)
        return None if snap(" ".join(words[1:])) is not None else title
    return title


def _deputy_of(title: str, authority: re.Match[str]) -> str | None:
    """The deputy's title when ``title`` is the very head that ``KT.`` signs for, else None.

    Decree 30/2020 (art. 13): ``KT.`` (ký thay) is a deputy signing for the head, so under
    ``KT. GIÁM ĐỐC`` a title read as ``GIÁM ĐỐC`` lost its ``PHÓ`` (to the seal, or a stroke). A
    minister's deputy is a ``Thứ trưởng``; every other head's is ``Phó`` + the head's title.
    """
    head = fold(clean_spaces(authority.group(2))).strip(" .-")
    if _kind(authority) != "KT" or fold(title).strip(" .-") != head:
        return None
    return _MINISTERS_DEPUTY if head == _MINISTER else sentence_case_position(f"PHÓ {title.upper()}")


def _close(garbled: str, title: str) -> bool:
    """Whether a garbled title (folded) is the usual ``title``, compared on its letters alone."""
    from rapidfuzz import fuzz

    return fuzz.ratio(garbled.replace(" ", ""), title.replace(" ", "")) >= _TITLE_MIN


def _implied_authority(block: list[TextLine], i: int) -> re.Match[str] | None:
    """The authority line ``block[i]`` is when OCR garbled or lost its ``KT.``/``TM.``, else None.

    Decree 30 (art. 13) fixes the forms: a head's title right above the same title with ``PHÓ`` is
    ``KT.`` (``CỤC TRƯỞNG`` over ``PHÓ CỤC TRƯỞNG``), and a garbled word before a collective body is
    ``TM.`` (``M. ỦY BAN NHÂN DÂN``).
    """
    text = block[i].text.strip()
    garbled = _GARBLED_AUTH.match(text)
    rest = garbled.group(1) if garbled else text
    key = fold(clean_spaces(rest)).strip(" .-")
    # the next line with words: a speck of the seal between the two is no line
    nxt = next((ln.text for ln in block[i + 1 :] if len(re.findall(r"[^\W\d_]", ln.text)) >= 3), "")
    below = fold(clean_spaces(nxt)).strip(" .-")
    if key and below == f"pho {key}" and key in _TITLE_KEYS:
        return _AUTH.match(f"KT. {rest}")
    head = below.removeprefix("pho ")
    if garbled and head != below and head in _TITLE_KEYS and _close(key, head):
        # ``KỸ. CUÈTRƯỞNG`` over ``PHÓ CỤC TRƯỞNG``: the KT. line, garbled; its head is the title's
        return _AUTH.match(f"KT. {_TITLES[_TITLE_KEYS.index(head)]}")
    if garbled and _COLLECTIVE.match(key) and _is_caps(rest):
        return _AUTH.match(f"TM. {rest}")
    return None


def find_signer(lines: list[TextLine], issuer: str | None = None) -> dict[str, Hit]:
    """``nguoi_ky``, ``chuc_vu_ky`` and ``hinh_thuc_ky`` from the signer block.

    ``issuer``: the issuing body, whose head's title (``CỤC …`` → Cục trưởng) is the title of a signer
    who signs with no authority line, when that title line is too garbled to read on its own.
    """
    _, right = _closing(lines)
    if not right:
        # No "Nơi nhận": the signer is the last name-like line of the last page.
        last = max((ln.page for ln in lines), default=1)
        tail = [ln for ln in lines if ln.page == last][-8:]
        right = [ln for ln in tail if _is_caps(ln.text) or _is_name(ln.text.strip())]
    found: dict[str, Hit] = {}
    name_idx = None
    # The name is the last plausible name line of the column, below the authority / position lines.
    first = next((i for i, ln in enumerate(right) if _is_caps(ln.text) and not _is_name(ln.text)), 0)
    for i in range(len(right) - 1, first - 1, -1):
        # a name the seal cut in two comes back as two pieces of one row ("Vũ" | "Đình Đức Yến")
        for line in (_row(right, i), right[i]):
            name = _signer_name(line)
            if name is not None:
                name_idx = i
                value, start, end, score = name
                found["nguoi_ky"] = hit(value, line, start, end, score)
                break
        if name_idx is not None:
            break
    if name_idx is None and len(right) > 1 and (caps := _caps_name(right[-1])) is not None:
        name_idx = len(right) - 1
        found["nguoi_ky"] = hit(caps, right[-1], 0, len(right[-1].text), 0.75)
    block = right[: name_idx if name_idx is not None else len(right)]
    read = {i: m for i, ln in enumerate(block) if (m := _AUTH.match(ln.text.strip()))}
    implied = {i: m for i in range(len(block)) if i not in read and (m := _implied_authority(block, i))}
    auth = sorted({**read, **implied}.items())
    auth = [(i, m) for i, m in auth if _AUTHORITY.match(fold(clean_spaces(m.group(2))))]
    if auth:
        # two authority lines ("TM. ỦY BAN NHÂN DÂN" over "KT. CHỦ TỊCH") are one form, joined by a space
        values = [f"{_kind(m)}. {repair_upper(clean_spaces(m.group(2))).rstrip(' .')}" for _, m in auth[:2]]
        found["hinh_thuc_ky"] = hits_join(
            " ".join(values),
            [(block[i], 0, len(block[i].text)) for i, _ in auth[:2]],
            0.7 if any(i in implied for i, _ in auth[:2]) else 0.92,
        )
    after = auth[-1][0] + 1 if auth else 0
    title_lines: list[TextLine] = []
    # the pieces a seal cut a row into joined (``°BỘ`` | ``TRƯỜNG`` is no ``Trường``), then, when that
    # gives no title (a speck joined to it), the lines as read
    snapped: tuple[TextLine, str] | None = None
    for lines_ in (join_rows(block[after:]), block[after:]):
        capitals = [ln for ln in lines_ if _is_caps(ln.text) and not _AUTH.match(ln.text.strip())]
        title_lines = [ln for ln in capitals if _POSITION.match(fold(clean_spaces(ln.text)).strip(" .-"))]
        if title_lines:
            break
        # a title line OCR garbled (under the seal, on a damaged scan) that is close to a usual title,
        # the lowest such line: the title stands right above the signature
        snapped = next(((ln, t) for ln in reversed(capitals) if (t := _snapped_title(ln)) is not None), None)
        if snapped is not None:
            break
    # the same printed title read twice (the page pass and a block read under the seal) is one title
    title_lines = [
        ln
        for k, ln in enumerate(title_lines)
        if k == 0 or _letters(ln.text) != _letters(title_lines[k - 1].text)
    ]
    if title_lines:
        raw = clean_spaces(" ".join(re.sub(r"[^\w\s,.-]", " ", ln.text) for ln in title_lines)).strip(" .-")
        title = sentence_case_position(repair_upper(raw))
        deputy = _deputy_of(title, auth[-1][1]) if auth else None
        found["chuc_vu_ky"] = hits_join(
            deputy or title, [(ln, 0, len(ln.text)) for ln in title_lines], 0.7 if deputy else 0.88
        )
    elif snapped is not None:
        title = sentence_case_position(snapped[1])
        deputy = _deputy_of(title, auth[-1][1]) if auth else None
        found["chuc_vu_ky"] = hits_join(deputy or title, [(snapped[0], 0, len(snapped[0].text))], 0.6)
    elif auth and capitals and (by_form := _title_by_authority(auth[-1][1])) is not None:
        # a title line is there but unreadable: the form of the authority line says whose it is
        found["chuc_vu_ky"] = hits_join(by_form, [(ln, 0, len(ln.text)) for ln in capitals], 0.5)
    elif auth and (ending := _tail_title(capitals)) is not None:
        # the authority line is read, the title lost its first word to the seal (``VĂN PHÒNG`` under
        # ``TL. CHỦ TỊCH``): the one usual title that ends so
        deputy = _deputy_of(ending[1], auth[-1][1])
        found["chuc_vu_ky"] = hits_join(
            deputy or sentence_case_position(ending[1]), [(ending[0], 0, len(ending[0].text))], 0.5
        )
    elif not auth and issuer and (head := _head_title(issuer)) is not None:
        # no authority line: the head of the issuing body signs (Decree 30, art. 13); a garbled title
        # line that ends as that head's title does (``ƯỞNG``, ``XZ£UG TRƯỞNG`` under a Cục) is it;
        # two such lines are a KT. line and a deputy's title that both lost their heads: whose is unsure
        alike = [ln for ln in capitals if _ends_like(ln.text, head)]
        if len(alike) == 1:
            found["chuc_vu_ky"] = hits_join(
                sentence_case_position(head), [(alike[0], 0, len(alike[0].text))], 0.5
            )
    _deputy_below(found, block, auth)
    _lost_kt(found, block, auth)
    return found


#: how far below the head's title line (in its heights, middle to middle) the deputy's title line stands
_NEXT_LINE = (0.6, 2.2)


def _deputy_below(
    found: dict[str, Hit], block: list[TextLine], auth: list[tuple[int, re.Match[str]]]
) -> None:
    """The deputy's title when a piece of it stands under a head's title read under ``TM.``.

    Under ``TM. ỦY BAN NHÂN DÂN`` the head signs as ``CHỦ TỊCH``, or a deputy as ``KT. CHỦ TỊCH`` over
    ``PHÓ CHỦ TỊCH`` (Decree 30, art. 13). A title line read as the head's with, on the next line, a
    piece of the same title (``TỊC``, ``HỦ TỊC``: the seal took the rest) is that second form: the first
    line lost its ``KT.``, the second is the deputy's title. Scored 0.5: read from pieces; the ``KT.``
    line is then added by :func:`_lost_kt`.
    """
    title = found.get("chuc_vu_ky")
    if title is None or len(auth) != 1 or _kind(auth[0][1]) != "TM":
        return
    key = fold(title.value)
    if key not in _TITLE_KEYS or key.startswith("pho ") or key == _MINISTER:
        return
    last = title.parts[-1][0]
    if last.box is None:
        return
    middle, height = last.box[1] + last.box[3] / 2, last.box[3]
    deputy = _letters(f"pho {key}")
    skip = {i for i, _ in auth}
    for k, ln in enumerate(block):
        if k in skip or ln.box is None or not _is_caps(ln.text) or any(ln is t for t, _, _ in title.parts):
            continue
        below = (ln.box[1] + ln.box[3] / 2 - middle) / height
        letters = _letters(ln.text)
        piece = len(letters) >= 3 and (letters in deputy or _ends_like(ln.text, key))
        if _NEXT_LINE[0] <= below <= _NEXT_LINE[1] and piece:
            deputy_title = sentence_case_position(f"PHÓ {_TITLES[_TITLE_KEYS.index(key)]}")
            found["chuc_vu_ky"] = hits_join(deputy_title, [(ln, 0, len(ln.text))], 0.5)
            return


def _lost_kt(found: dict[str, Hit], block: list[TextLine], auth: list[tuple[int, re.Match[str]]]) -> None:
    """Add the ``KT.`` line a deputy's title implies when the seal left only a piece of it.

    A deputy signs ``KT.`` for the head (Decree 30, art. 13): over ``PHÓ GIÁM ĐỐC`` stands ``KT. GIÁM
    ĐỐC``, under a ``TM.`` line too. Only with something of that line read above the title (``ĐỐC``):
    a block with nothing there may be a deputy signing in his own name.
    """
    title = found.get("chuc_vu_ky")
    if title is None or any(_kind(m) == "KT" for _, m in auth) or len(auth) > 1:
        return
    key = fold(title.value)
    head = _MINISTER if key == fold(_MINISTERS_DEPUTY) else key.removeprefix("pho ")
    if head == key or head not in _TITLE_KEYS:
        return
    boxes = [line.box for line, _, _ in title.parts if line.box is not None]
    if not boxes:
        return
    middle = min(b[1] + b[3] / 2 for b in boxes)
    below = max((b[1] + b[3] / 2 for i, _ in auth if (b := block[i].box) is not None), default=-1.0)
    authority = {i for i, _ in auth}
    title_lines = [line for line, _, _ in title.parts]
    pieces = [
        ln for k, ln in enumerate(block)
        if k not in authority and all(ln is not t for t in title_lines) and ln.box is not None
        and _is_caps(ln.text) and below < ln.box[1] + ln.box[3] / 2 < middle
    ]  # fmt: skip
    if not pieces:
        return
    kt = f"KT. {_TITLES[_TITLE_KEYS.index(head)]}"
    form = f"{found['hinh_thuc_ky'].value} {kt}" if "hinh_thuc_ky" in found else kt
    found["hinh_thuc_ky"] = hits_join(form, [(ln, 0, len(ln.text)) for ln in pieces], 0.6)


#: the issuing body's kind (its name's head, folded) → the title of its head (Decree 30/2020, art. 13;
#: the Law on Government Organisation and the Law on Local Government name these heads)
_HEADS = (
    ("uy ban nhan dan", "CHỦ TỊCH"), ("ubnd", "CHỦ TỊCH"), ("hoi dong nhan dan", "CHỦ TỊCH"),
    ("chinh phu", "THỦ TƯỚNG"), ("tong cuc", "TỔNG CỤC TRƯỞNG"), ("cuc", "CỤC TRƯỞNG"), ("bo", "BỘ TRƯỞNG"),
    ("vu", "VỤ TRƯỞNG"), ("so", "GIÁM ĐỐC"), ("van phong", "CHÁNH VĂN PHÒNG"),
    ("thanh tra", "CHÁNH THANH TRA"), ("ban", "TRƯỞNG BAN"),
)  # fmt: skip
#: a garbled line is a title when it ends with at least this many of the title's letters
_TITLE_TAIL = 4


def _head_title(issuer: str) -> str | None:
    """The title of the issuing body's head (``SỞ NGOẠI VỤ`` → ``GIÁM ĐỐC``), or None for another kind."""
    key = fold(issuer)
    return next((title for kind, title in _HEADS if key == kind or key.startswith(kind + " ")), None)


def _common_tail(text: str, title: str) -> int:
    """How many of ``title``'s last letters a garbled line's letters end with."""
    return len(os.path.commonprefix([_letters(text)[::-1], _letters(title)[::-1]]))


def _ends_like(text: str, title: str) -> bool:
    """Whether a garbled line's letters end as ``title``'s do, on :data:`_TITLE_TAIL` letters or more."""
    return _common_tail(text, title) >= _TITLE_TAIL


#: a title line that lost its first word keeps at least this many of the usual title's last letters
_TAIL_MIN = 6


def _tail_title(capitals: list[TextLine]) -> tuple[TextLine, str] | None:
    """The lowest capitals line that ends as one usual title does, on :data:`_TAIL_MIN` letters or more.

    ``VĂN PHÒNG`` and ``2zz-SRÁNH VĂN PHÒNG`` end as ``CHÁNH VĂN PHÒNG``; a deputy's title ends as its
    head's, so a line that keeps no more than the head's letters is the head's (``_deputy_of`` makes it
    the deputy's under ``KT.``). A tail two heads share (``ƯỞNG``) gives none, and so does what is left
    of an authority line.
    """
    for line in reversed(capitals):
        if _GARBLED_AUTH.match(line.text.strip()):
            continue  # what is left of an authority line (``N[. CHỦ TỊCH``) holds the head's title
        tails = {t: _common_tail(line.text, t) for t in _TITLES}
        best = max(tails.values())
        if best < _TAIL_MIN:
            continue
        matched = {t for t, n in tails.items() if n == best}
        heads = {t.removeprefix("PHÓ ") for t in matched}
        if len(matched) == 1:
            return line, matched.pop()
        return (line, heads.pop()) if len(heads) == 1 and heads <= matched else None
    return None


def _title_by_authority(authority: re.Match[str]) -> str | None:
    """The signer's title that a ``KT.`` line implies (Decree 30, art. 13), else None.

    ``KT. GIÁM ĐỐC``: a deputy signs for the head (``Phó Giám đốc``; a minister's is a ``Thứ trưởng``).
    ``TM. ỦY BAN NHÂN DÂN`` implies nothing: its ``KT. CHỦ TỊCH`` line may be the one the seal took.
    """
    head = fold(clean_spaces(authority.group(2))).strip(" .-")
    if _kind(authority) == "KT" and head in _TITLE_KEYS and not head.startswith("pho "):
        return _deputy_of(_TITLES[_TITLE_KEYS.index(head)], authority)
    return None
