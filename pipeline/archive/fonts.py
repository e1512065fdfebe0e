"""The fonts of a copy: Type 0 (CID) fonts built per document from a TrueType font, embedded.

PDF/A needs every font embedded, widths that agree with the font program, and no text drawn with the
``.notdef`` glyph. Each distinct character of a document gets its own CID, in code point order, and the
font program is built from scratch with glyph *n* for CID *n* (``CIDToGIDMap /Identity``): the real
outlines for the visible stamp, empty glyphs for the invisible text layer. A character the font lacks
gets an empty glyph with the space's width but still maps to itself in the ToUnicode CMap, so copy,
search and extraction see exactly the OCR text. The text layer's glyphs all have one width
(:data:`GLYPHLESS_ADVANCE`, as OCRmyPDF's glyphless font): each word is stretched to its OCR box anyway,
and one ``/DW`` replaces a width per character.

The programs hold only the tables ISO 32000-1 (9.9) asks of a CID font's embedded TrueType program
(``head hhea maxp hmtx loca glyf``; ``cvt fpgm prep`` are for hinting, which they have none of): no
``cmap`` (a CID font is looked up by glyph id), no ``post`` (glyph names, never used), names or layout
tables.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pikepdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph

from sohoa.errors import ArchiveError

__all__ = ["GLYPHLESS_ADVANCE", "GLYPHLESS_NAME", "TextFont", "drawing_cids", "keep_outlines"]

#: advance of every glyph of the glyphless text font, 1/1000 em
GLYPHLESS_ADVANCE = 500
GLYPHLESS_NAME = "SOHOAT+SohoaText-Glyphless"
#: units per em of the outlines drawn (the stamp's): 1/128 em is 0.08 pt at the stamp's 10 pt, under a
#: pixel at 900 dpi (rendered at 600 dpi beside 1/256 em's, no difference shows), and coordinates fit
#: TrueType's one-byte deltas with low bits to spare: the outlines take 11 % fewer bytes than at 256
OUTLINE_UPEM = 128


@dataclass
class TextFont:
    """A per-document font: ``encode`` text, then ``embed`` the font once all text is known."""

    path: Path
    #: empty glyphs (the text layer is never painted): a few hundred bytes instead of kilobytes
    glyphless: bool = False
    #: with ``glyphless``, characters drawn all the same with their real outlines and widths: the
    #: signature stamp's, so the stamp needs no font of its own (see :func:`stamp_font`)
    outlined: frozenset[str] = frozenset()
    #: Unicode block (code point // 256) -> its page of 256 CIDs
    _pages: dict[int, int] = field(default_factory=dict)
    _cids: dict[str, int] = field(default_factory=dict)

    def add(self, text: Iterable[str]) -> None:
        """Give CIDs to the characters of ``text`` (in code point order, so pages follow the blocks)."""
        for ch in sorted(set("".join(text)) - self._cids.keys()):
            self.cid(ch)

    def cid(self, ch: str) -> int:
        """The CID of ``ch``: its Unicode block's page of 256 CIDs, at its code point's low byte.

        A page then maps to Unicode with one ``bfrange`` line, whatever characters of the block the
        document uses (the unused CIDs between them are never drawn). ASCII and Latin-1 are page 0
        (CID = code point), so the program has a page of glyphs fewer.
        """
        cid = self._cids.get(ch)
        if cid is None:
            cp = ord(ch)
            if cp == 0:  # CID 0 is .notdef, which PDF/A forbids drawing; OCR text never holds a NUL
                raise ArchiveError("text layer: a NUL character")
            page = 0 if cp <= 0xFF else self._pages.setdefault(cp >> 8, len(self._pages) + 1)
            if page > 255:
                raise ArchiveError("text layer: characters from more than 255 Unicode blocks")
            cid = self._cids[ch] = page << 8 | cp & 0xFF
        return cid

    def encode(self, text: str) -> bytes:
        """The 2-byte CID string of ``text``."""
        return b"".join(self.cid(ch).to_bytes(2, "big") for ch in text)

    def metrics(self) -> tuple[dict[str, float], float, float]:
        """Glyph widths (1/1000 em) of the source font's characters, its ascent and descent (1/1000 em)."""
        return _metrics(self.path)

    def advance(self, ch: str) -> int:
        """The width of ``ch`` in the embedded font, 1/1000 em (what its /W or /DW says)."""
        if self.glyphless and ch not in self.outlined:
            return GLYPHLESS_ADVANCE
        return _outline_advance(self.path, ch)

    def embed(self, pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
        """The Type 0 font dictionary (indirect) for the characters encoded so far."""
        used = tuple(sorted((cid, ch) for ch, cid in self._cids.items()))
        outlined = None if not self.glyphless else self.outlined & self._cids.keys()
        program = _program(self.path, used, frozenset(outlined) if outlined is not None else None)
        return _font_dict(pdf, program, used, _font_name(self.path, outlined is not None and not outlined))


@lru_cache(maxsize=4)
def _metrics(path: Path) -> tuple[dict[str, float], float, float]:
    font = TTFont(path, lazy=True)
    upem = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    space = cmap.get(32, ".notdef")
    widths = {chr(cp): hmtx[name][0] * 1000.0 / upem for cp, name in cmap.items()}
    widths[" "] = hmtx[space][0] * 1000.0 / upem
    hhea = font["hhea"]
    return widths, hhea.ascent * 1000.0 / upem, hhea.descent * 1000.0 / upem


@lru_cache(maxsize=2)
def _source(path: Path) -> TTFont:
    return TTFont(path)


@lru_cache(maxsize=512)
def _outline_advance(path: Path, ch: str) -> int:
    """The width of ``ch`` as the outlined program carries it, 1/1000 em (the space's when missing)."""
    source = _source(path)
    cmap, hmtx = source.getBestCmap(), source["hmtx"]
    name = cmap.get(ord(ch)) or cmap.get(32, ".notdef")
    units = round(hmtx[name][0] * OUTLINE_UPEM / source["head"].unitsPerEm)
    return round(units * 1000 / OUTLINE_UPEM)


@lru_cache(maxsize=64)
def _program(
    path: Path,
    used: tuple[tuple[int, str], ...],
    outlined: frozenset[str] | None,
    drawn: frozenset[str] | None = None,
) -> bytes:
    """A TrueType program whose glyph *n* is the character of CID *n* (empty where no CID is used).

    Characters in ``outlined`` (all when it is None) get their widths, and their outlines unless
    ``drawn`` names the only ones drawn; the others empty glyphs of the glyphless width.

    Built from scratch (milliseconds) rather than subset from the real font: glyph ids then equal
    CIDs, and nothing the PDF does not use is kept (the unused glyphs are empty, with zero metrics,
    and compress to almost nothing).
    """
    count = (used[-1][0] if used else 0) + 1
    names = [".notdef", *(f"c{i}" for i in range(1, count))]
    glyphs = {n: Glyph() for n in names}
    wide = [(cid, ch) for cid, ch in used if outlined is None or ch in outlined]
    if not wide and outlined is not None:
        _, ascent, descent = _metrics(path)
        upem = 1000
        advance = [GLYPHLESS_ADVANCE] * count
    else:
        source = _source(path)
        upem = OUTLINE_UPEM
        k = upem / source["head"].unitsPerEm
        cmap, hmtx, glyph_set = source.getBestCmap(), source["hmtx"], source.getGlyphSet()
        space = round(hmtx[cmap.get(32, ".notdef")][0] * k)
        # the text layer's glyphs and the unused ones alike: the glyphless width (one value repeated
        # compresses better than the used ones' pattern among zeros)
        advance = [GLYPHLESS_ADVANCE * upem // 1000] * count
        advance[0] = space
        for cid, ch in wide:
            src = cmap.get(ord(ch))
            if src is None:
                advance[cid] = space
                continue
            advance[cid] = round(hmtx[src][0] * k)
            if drawn is not None and ch not in drawn:
                continue
            # composites (most Vietnamese letters) are drawn out: a glyph must not refer to others
            recording = DecomposingRecordingPen(glyph_set)
            glyph_set[src].draw(recording)
            pen = TTGlyphPen(None)
            recording.replay(TransformPen(pen, (k, 0, 0, k, 0, 0)))
            glyphs[names[cid]] = pen.glyph()
        ascent, descent = source["hhea"].ascent * k, source["hhea"].descent * k
    fb = FontBuilder(upem, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (a, 0) for n, a in zip(names, advance, strict=True)})
    fb.setupHorizontalHeader(ascent=round(ascent), descent=round(descent))
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def _font_name(path: Path, glyphless: bool) -> str:
    if glyphless:
        return GLYPHLESS_NAME
    return "SOHOAT+" + str(_source(path)["name"].getDebugName(6) or path.stem).replace(" ", "")


def _font_dict(
    pdf: pikepdf.Pdf, program: bytes, used: tuple[tuple[int, str], ...], name: str
) -> pikepdf.Dictionary:
    font = TTFont(io.BytesIO(program))
    head, hhea, hmtx = font["head"], font["hhea"], font["hmtx"]
    k = 1000.0 / head.unitsPerEm
    order = font.getGlyphOrder()
    widths = {cid: round(hmtx[order[cid]][0] * k) for cid, _ in used}
    # the most common width is /DW; /W lists only the others (the stamp's characters in a text font)
    dw = Counter(widths.values()).most_common(1)[0][0] if widths else 1000
    runs: list[tuple[int, list[int]]] = []  # one [first [w ...]] per run of consecutive CIDs
    for cid in sorted(c for c, w in widths.items() if w != dw):
        if runs and cid == runs[-1][0] + len(runs[-1][1]):
            runs[-1][1].append(widths[cid])
        else:
            runs.append((cid, [widths[cid]]))
    w_array = [x for first, ws in runs for x in (first, ws)]
    base = pikepdf.Name("/" + name)
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=base,
            Flags=32,
            # a glyphless font has an empty box: give the line's extent instead (text selection)
            FontBBox=[
                round(head.xMin * k),
                round(min(head.yMin, hhea.descent) * k),
                round(max(head.xMax * k, 1000)),
                round(max(head.yMax, hhea.ascent) * k),
            ],
            ItalicAngle=0,
            Ascent=round(hhea.ascent * k),
            Descent=round(hhea.descent * k),
            CapHeight=round(hhea.ascent * k),
            StemV=80,
            FontFile2=pdf.make_stream(program),
        )
    )
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=base,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor,
        DW=dw,
        W=w_array,
        CIDToGIDMap=pikepdf.Name.Identity,  # the program's glyph n is CID n
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=base,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[pdf.make_indirect(cid_font)],
            ToUnicode=pdf.make_stream(_to_unicode(used)),
        )
    )


