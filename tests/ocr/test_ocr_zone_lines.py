"""Second readings of header and closing lines (ocr.zone_lines) on pages this test renders and damages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ocr_fixtures import HEADER_LEFT, HEADER_RIGHT, SIGNER, SIGNER_NAME, font, save
from PIL import Image, ImageDraw

import ocr
from ocr import zone_lines
from ocr._exec import tesseract
from sohoa.errors import OcrError
from sohoa.model.ocr import Line

W, H = 1654, 2339


def line(text, x, y, width=None, height=30):
    return Line(text=text, conf=80.0, box=(x, y, width or 14 * len(text), height))


def test_header_lines_of_page_one_and_the_closing_from_its_anchor_are_picked():
    lines = [
        line("UBND TỈNH KHÁNH HÒA", 120, 90),
        line("Số: 215/SNgV-VP", 120, 190),
        line("Giám đốc Sở đề nghị các cơ quan, đơn vị rà soát hồ sơ và báo cáo kết quả", 160, 1200, 1350),
        line("Nơi nhận:", 160, 1700),
        line("KT. GIÁM ĐỐC", 1000, 1700),
        line("- Lưu: VT, VP.", 160, 1740),
        line("Nguyễn Thị Hồng Nhung", 950, 2000),
    ]
    picked = zone_lines.zone_lines(lines, W, H, 1)
    assert [(i, z) for i, z in picked if z == "header"] == [(0, "header"), (1, "header")]
    closing = [i for i, z in picked if z == "closing"]
    # right column first (the signer block), then the recipients; the body line above is not included
    assert closing == [4, 6, 3, 5]
    # a body page: a full-width line that starts with a title is not a signer block, no header either
    assert zone_lines.zone_lines(lines[2:3], W, H, 2) == []


def damaged_letter(tmp_path: Path) -> Path:
    """Header, body and a signer block at 150 dpi with heavy grain: short lines the page pass reads badly."""
    img = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(img)
    y = 90
    for left, right in zip(HEADER_LEFT, HEADER_RIGHT, strict=True):
        draw.text((120, y), left, font=font(30, bold=True), fill=40)
        draw.text((780, y), right, font=font(30, bold=True), fill=40)
        y += 50
    draw.text((700, 420), "THÔNG BÁO", font=font(36, bold=True), fill=40)
    draw.text((330, 480), "Về việc rà soát hồ sơ lãnh sự năm 2023", font=font(32, bold=True), fill=40)
    draw.text(
        (160, 600), "Sở Ngoại vụ đề nghị các cơ quan, đơn vị rà soát hồ sơ lãnh sự.", font=font(32), fill=40
    )
    draw.text((160, 1400), "Nơi nhận:", font=font(28, bold=True), fill=40)
    draw.text((160, 1445), "- Lưu: VT, VP.", font=font(26), fill=40)
    for i, text in enumerate(SIGNER):
        draw.text((980, 1400 + 48 * i), text, font=font(32, bold=True), fill=40)
    draw.text((930, 1750), SIGNER_NAME, font=font(34, bold=True), fill=40)
    small = img.resize((W * 3 // 4, H * 3 // 4), Image.Resampling.LANCZOS)
    arr = np.asarray(small, dtype=np.float32) + np.random.default_rng(7).normal(0, 38, small.size[::-1])
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    out.info["dpi"] = (150, 150)
    return save(out, tmp_path / "letter.png")


def test_unsure_header_and_signer_lines_are_read_again_with_boxes_on_the_page(tmp_path):
    doc = ocr.ocr_file(damaged_letter(tmp_path), ocr.OcrContext(), jobs=1)
    page = doc.pages[0]
    assert page.rereads, "a grainy 150 dpi page has unsure header and closing lines"
    zones = {r.zone for r in page.rereads}
    assert zones == {"header", "closing"}
    assert page.timings.get("rereads", 0) > 0
    for rr in page.rereads:
        assert len(rr.readings) <= len(zone_lines._VARIANTS)
        x, y, w, h = page.lines[rr.line].box
        for reading in rr.readings:
            assert reading.variant in {v for v, _, _ in zone_lines._VARIANTS}
            for word in reading.words:
                bx, by, bw, bh = word.box
                # in page coordinates: on the line that was re-read (within a line height of it)
                assert y - h <= by + bh / 2 <= y + 2 * h and x - 2 * h <= bx <= x + w + 2 * h
                assert word.line == rr.line
    name = [rr for rr in page.rereads if "Nhung" in page.lines[rr.line].text or rr.box[1] > 0.7 * page.height]
    assert any("Nhung" in r.text for rr in name for r in rr.readings)


def test_a_failing_second_reading_leaves_the_page_its_first_reading(tmp_path, monkeypatch):
    real = tesseract.recognize_many

    def failing(images, **kw):
        if any("-lines-" in p.name for p in images):
            raise OcrError("injected: Tesseract crashed on the stacked lines")
        return real(images, **kw)

    monkeypatch.setattr(tesseract, "recognize_many", failing)
    page = ocr.ocr_page(
        ocr.prepare_pages(damaged_letter(tmp_path), ocr.OcrContext(), tmp_path)[0], ocr.OcrContext()
    )
    assert page.source == "ocr" and page.words
    assert page.rereads == []


@pytest.mark.parametrize("enabled", [False])
def test_rereading_can_be_switched_off(tmp_path, enabled):
    ctx = ocr.OcrContext(reread_lines=enabled)
    page = ocr.ocr_page(ocr.prepare_pages(damaged_letter(tmp_path), ctx, tmp_path)[0], ctx)
    assert page.words and page.rereads == [] and "rereads" not in page.timings


def test_a_sure_signer_line_that_lost_a_word_is_read_again_across_its_column(tmp_path):
    """GIVEN a name line whose first reading kept only "Văn An" (confidently) while "Nguyễn" is printed
    beside it, WHEN the closing is re-read, THEN the line is re-read over the signer column and finds it."""
    from sohoa.model.ocr import Word

    img = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(img)
    draw.text((160, 1400), "Nơi nhận:", font=font(28, bold=True), fill=0)
    draw.text((980, 1400), "KT. GIÁM ĐỐC", font=font(32, bold=True), fill=0)
    draw.text((960, 1450), "PHÓ GIÁM ĐỐC", font=font(32, bold=True), fill=0)
    draw.text((950, 1700), "Nguyễn Văn An", font=font(34, bold=True), fill=0)
    gray = np.asarray(img)
    name_x = 950 + round(font(34, bold=True).getlength("Nguyễn "))
    lines = [
        Line(text="Nơi nhận:", conf=95.0, box=(160, 1400, 150, 34)),
        Line(text="KT. GIÁM ĐỐC", conf=95.0, box=(980, 1400, 270, 36)),
        Line(text="PHÓ GIÁM ĐỐC", conf=95.0, box=(960, 1450, 300, 36)),
        Line(text="Văn An", conf=96.0, box=(name_x, 1700, 150, 40)),
    ]
    words = [
        Word(text=t, conf=95.0, box=ln.box, line=i) for i, ln in enumerate(lines) for t in ln.text.split()[:1]
    ]
    rereads = zone_lines.reread_lines(gray, lines, words, ocr.OcrContext(), tmp_path, 2)
    by_line = {rr.line: rr for rr in rereads}
    assert 3 in by_line and 0 not in by_line  # the sure recipients' line is not read again
    assert any("Nguyễn" in r.text for r in by_line[3].readings)
    assert zone_lines._widen((1000, 5, 50, 9), (900, 1300)) == (900, 5, 400, 9)
    assert zone_lines._widen((1000, 5, 50, 9), None) == (1000, 5, 50, 9)
    # a line split by the seal: each half stops at the other, no word is read into both
    assert zone_lines._widen((1000, 5, 50, 9), (900, 1300), ((1100, 6, 80, 9),)) == (900, 5, 200, 9)
    assert zone_lines._widen((1100, 6, 80, 9), (900, 1300), ((1000, 5, 50, 9),)) == (1050, 6, 250, 9)


def test_a_name_line_reaches_past_a_column_measured_on_lines_that_lost_the_same_side(tmp_path):
    """GIVEN "Trần Ngọc Căng" read as "Ngọc Căng" under "TỊCH" (the "CHỦ" and "Trần" at the seal's edge
    both lost), so the signer column known from the first reading starts right of "Trần", WHEN the
    closing is re-read THEN the name line's crop reaches one family name further and reads it; a title
    line in capitals does not reach, and the recipients' line beside it stops the reach."""
    from sohoa.model.ocr import Word

    img = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(img)
    draw.text((160, 1400), "Nơi nhận:", font=font(28, bold=True), fill=0)
    draw.text((980, 1400), "CHỦ TỊCH", font=font(32, bold=True), fill=0)
    draw.text((950, 1700), "Trần Ngọc Căng", font=font(34, bold=True), fill=0)
    gray = np.asarray(img)
    chu = 980 + round(font(32, bold=True).getlength("CHỦ "))
    name_x = 950 + round(font(34, bold=True).getlength("Trần "))
    lines = [
        Line(text="Nơi nhận:", conf=95.0, box=(160, 1400, 150, 34)),
        Line(text="TỊCH", conf=96.0, box=(chu, 1400, 90, 36)),
        Line(text="Ngọc Căng", conf=96.0, box=(name_x, 1700, 170, 40)),
    ]
    words = [Word(text=ln.text.split()[0], conf=96.0, box=ln.box, line=i) for i, ln in enumerate(lines)]
    rereads = {
        rr.line: rr for rr in zone_lines.reread_lines(gray, lines, words, ocr.OcrContext(), tmp_path, 2)
    }
    assert any(r.text.startswith("Trần Ngọc Căng") for r in rereads[2].readings)
    assert not any("CHỦ" in r.text for r in rereads[1].readings)
    # the reach stops at a line beside it on the same row
    assert zone_lines._widen((1000, 5, 50, 9), (1000, 1050), ((930, 6, 40, 9),), reach=120) == (
        970,
        5,
        200,
        9,
    )


