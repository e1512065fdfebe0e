"""The copy's fonts: CID n is glyph n, one width for the invisible text, outlines drawn out for the stamp,
and the stamp's characters drawn in the text layer's own font."""

from __future__ import annotations

import io

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from pipeline.archive.fonts import (
    GLYPHLESS_ADVANCE,
    TextFont,
    _outline_advance,
    _runs,
    _to_unicode,
    _w_array_widths,
    drawing_cids,
    keep_outlines,
)
from pipeline.archive.pdfa import DEFAULT_FONT
from sohoa.errors import ArchiveError


def test_cids_are_pages_of_unicode_blocks_and_each_page_is_one_tounicode_range() -> None:
    font = TextFont(DEFAULT_FONT)
    font.add(["ệ cab"])
    # U+00xx is page 0 (CID = code point), U+1Exx page 1; the low byte is the code point's
    assert font.encode("abc ệ") == bytes.fromhex("0061 0062 0063 0020 01C7")
    used = tuple(sorted((font.cid(c), c) for c in "ệ cab"))
    assert _runs(used) == [(0x20, 0x63, 0x20), (0x1C7, 0x1C7, 0x1EC7)]
    with pytest.raises(ArchiveError):  # CID 0 is .notdef
        font.cid("\x00")
    cmap = _to_unicode(((0x161, "a"), (0x163, "c"), (0x2C7, "ệ"), (0x300, "\U0001f600"))).decode()
    assert "<0161> <0163> <0061>" in cmap, "one range for the page, b between a and c included"
    assert "<02C7> <1EC7>" in cmap and "<0300> <D83DDE00>" in cmap


def test_glyphless_font_has_one_width_identity_map_and_no_cmap_table() -> None:
    font = TextFont(DEFAULT_FONT, glyphless=True)
    font.add(["Quyết định"])
    pdf = pikepdf.new()
    type0 = font.embed(pdf)
    cid_font = type0.DescendantFonts[0]
    assert cid_font.CIDToGIDMap == "/Identity" and int(cid_font.DW) == GLYPHLESS_ADVANCE
    assert len(cid_font.get("/W", [])) == 0
    program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
    assert "cmap" not in program
    assert program["maxp"].numGlyphs == max(font.cid(c) for c in "Quyết định") + 1, "glyph n is CID n"
    assert {program["hmtx"][g][0] for g in program.getGlyphOrder()} == {GLYPHLESS_ADVANCE}


def test_stamp_font_draws_accented_letters_without_components() -> None:
    font = TextFont(DEFAULT_FONT)
    font.add(["Ngãi"])
    pdf = pikepdf.new()
    cid_font = font.embed(pdf).DescendantFonts[0]
    program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
    glyf = program["glyf"]
    a_tilde = program.getGlyphOrder()[font.cid("ã")]
    assert not glyf[a_tilde].isComposite() and glyf[a_tilde].numberOfContours >= 2
    listed, dw = _w_array_widths(cid_font), int(cid_font.DW)
    widths = {ch: listed.get(font.cid(ch), dw) for ch in "Ngãi"}
    assert widths == {ch: _outline_advance(DEFAULT_FONT, ch) for ch in "Ngãi"}, "Liberation Serif's widths"
    assert len(set(widths.values())) == 4


def test_the_text_font_draws_the_stamp_characters_with_their_outlines_and_widths() -> None:
    """GIVEN a text-layer font told the stamp's characters, THEN those have outlines and real widths,
    the OCR text's others stay empty and of the one width, and the stamp finds its CIDs there."""
    stamp = "Sở Nội vụ 0123456789-+:T"
    font = TextFont(DEFAULT_FONT, glyphless=True, outlined=frozenset(stamp))
    font.add(["Quyết định số 15"])
    font.add([stamp])
    pdf = pikepdf.new()
    type0 = font.embed(pdf)
    cid_font = type0.DescendantFonts[0]
    program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
    glyf, order = program["glyf"], program.getGlyphOrder()
    assert (
        glyf[order[font.cid("ở")]].numberOfContours > 0 and glyf[order[font.cid("Q")]].numberOfContours == 0
    )
    assert int(cid_font.DW) == GLYPHLESS_ADVANCE == font.advance("Q")
    assert (
        _w_array_widths(cid_font)[font.cid("ở")] == font.advance("ở") == _outline_advance(DEFAULT_FONT, "ở")
    )
    cids = drawing_cids(type0, DEFAULT_FONT, "Sở Nội vụ 2026-12-02T09:30:00+07:00")
    assert cids is not None and cids["ộ"] == font.cid("ộ")
    assert drawing_cids(type0, DEFAULT_FONT, "Quyết") is None, "Q and y have no outline here"


def test_the_stamp_keeps_only_the_outlines_it_draws_and_every_width() -> None:
    stamp = "Sở Nội vụ 0123456789-+:T"
    font = TextFont(DEFAULT_FONT, glyphless=True, outlined=frozenset(stamp))
    font.add(["Quyết định số 15"])
    font.add([stamp])
    pdf = pikepdf.new()
    type0 = font.embed(pdf)
    cid_font = type0.DescendantFonts[0]
    before = _w_array_widths(cid_font)
    keep_outlines(type0, DEFAULT_FONT, "Sở Nội vụ 2026-12-02T08:15:00+07:00")
    program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
    glyf, order, hmtx = program["glyf"], program.getGlyphOrder(), program["hmtx"]
    assert glyf[order[font.cid("ở")]].numberOfContours > 0 and glyf[order[font.cid("8")]].numberOfContours > 0
    assert glyf[order[font.cid("9")]].numberOfContours == 0, "9 is not in this stamp"
    k = 1000 / program["head"].unitsPerEm
    for ch in "Sở Nội vụ 0123456789-+:TQuyết":
        width = before.get(font.cid(ch), int(cid_font.DW))
        assert round(hmtx[order[font.cid(ch)]][0] * k) == width, ch
