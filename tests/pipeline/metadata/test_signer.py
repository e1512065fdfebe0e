"""The signer's name under the seal: re-read votes, a name cut in two pieces, a lost family name.

The shapes are those OCR gives on a seal-covered signer block: specks glued in front of the family name
that differ from reading to reading (``:-Bùi``, ``'-Bùi``), a family name read alike every time with a
confidence of almost 0, the family name read as a separate OCR line a little lower than the rest of the
name, and the family name hidden altogether.
"""

from __future__ import annotations

from collections import Counter

from pipeline.metadata import Witnesses, extract
from pipeline.metadata.rereads import vote_line
from sohoa.model.ocr import Line, LineReading, LineRereading, OcrDocument, OcrPage, PageSource
from sohoa.model.signature import PageStamp, PdfSignature
from tests.pipeline.ocr_pages import HEIGHT, LINE_H, WIDTH, words_of

TOP = [
    (180, "BỘ NGOẠI GIAO", 300),
    (180, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800),
    (220, "CỤC LÃNH SỰ", 320),
    (220, "Độc lập - Tự do - Hạnh phúc", 880),
    (300, "Số: 07/TB-CLS", 320),
    (300, "Hà Nội, ngày 12 tháng 3 năm 2024", 860),
    (420, "THÔNG BÁO", 740),
    (470, "Về việc tiếp nhận hồ sơ đề nghị cấp hộ chiếu", 560),
    (560, "Cục Lãnh sự thông báo như sau:", 270),
    (1600, "Nơi nhận:", 260),
    (1600, "KT. CỤC TRƯỞNG", 1080),
    (1640, "- Như trên;", 270),
    (1640, "PHÓ CỤC TRƯỞNG", 1070),
    (1680, "- Lưu: VT, LS.", 270),
]


def page(rows, rereads=()):
    """A page from ``(y, text, x[, confs])`` rows, one OCR line each, with ``rereads`` of its lines."""
    words, lines = [], []
    for li, (y, text, x, *confs) in enumerate(rows):
        lw = words_of(text, x, y, li, confs=confs[0] if confs else None)
        words += lw
        x1 = max(w.box[0] + w.box[2] for w in lw)
        lines.append(Line(text=text, conf=92.0, box=(x, y, x1 - x, LINE_H)))
    return OcrPage(number=1, source=PageSource.OCR, text="\n".join(ln.text for ln in lines), confidence=90.0,
                   width=WIDTH, height=HEIGHT, words=words, lines=lines, rereads=list(rereads))  # fmt: skip


def doc_of(p):
    return OcrDocument(file_name="scan.pdf", sha256="0" * 64, media_type="application/pdf", pages=[p],
                       languages="vie")  # fmt: skip


def reread(line, zone, x, y, *readings):
    rs = [
        LineReading(variant=v, text=t, conf=80.0, words=words_of(t, x, y, line, confs=c))
        for v, t, c in readings
    ]
    return LineRereading(line=line, zone=zone, box=(x, y, 400, LINE_H), readings=rs)


def test_a_family_name_read_alike_under_specks_is_kept_from_the_rereads():
    # the page reading lost the family name; both re-reads have it, each with another speck glued in front
    rows = [*TOP, (1850, "Xuân Hoa", 1110)]
    rr = reread(len(rows) - 1, "closing", 1040, 1850, ("h56-otsu", "\"'-Bùi Xuân Hoa", [2.0, 96.0, 96.0]),
                ("h48-smooth", "':-Bùi Xuân Hoa", [8.8, 96.0, 96.0]))  # fmt: skip
    m = extract(doc_of(page(rows, [rr])))
    assert m.value("nguoi_ky") == "Bùi Xuân Hoa"
    assert m.fields["nguoi_ky"].confidence >= 0.6


def test_a_family_name_tesseract_reads_alike_at_no_confidence_is_kept():
    rows = [*TOP, (1850, "Bùi Hoài Nam", 1040, [0.0, 0.0, 96.9])]
    rr = reread(len(rows) - 1, "closing", 1040, 1850, ("h56-otsu", "Bùi Hoài Nam", [0.0, 95.6, 96.5]),
                ("h48-smooth", ">: :Bùi Hoài Nam", [85.0, 14.0, 96.7, 96.9]))  # fmt: skip
    assert extract(doc_of(page(rows, [rr]))).value("nguoi_ky") == "Bùi Hoài Nam"
    # without the re-reads, a word read at no confidence stays debris
    assert extract(doc_of(page(rows))).value("nguoi_ky") is None