def test_a_subject_line_off_its_axis_is_read_over_its_centred_extent_with_the_rule_across_it_cleared(
    tmp_path, monkeypatch
):
    """GIVEN a centred two-line subject whose second line's first words are crossed by a receipt stamp's
    top edge, so the first pass kept only the words right of the stamp (confidently), WHEN the header is
    re-read THEN that line is read over the extent it has centred under the line above, the rule
    cleared, and the lost words are found; the lines of the two header columns are never re-centred."""
    from sohoa.model.ocr import Word

    img = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(img)
    bold = font(32, bold=True)
    first, second = "Về việc tăng cường quản lý nhà nước về hỗ trợ", "nhà đầu tư thực hiện dự án tại tỉnh"
    for text, y in ((first, 480), (second, 530)):
        draw.text(((W - bold.getlength(text)) / 2, y), text, font=bold, fill=0)
    x2 = round((W - bold.getlength(second)) / 2)
    lost = round(bold.getlength("nhà đầu tư "))
    # the stamp's frame: its top edge runs through the bottom of "nhà đầu tư", its side down the margin
    draw.rectangle((x2 - 120, 560, x2 + lost - 8, 700), outline=0, width=4)
    w1, w2 = round(bold.getlength(first)), round(bold.getlength(second))
    body = "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành và địa phương thực hiện tốt các nội dung sau"
    draw.text((140, 760), body, font=font(30), fill=0)
    gray = np.asarray(img)
    lines = [
        Line(text="UBND TỈNH KHÁNH HÒA", conf=95.0, box=(120, 90, 380, 36)),
        Line(text="TỈNH KHÁNH HÒA", conf=95.0, box=(160, 140, 300, 36)),
        Line(text=first, conf=95.0, box=((W - w1) // 2, 480, w1, 42)),
        Line(text="thực hiện dự án tại tỉnh", conf=95.0, box=(x2 + lost, 530, w2 - lost, 42)),
        # a paragraph's line: the text block's margins, which the subject lines stand clear of
        Line(text=body, conf=95.0, box=(140, 760, round(font(30).getlength(body)), 36)),
    ]
    words = [Word(text=t, conf=95.0, box=b.box, line=k) for k, b in enumerate(lines) for t in b.text.split()]
    assert zone_lines._centred(1, lines, W) is None  # the left column's axis is off the page's centre
    assert zone_lines._centred(2, lines, W) is None  # the first subject line is on its axis
    # under the two header columns read as one row (its middle on the page's), a column's line stays
    merged = Line(text="ỦY BAN NHÂN DÂN … CỘNG HÒA XÃ HỘI CHỦ NGHĨA", conf=90.0, box=(200, 90, 1300, 36))
    issuer = Line(text="SỞ NGOẠI VỤ", conf=90.0, box=(200, 140, 240, 36), region="header-left")
    assert zone_lines._centred(1, [merged, issuer, lines[4]], W) is None
    assert zone_lines._centred(1, [merged, issuer.model_copy(update={"region": "body"}), lines[4]], W)
    # a paragraph's short last line under its first is off that line's axis, but no centred line's
    para = Line(text="năm 2024 như sau:", conf=95.0, box=(140, 800, 300, 36))
    assert zone_lines._centred(1, [lines[4], para], W) is None
    # nor is a line read whole (its box already holds all its ink) when it stands off an axis
    assert zone_lines._lost_ink(gray, lines[3].box, zone_lines._centred(3, lines, W))
    whole = (x2, 530, w2, 42)
    assert not zone_lines._lost_ink(gray, whole, (x2 - 150, 530, w2 + 150, 42))
    cx, _y, cw, _h = zone_lines._centred(3, lines, W)
    assert abs(cx - x2) <= 4 and abs(cx + cw - (x2 + w2)) <= 1
    found = zone_lines.reread_lines(gray, lines, words, ocr.OcrContext(), tmp_path, 1)
    rereads = {rr.line: rr for rr in found}
    assert 3 in rereads and 2 not in rereads  # sure and on its axis: not read again
    assert [r.text for r in rereads[3].readings] == ["nhà đầu tư thực hiện dự án tại tỉnh"] * 2
    # the centred line is read in stacks of its own: the other lines read again are read as without it
    unsure = [wd.model_copy(update={"conf": 40.0}) if wd.line == 2 else wd for wd in words]
    with_it = {
        rr.line: rr for rr in zone_lines.reread_lines(gray, lines, unsure, ocr.OcrContext(), tmp_path, 1)
    }
    monkeypatch.setattr(zone_lines, "_centred", lambda *_a: None)
    found = zone_lines.reread_lines(gray, lines, unsure, ocr.OcrContext(), tmp_path, 1)
    without = {rr.line: rr for rr in found}
    assert 3 in with_it and 3 not in without and with_it[2] == without[2]
