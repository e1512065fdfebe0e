"""The copy's fonts: CID n is glyph n, one width for the invisible text, outlines drawn out for the stamp."""

from __future__ import annotations

import io

import pikepdf
from fontTools.ttLib import TTFont

from pipeline.archive.fonts import GLYPHLESS_ADVANCE, TextFont, _runs, _to_unicode
from pipeline.archive.pdfa import DEFAULT_FONT


def test_cids_follow_code_points_and_tounicode_ranges_stay_within_a_byte() -> None:
    font = TextFont(DEFAULT_FONT)
    font.add(["ệ cab"])
    assert font.encode("abc") == b"\x00\x02\x00\x03\x00\x04"  # " " is CID 1
    assert _runs((" ", "a", "b", "c", "ệ")) == [(1, 1, 0x20), (2, 4, 0x61), (5, 5, 0x1EC7)]
    # a bfrange may only vary its last byte: U+00FF then U+0100 are two entries
    assert _runs(("\u00fe", "\u00ff", "\u0100")) == [(1, 2, 0xFE), (3, 3, 0x100)]
    cmap = _to_unicode(("a", "b", "\U0001f600")).decode()
    assert "<0001> <0002> <0061>" in cmap and "<0003> <D83DDE00>" in cmap


def test_glyphless_font_has_one_width_identity_map_and_no_cmap_table() -> None:
    font = TextFont(DEFAULT_FONT, glyphless=True)
    font.add(["Quyết định"])
    pdf = pikepdf.new()
    type0 = font.embed(pdf)
    cid_font = type0.DescendantFonts[0]
    assert cid_font.CIDToGIDMap == "/Identity" and int(cid_font.DW) == GLYPHLESS_ADVANCE
    assert len(cid_font.get("/W", [])) == 0
    program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
    assert "cmap" not in program and program["maxp"].numGlyphs == len(set("Quyết định")) + 1
    assert {program["hmtx"][g][0] for g in program.getGlyphOrder()} == {GLYPHLESS_ADVANCE}


def test_stamp_font_draws_accented_letters_without_components() -> None:
    font = TextFont(DEFAULT_FONT)
    font.add(["Ngãi"])
    pdf = pikepdf.new()
    cid_font = font.embed(pdf).DescendantFonts[0]
    program = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
    glyf = program["glyf"]
    a_tilde = program.getGlyphOrder()[font.encode("ã")[1]]
    assert not glyf[a_tilde].isComposite() and glyf[a_tilde].numberOfContours >= 2
    widths = [int(w) for w in cid_font.W[1]]
    assert len(widths) == 4 and len(set(widths)) > 1, "the stamp keeps Liberation Serif's widths"