def test_agreement_lifts_confidence_in_the_closing_only():
    first = words_of("ỦY BAN", 300, 180, 0, confs=[5.0, 90.0])
    readings = (("a", "ỦY BAN", [4.0, 91.0]), ("b", "ỦY BAN", [3.0, 88.0]))
    header = vote_line(first, reread(0, "header", 300, 180, *readings), Counter())
    closing = vote_line(first, reread(0, "closing", 300, 180, *readings), Counter())
    assert header[0].conf < 10
    assert closing[0].conf >= 50


def test_a_name_cut_into_two_pieces_of_one_row_is_joined_left_to_right():
    # the family name came back as its own OCR line, a few pixels lower than the rest of the name
    rows = [*TOP, (1850, "Đình Đức Yến", 1100), (1858, "Vũ", 1050)]
    m = extract(doc_of(page(rows)))
    assert m.value("nguoi_ky") == "Vũ Đình Đức Yến"
    assert not m.needs_review


def test_a_name_without_its_family_name_is_not_guessed_but_flagged():
    rows = [*TOP, (1850, "Hữu Thành", 1110)]
    m = extract(doc_of(page(rows)))
    assert m.value("nguoi_ky") is None
    assert m.needs_review and "nguoi_ky.family_name_lost" in m.reasons
    # the key fields are right: only the signer sends it to review
    assert m.value("so_ky_hieu") == "07/TB-CLS" and m.value("co_quan_ban_hanh") == "CỤC LÃNH SỰ"


def test_a_signature_or_stamp_gives_the_family_name_the_seal_hid():
    rows = [*TOP, (1850, "Hữu Thành", 1110)]
    cert = PdfSignature(field_name="Signature1", signer="Phan Thị Hữu Thành", organization="Cục Lãnh sự")
    m = extract(doc_of(page(rows)), Witnesses(signatures=(cert,)))
    assert m.value("nguoi_ky") == "Phan Thị Hữu Thành" and not m.needs_review
    stamp = Witnesses(stamps=(PageStamp(page=1, signer="Phan Thị Hữu Thành"),))
    assert extract(doc_of(page(rows)), stamp).value("nguoi_ky") == "Phan Thị Hữu Thành"
    # a witness whose name ends otherwise gives nothing
    other = PdfSignature(field_name="Signature1", signer="Phan Thị Thu Hằng", organization="Cục Lãnh sự")
    m = extract(doc_of(page(rows)), Witnesses(signatures=(other,)))
    assert m.value("nguoi_ky") is None and "nguoi_ky.family_name_lost" in m.reasons


def test_a_full_name_is_not_flagged():
    m = extract(doc_of(page([*TOP, (1850, "Phan Thị Hữu Thành", 1040)])))
    assert m.value("nguoi_ky") == "Phan Thị Hữu Thành"
    assert "nguoi_ky.family_name_lost" not in m.reasons


def test_the_document_naming_its_signer_gives_the_family_name():
    body = (600, "Theo đề nghị của Phó Cục trưởng Phan Thị Hữu Thành, Cục Lãnh sự thông báo:", 270)
    m = extract(doc_of(page([*TOP, body, (1850, "Hữu Thành", 1110)])))
    assert m.value("nguoi_ky") == "Phan Thị Hữu Thành" and not m.needs_review
    # two people of those given names in the text: no telling which one signed
    other = (640, "và Trưởng phòng Lê Hữu Thành phối hợp thực hiện.", 270)
    m = extract(doc_of(page([*TOP, body, other, (1850, "Hữu Thành", 1110)])))
    assert m.value("nguoi_ky") is None and "nguoi_ky.family_name_lost" in m.reasons
    # one given name is too common to complete from
    one = (600, "Đồng chí Nguyễn Văn Sơn chủ trì.", 270)
    assert extract(doc_of(page([*TOP, one, (1850, "Sơn", 1110)]))).value("nguoi_ky") is None