def _runs(used: tuple[tuple[int, str], ...]) -> list[tuple[int, int, int]]:
    """(first CID, last CID, first code point) of each page of BMP characters; others alone.

    A ``bfrange`` may only vary the last byte of its codes: a page (one Unicode block, each CID's low
    byte its code point's) is exactly such a range.
    """
    runs: list[tuple[int, int, int]] = []
    for cid, ch in used:
        cp = ord(ch)
        if runs and cp <= 0xFFFF:
            first, _, start = runs[-1]
            same_page = cid >> 8 == first >> 8 and start <= 0xFFFF and cp >> 8 == start >> 8
            if same_page and cid - first == cp - start:
                runs[-1] = (first, cid, start)
                continue
        runs.append((cid, cid, cp))
    return runs


def _to_unicode(used: tuple[tuple[int, str], ...]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    runs = _runs(used)
    singles = [(a, chr(cp)) for a, b, cp in runs if a == b]
    ranges = [(a, b, cp) for a, b, cp in runs if a != b]
    for i in range(0, len(singles), 100):
        chunk = singles[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for cid, ch in chunk]
        lines.append("endbfchar")
    for i in range(0, len(ranges), 100):
        block = ranges[i : i + 100]
        lines.append(f"{len(block)} beginbfrange")
        lines += [f"<{a:04X}> <{b:04X}> <{cp:04X}>" for a, b, cp in block]
        lines.append("endbfrange")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _cids_from_to_unicode(cmap: bytes) -> dict[str, int]:
    """Character -> CID of a ToUnicode CMap as :func:`_to_unicode` writes it (bfchar and bfrange)."""
    out: dict[str, int] = {}
    text = cmap.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for cid, utf16 in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[bytes.fromhex(utf16).decode("utf-16-be")] = int(cid, 16)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for first, last, start in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            for i in range(int(last, 16) - int(first, 16) + 1):
                out[chr(int(start, 16) + i)] = int(first, 16) + i
    return out


def drawing_cids(font: pikepdf.Object, path: Path, text: str) -> dict[str, int] | None:
    """The CIDs of ``text``'s characters in an embedded font of ours, if it draws them all for real.

    That is: each character is in its ToUnicode, has its outline from ``path`` (spaces: nothing to
    draw) and the width the outlined font gives it. None otherwise (another font, or a copy made for
    another agency name), and the caller embeds a font of its own.
    """
    try:
        descendant = font.DescendantFonts[0]
        program = TTFont(io.BytesIO(descendant.FontDescriptor.FontFile2.read_bytes()))
        cids = _cids_from_to_unicode(font.ToUnicode.read_bytes())
    except (AttributeError, KeyError, IndexError, TypeError, ValueError, pikepdf.PdfError):
        return None
    order, glyf = program.getGlyphOrder(), program["glyf"]
    widths = _w_array_widths(descendant)
    dw = int(descendant.get("/DW", 1000))
    out: dict[str, int] = {}
    for ch in set(text):
        cid = cids.get(ch)
        if cid is None or cid >= len(order):
            return None
        if widths.get(cid, dw) != _outline_advance(path, ch):
            return None
        if not ch.isspace() and glyf[order[cid]].numberOfContours == 0:
            return None
        out[ch] = cid
    return out


def keep_outlines(font: pikepdf.Object, path: Path, text: str) -> None:
    """Leave in one of our text fonts only the outlines ``text`` draws; every width stays as it is.

    The copy's font has the outlines of every character a stamp could show (all digits among them);
    the stamp made, those it does not show are never drawn (the text layer is invisible).
    """
    descendant = font.DescendantFonts[0]
    cids = _cids_from_to_unicode(font.ToUnicode.read_bytes())
    used = tuple(sorted((cid, ch) for ch, cid in cids.items()))
    widths, dw = _w_array_widths(descendant), int(descendant.get("/DW", 1000))
    # real widths where /W lists one (a real width that is the glyphless one is the same either way)
    wide = frozenset(ch for cid, ch in used if widths.get(cid, dw) != GLYPHLESS_ADVANCE) | set(text)
    descendant.FontDescriptor.FontFile2.write(_program(path, used, wide, frozenset(text)))


def _w_array_widths(cid_font: pikepdf.Object) -> dict[int, int]:
    """CID -> width of a CIDFont's /W array (the ``first [w ...]`` form this module writes)."""
    out: dict[int, int] = {}
    w = list(cid_font.get("/W", []))
    i = 0
    while i + 1 < len(w):
        first, item = int(w[i]), w[i + 1]
        if isinstance(item, pikepdf.Array):
            out.update({first + j: int(v) for j, v in enumerate(item)})
            i += 2
        else:  # first last width
            out.update({c: int(w[i + 2]) for c in range(first, int(item) + 1)})
            i += 3
    return out
