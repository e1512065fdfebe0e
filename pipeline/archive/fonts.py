"""The font of the invisible text layer: a subset of a TrueType font embedded as a Type 0 (CID) font.

PDF/A needs every font embedded, widths that agree with the font program, and no text drawn with the
``.notdef`` glyph. Each distinct character of a document gets its own CID; a character the font lacks is
drawn with the space glyph but still maps to itself in the ToUnicode CMap, so copy, search and
extraction see exactly the OCR text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph

__all__ = ["TextFont"]


@dataclass
class TextFont:
    """A per-document font: ``encode`` text, then ``embed`` into the PDF once all text is known."""

    path: Path
    #: drop the outlines (the text layer is never painted): a few hundred bytes instead of kilobytes
    glyphless: bool = False
    _cids: dict[str, int] = field(default_factory=dict)

    def encode(self, text: str) -> bytes:
        """The 2-byte CID string of ``text`` (CIDs assigned on first sight)."""
        out = bytearray()
        for ch in text:
            cid = self._cids.setdefault(ch, len(self._cids) + 1)
            out += cid.to_bytes(2, "big")
        return bytes(out)

    def advance(self, text: str, widths: dict[str, float]) -> float:
        """Advance of ``text`` in text-space units per 1 pt of font size."""
        return sum(widths.get(ch, 500.0) for ch in text) / 1000.0

    def metrics(self) -> tuple[dict[str, float], float, float]:
        """Glyph widths (1/1000 em) of the font's characters, its ascent and descent (1/1000 em)."""
        return _metrics(self.path)

    def embed(self, pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
        """The Type 0 font dictionary (indirect) for the characters encoded so far."""
        chars = sorted(self._cids, key=self._cids.__getitem__)
        if self.glyphless:
            program = _glyphless(self.path, tuple(sorted(set(chars))))
        else:
            program = _subset(self.path, frozenset(ord(c) for c in chars), False)
        return _font_dict(pdf, program, chars)


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


def _glyphless(path: Path, chars: tuple[str, ...]) -> bytes:
    """A font of empty glyphs, one per character, with ``path``'s advance widths (1000 units per em).

    Built from scratch (milliseconds) instead of subsetting the real font (a tenth of a second per
    document): the invisible text layer needs glyph widths, not outlines.
    """
    widths, ascent, descent = _metrics(path)
    space = round(widths.get(" ", 250.0))
    names = [".notdef", *(f"g{i}" for i in range(1, len(chars) + 1))]
    glyph_of = {ord(c): f"g{i}" for i, c in enumerate(chars, 1)}
    if 32 not in glyph_of:
        names.append("space")
        glyph_of[32] = "space"
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap(glyph_of)
    fb.setupGlyf({n: Glyph() for n in names})
    advance = {".notdef": space, "space": space}
    advance.update({f"g{i}": round(widths.get(c, space)) for i, c in enumerate(chars, 1)})
    fb.setupHorizontalMetrics({n: (advance[n], 0) for n in names})
    fb.setupHorizontalHeader(ascent=round(ascent), descent=round(descent))
    fb.setupNameTable({"familyName": "SohoaText", "styleName": "Regular", "psName": "SohoaText-Glyphless"})
    fb.setupOS2(
        sTypoAscender=round(ascent),
        sTypoDescender=round(descent),
        usWinAscent=round(ascent),
        usWinDescent=-round(descent),
    )
    fb.setupPost(keepGlyphNames=False)  # post format 3: the glyph names are never used
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


@lru_cache(maxsize=4)
def _cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path, lazy=True).getBestCmap())


@lru_cache(maxsize=64)
def _subset(path: Path, codepoints: frozenset[int], glyphless: bool) -> bytes:
    """The font program subset to ``codepoints`` (cached: the stamp and most pages repeat their sets)."""
    full = TTFont(path)
    wanted = (codepoints & _cmap(path)) | {32}
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [1, 2, 4, 6]
    options.glyph_names = False
    options.drop_tables += ["FFTM", "gasp", "DSIG", "kern", "GPOS", "GSUB", "GDEF"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=wanted)
    sub.subset(full)
    if glyphless and "glyf" in full:
        glyf = full["glyf"]
        for name in glyf.keys():
            glyf[name] = Glyph()
    buf = io.BytesIO()
    full.save(buf)
    return buf.getvalue()


def _font_dict(pdf: pikepdf.Pdf, program: bytes, chars: list[str]) -> pikepdf.Dictionary:
    font = TTFont(io.BytesIO(program))
    upem = font["head"].unitsPerEm
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    sub_cmap = font.getBestCmap()
    space_gid = order[sub_cmap[32]]
    gids = [order[sub_cmap[ord(c)]] if ord(c) in sub_cmap else space_gid for c in chars]
    hmtx = font["hmtx"]
    names = font.getGlyphOrder()
    widths = [round(hmtx[names[g]][0] * 1000 / upem) for g in gids]
    cid_to_gid = b"\0\0" + b"".join(g.to_bytes(2, "big") for g in gids)
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    k = 1000.0 / upem
    base = "SOHOAT+" + font["name"].getDebugName(6).replace(" ", "")
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + base),
            Flags=32,
            # a glyphless font has an empty box: give the line's extent instead (text selection)
            FontBBox=[
                round(head.xMin * k),
                round(min(head.yMin, hhea.descent) * k),
                round(max(head.xMax, upem) * k),
                round(max(head.yMax, hhea.ascent) * k),
            ],
            ItalicAngle=0,
            Ascent=round(hhea.ascent * k),
            Descent=round(hhea.descent * k),
            CapHeight=round(getattr(os2, "sCapHeight", hhea.ascent) * k),
            StemV=80,
            FontFile2=pdf.make_stream(program),
        )
    )
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/" + base),
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor,
        DW=1000,
        W=[1, widths] if widths else [],
        CIDToGIDMap=pdf.make_stream(cid_to_gid),
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/" + base),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[pdf.make_indirect(cid_font)],
            ToUnicode=pdf.make_stream(_to_unicode(chars)),
        )
    )


def _to_unicode(chars: list[str]) -> bytes:
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
    items = list(enumerate(chars, start=1))
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for cid, ch in chunk:
            utf16 = ch.encode("utf-16-be").hex().upper()
            lines.append(f"<{cid:04X}> <{utf16}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")