def test_a_given_name_with_a_tone_no_name_carries_is_repaired_and_marked_less_sure():
    rows = [*TOP, (1850, "Nguyễn Anh Tuần", 1080)]
    m = extract(doc_of(page(rows)))
    assert m.value("nguoi_ky") == "Nguyễn Anh Tuấn"
    sure = extract(doc_of(page([*TOP, (1850, "Nguyễn Anh Tuấn", 1080)])))
    assert m.fields["nguoi_ky"].confidence < sure.fields["nguoi_ky"].confidence


def _closing_with(authority: str, title: str) -> list:
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    return [*rows, (1600, authority, 1080), (1640, title, 1070), (1850, "Nguyễn Văn An", 1090)]


def test_a_title_that_lost_its_pho_under_kt_is_the_deputys():
    # Decree 30: KT. is a deputy signing for the head; "CỤC TRƯỞNG" under "KT. CỤC TRƯỞNG" lost its PHÓ
    m = extract(doc_of(page(_closing_with("KT. CỤC TRƯỞNG", "CỤC TRƯỞNG"))))
    assert m.value("chuc_vu_ky") == "Phó Cục trưởng"
    assert m.fields["chuc_vu_ky"].confidence < 0.8  # repaired, not read
    assert (
        extract(doc_of(page(_closing_with("KT. BỘ TRƯỞNG", "BỘ TRƯỞNG")))).value("chuc_vu_ky") == "Thứ trưởng"
    )


def test_a_head_signing_for_the_body_keeps_the_heads_title():
    assert (
        extract(doc_of(page(_closing_with("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")))).value("chuc_vu_ky")
        == "Chủ tịch"
    )
    read = extract(doc_of(page(_closing_with("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"))))
    assert read.value("chuc_vu_ky") == "Phó Chánh Văn phòng"
    assert read.fields["chuc_vu_ky"].confidence > 0.8


def test_an_authority_line_that_lost_its_dot_is_still_one():
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    rows += [(1600, "TM ỦY BAN NHÂN DÂN", 1060), (1640, "K.T. CHỦ TỊCH", 1080), (1680, "PHÓ CHỦ TỊCH", 1080)]
    m = extract(doc_of(page([*rows, (1850, "Nguyễn Văn An", 1090)])))
    assert m.value("hinh_thuc_ky") == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"
    assert m.value("chuc_vu_ky") == "Phó Chủ tịch"


def test_an_authority_ocr_garbled_or_lost_is_implied_by_the_forms_of_decree_30():
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    name = (1850, "Nguyễn Văn An", 1090)
    # KT. lost: a head's title over the same title with PHÓ, a speck of the seal between them
    m = extract(
        doc_of(
            page([*rows, (1600, "CỤC TRƯỞNG", 1080), (1640, "Z", 1100), (1680, "PHÓ CỤC TRƯỞNG", 1070), name])
        )
    )
    assert (m.value("hinh_thuc_ky"), m.value("chuc_vu_ky")) == ("KT. CỤC TRƯỞNG", "Phó Cục trưởng")
    assert m.fields["hinh_thuc_ky"].confidence < 0.8  # implied, not read
    # KT. garbled, a semicolon for its dot, a dot doubled
    for line in ("đẸT, GIÁM ĐỐC", "“KT; GIÁM ĐỐC", "KT.. GIÁM ĐỐC"):
        m = extract(doc_of(page([*rows, (1600, line, 1080), (1640, "PHÓ GIÁM ĐỐC", 1070), name])))
        assert m.value("hinh_thuc_ky") == "KT. GIÁM ĐỐC", line
    # TM. garbled before the collective body it signs for
    m = extract(doc_of(page([*rows, (1600, "M. ỦY BAN NHÂN DÂN", 1060), (1640, "CHỦ TỊCH", 1090), name])))
    assert m.value("hinh_thuc_ky") == "TM. ỦY BAN NHÂN DÂN"
    # a head signing alone is no KT.
    m = extract(doc_of(page([*rows, (1600, "GIÁM ĐỐC", 1080), name])))
    assert m.value("hinh_thuc_ky") is None and m.value("chuc_vu_ky") == "Giám đốc"


def test_a_garbled_title_close_to_a_usual_one_is_taken_for_it_less_sure():
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    m = extract(doc_of(page([*rows, (1600, "GHỨ TỊCH", 1090), (1850, "Nguyễn Văn An", 1090)])))
    assert m.value("chuc_vu_ky") == "Chủ tịch" and m.fields["chuc_vu_ky"].confidence < 0.7
    m = extract(doc_of(page([*rows, (1600, '⁄ZCUG "TRƯỞNG', 1060), (1850, "Nguyễn Văn An", 1090)])))
    assert m.value("chuc_vu_ky") == "Cục trưởng"
    m = extract(doc_of(page([*rows, (1600, "HÓ CHỦ TỊCH", 1090), (1850, "Nguyễn Văn An", 1090)])))
    assert m.value("chuc_vu_ky") == "Phó Chủ tịch"  # the deputy's title that lost its P
    # a garbled authority line (KT. CHỦ TỊCH) names the head, not the signer; a line far from every
    # title is none
    for line in ("N[. CHỦ TỊCH", "HỒ SƠ LƯU"):
        m = extract(doc_of(page([*rows, (1600, line, 1090), (1850, "Nguyễn Văn An", 1090)])))
        assert m.value("chuc_vu_ky") is None


def test_a_title_line_a_seal_made_tall_is_still_in_the_signer_block():
    # the seal's ink around "KT. CỤC TRƯỞNG" makes its box three lines tall, its top above "Nơi nhận"
    rows = [*TOP, (1850, "Nguyễn Văn An", 1090)]
    p = page(rows)
    at = next(i for i, r in enumerate(rows) if r[1] == "KT. CỤC TRƯỞNG")
    tall = words_of("KT. CỤC TRƯỞNG", 1080, 1560, at, line_h=3 * LINE_H)
    p = p.model_copy(update={"words": [w for w in p.words if w.line != at] + tall})
    m = extract(doc_of(p))
    assert (m.value("hinh_thuc_ky"), m.value("chuc_vu_ky")) == ("KT. CỤC TRƯỞNG", "Phó Cục trưởng")


def test_a_title_a_seal_cut_in_two_pieces_is_read_whole():
    # "BỘ TRƯỞNG" under a seal: two OCR lines side by side, the second alone a title it is not
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    m = extract(
        doc_of(page([*rows, (1600, "°BỘ", 1010), (1604, "TRƯỞNG", 1241), (1850, "Nguyễn Văn An", 1090)]))
    )
    assert m.value("chuc_vu_ky") == "Bộ trưởng"
    # a speck joined to a title it stands beside leaves the title as read
    m = extract(doc_of(page([*rows, (1600, "KT. CỤC TRƯỞNG", 1080), (1640, "PHÓ CỤC TRƯỞNG", 1070),
                             (1644, "Sâu", 900), (1850, "Nguyễn Văn An", 1090)])))  # fmt: skip
    assert m.value("chuc_vu_ky") == "Phó Cục trưởng"


def test_an_unreadable_title_under_kt_is_the_deputys_less_sure():
    # Decree 30: under KT. the deputy signs; the title line is there, but the seal left only capitals
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    name = (1850, "Nguyễn Văn An", 1090)
    m = extract(doc_of(page([*rows, (1600, "KT. BỘ TRƯỞNG", 1080), (1640, "XZ£UG ƯỚN", 1080), name])))
    assert m.value("chuc_vu_ky") == "Thứ trưởng" and m.fields["chuc_vu_ky"].confidence <= 0.5
    # no line there at all, or TM. (whose KT. line may be the one lost): no title
    assert extract(doc_of(page([*rows, (1600, "KT. BỘ TRƯỞNG", 1080), name]))).value("chuc_vu_ky") is None
    m = extract(doc_of(page([*rows, (1600, "TM. ỦY BAN NHÂN DÂN", 1060), (1640, "XZ£UG ƯỚN", 1080), name])))
    assert m.value("chuc_vu_ky") is None


def test_a_kt_line_the_seal_garbled_or_cut_is_implied_by_the_deputys_title():
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    name = (1850, "Nguyễn Văn An", 1090)
    # the KT. line garbled past the usual title, the deputy's title read under it
    m = extract(doc_of(page([*rows, (1600, "KỸ. CUÈTRƯỞNG", 1080), (1640, "PHO CỤC TRƯƠNG", 1070), name])))
    assert m.value("hinh_thuc_ky") == "KT. CỤC TRƯỞNG"
    # only a piece of it read ("ĐỐC" of "KT. GIÁM ĐỐC"), and under a TM. line too
    m = extract(doc_of(page([*rows, (1600, "ĐỐC", 1250), (1640, "PHÓ GIÁM ĐỐC", 1070), name])))
    assert m.value("hinh_thuc_ky") == "KT. GIÁM ĐỐC" and m.fields["hinh_thuc_ky"].confidence <= 0.6
    tm = [(1600, "TM. ỦY BAN NHÂN DÂN", 1060), (1640, "TỊC", 1200), (1680, "PHÓ CHỦ TỊCH", 1070)]
    m = extract(doc_of(page([*rows, *tm, name])))
    assert m.value("hinh_thuc_ky") == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"
    # nothing read above the deputy's title: no form is guessed
    m = extract(doc_of(page([*rows, (1640, "PHÓ GIÁM ĐỐC", 1070), name])))
    assert m.value("hinh_thuc_ky") is None


def test_a_speck_read_as_a_small_letter_inside_the_name_is_dropped():
    # at 100 dpi the seal's edge cut the family name's head and left a speck between two words
    m = extract(doc_of(page([*TOP, (1850, "rần n Ngọc Căng", 1060)])))
    assert m.value("nguoi_ky") == "Trần Ngọc Căng"
    # a one-letter given name in capitals is a name's word, not a speck
    assert (
        extract(doc_of(page([*TOP, (1850, "Nguyễn Thị Y Vân", 1060)]))).value("nguoi_ky")
        == "Nguyễn Thị Y Vân"
    )


def test_a_name_typed_in_capitals_is_read_in_title_case():
    rows = [*_closing_with("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")[:-1], (1850, "NGUYỄN VĂN AN", 1090)]
    m = extract(doc_of(page(rows)))
    assert m.value("nguoi_ky") == "Nguyễn Văn An"
    assert m.value("chuc_vu_ky") == "Phó Cục trưởng"
    # a block without a name line has no signer: its last capitals are a title, not a name
    assert (
        extract(doc_of(page(_closing_with("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")[:-1]))).value("nguoi_ky")
        is None
    )


def test_a_name_whose_first_word_a_signature_stroke_crossed_is_read_from_the_rest():
    # the stroke ends on the family name: it reads at no confidence, the given names surely
    rows = [*TOP, (1850, "=<guyễn Phước Bình", 1040, [0.0, 97.0, 97.0])]
    m = extract(doc_of(page(rows)))
    assert m.value("nguoi_ky") == "Nguyễn Phước Bình"
    assert m.fields["nguoi_ky"].confidence < 0.9
    # guards: two words only, or more than the first word unsure, stay debris
    assert extract(doc_of(page([*TOP, (1850, "=<guyễn Bình", 1040, [0.0, 97.0])]))).value("nguoi_ky") is None
    rows = [*TOP, (1850, "=<guyễn Phước Bình", 1040, [0.0, 5.0, 97.0])]
    assert extract(doc_of(page(rows))).value("nguoi_ky") is None


def test_a_garbled_title_with_no_authority_line_is_the_issuing_bodys_head():
    # no KT./TM./TL. line: the head of the Cục signs; the seal left the end of the title line
    head = [row for row in TOP if "TRƯỞNG" not in row[1]]
    for garbled in ("ƯỞNG", "XZ£UG TRƯỞNG"):
        m = extract(doc_of(page([*head, (1640, garbled, 1090), (1850, "Nguyễn Minh Hạnh", 1040)])))
        assert m.value("chuc_vu_ky") == "Cục trưởng", garbled
        assert m.fields["chuc_vu_ky"].confidence <= 0.5
    # guards: a tail no head's title has, two lines that both end so (a KT. line and a deputy's title
    # that lost their heads), or no line at all, give no title
    for rows in ([(1640, "ĐỨC", 1090)], [(1600, "ƯỞNG", 1090), (1640, "ƯỞNG", 1090)], []):
        m = extract(doc_of(page([*head, *rows, (1850, "Nguyễn Minh Hạnh", 1040)])))
        assert m.value("chuc_vu_ky") is None, rows


def test_a_two_word_name_off_the_signer_blocks_axis_lost_its_family_name():
    # the block (KT. line, title, name) is centred on one axis (Decree 30, Appendix I); "Hoàng Tuấn" read
    # right of it is "Trần Hoàng Tuấn" whose "Trần" the signature covered: not guessed, flagged
    centre = 1080 + 14 * 14 // 2
    centred = extract(doc_of(page([*TOP, (1850, "Hoàng Tuấn", centre - 70)])))
    assert centred.value("nguoi_ky") == "Hoàng Tuấn" and "nguoi_ky.family_name_lost" not in centred.reasons
    shifted = extract(doc_of(page([*TOP, (1850, "Hoàng Tuấn", centre - 105 + 70)])))
    assert shifted.value("nguoi_ky") is None and "nguoi_ky.family_name_lost" in shifted.reasons
    # a full name a little off the axis is a full name
    full = extract(doc_of(page([*TOP, (1850, "Trần Hoàng Tuấn", centre - 105 + 20)])))
    assert full.value("nguoi_ky") == "Trần Hoàng Tuấn"


def test_a_piece_of_a_title_under_the_heads_title_under_tm_is_the_deputys():
    # "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" whose KT. and most of the deputy's title the
    # seal took: the head's title twice is a deputy signing for the head
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    rows += [(1600, "TM. ỦY BAN NHÂN DÂN", 1060), (1640, "CHỦ TỊCH", 1120)]
    name = (1850, "Nguyễn Văn An", 1090)
    for piece in ("TỊC", "HỦ TỊC", "CHỦ"):
        m = extract(doc_of(page([*rows, (1680, piece, 1150), name])))
        assert m.value("chuc_vu_ky") == "Phó Chủ tịch", piece
        assert m.fields["chuc_vu_ky"].confidence <= 0.5
        assert m.value("hinh_thuc_ky") == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH", piece
    # guards: a line that is no piece of the title (the seal's ring), or a second reading of the same row
    for other in ((1680, "NHÂN", 1150), (1645, "TỊC", 1150)):
        m = extract(doc_of(page([*rows, other, name])))
        assert m.value("chuc_vu_ky") == "Chủ tịch" and m.value("hinh_thuc_ky") == "TM. ỦY BAN NHÂN DÂN", other


def test_an_authority_line_with_a_signatures_stroke_glued_in_front_is_still_one():
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    rows += [(1600, "—_KT, CHỦ TỊCH", 1080), (1640, "CHỦ TỊCH", 1120), (1850, "Nguyễn Văn An", 1090)]
    m = extract(doc_of(page(rows)))
    assert m.value("hinh_thuc_ky") == "KT. CHỦ TỊCH" and m.value("chuc_vu_ky") == "Phó Chủ tịch"


def test_a_title_that_lost_its_first_word_is_the_one_usual_title_that_ends_so():
    rows = [r for r in TOP if r[1] not in ("KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG")]
    name = (1850, "Nguyễn Quốc Việt", 1090)
    for authority, garbled, title in (
        ("TL. CHỦ TỊCH", "VĂN PHÒNG", "Chánh Văn phòng"),
        ("TL. CHỦ TỊCH", "2zz-SRÁNH VĂN PHÒNG", "Chánh Văn phòng"),
        ("KT. CHÁNH VĂN PHÒNG", "VĂN PHÒNG", "Phó Chánh Văn phòng"),
    ):
        m = extract(doc_of(page([*rows, (1600, authority, 1080), (1640, garbled, 1100), name])))
        assert m.value("chuc_vu_ky") == title, garbled
        assert m.fields["chuc_vu_ky"].confidence <= 0.5
    # guards: a tail many titles share, and what is left of an authority line, give no title
    for authority, garbled in (("TL. CHỦ TỊCH", "Z£ TRƯỞNG"), ("TM. ỦY BAN NHÂN DÂN", "N[. CHỦ TỊCH")):
        m = extract(doc_of(page([*rows, (1600, authority, 1080), (1640, garbled, 1100), name])))
        assert m.value("chuc_vu_ky") is None, garbled
