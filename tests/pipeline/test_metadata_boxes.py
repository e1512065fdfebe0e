"""extract() on OCR pages with word boxes: header columns merged into one OCR line are split by x."""

import pytest

from pipeline.metadata import extract
from sohoa.model.ocr import OcrDocument
from tests.pipeline.ocr_pages import CHAR_W, WIDTH, ocr_page

# Raw Tesseract order: each OCR line holds a piece of the left column and a piece of the right one.
MERGED = [
    (180, [("UBND TỈNH QUẢNG TRỊ", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)]),
    (220, [("SỞ TƯ PHÁP", 360), ("Độc lập - Tự do - Hạnh phúc", 880)]),
    (290, [("Số: 88/KH-STP", 340), ("Quảng Trị, ngày 12 tháng 5 năm 2022", 820)]),
    (400, [("KẾ HOẠCH", 770)]),
    (450, [("Triển khai số hóa hồ sơ lý lịch tư pháp", 560)]),
    (500, [("năm 2022", 740)]),
    (580, [("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Tư pháp ban hành Kế hoạch như sau:", 270)]),
    (1600, [("Nơi nhận:", 260), ("KT. GIÁM ĐỐC", 1050)]),
    (1640, [("- UBND tỉnh (để b/c);", 270), ("PHÓ GIÁM ĐỐC", 1040)]),
    (1680, [("- Lưu: VT, HCTP.", 270)]),
    (1850, [("Hồ Văn Tâm", 1060)]),
]


def test_merged_columns_are_split_by_word_boxes():
    doc = OcrDocument(
        file_name="kh.png",
        sha256="0" * 64,
        media_type="image/png",
        pages=[ocr_page(MERGED)],
        languages="vie",
    )
    m = extract(doc)
    v = {k: f.value for k, f in m.fields.items()}
    assert v["so_ky_hieu"] == "88/KH-STP"
    assert v["co_quan_ban_hanh"] == "SỞ TƯ PHÁP"
    assert v["co_quan_chu_quan"] == "UBND TỈNH QUẢNG TRỊ"
    assert v["ngay_ban_hanh"] == "2022-05-12"
    assert v["noi_ban_hanh"] == "Quảng Trị"
    assert v["loai_van_ban"] == "Kế hoạch"
    assert v["trich_yeu"] == "Triển khai số hóa hồ sơ lý lịch tư pháp năm 2022"
    assert v["hinh_thuc_ky"] == "KT. GIÁM ĐỐC"
    assert v["chuc_vu_ky"] == "Phó Giám đốc"
    assert v["nguoi_ky"] == "Hồ Văn Tâm"
    assert v["noi_nhan"] == ["UBND tỉnh (để b/c)", "Lưu: VT, HCTP"]
    # The number's box is that of its words in the left column, not of the merged OCR line.
    box = m.fields["so_ky_hieu"].box
    assert box is not None and box[0] >= 340 + CHAR_W * 4 and box[0] + box[2] < WIDTH / 2
    assert not m.needs_review


def test_low_ocr_confidence_sends_the_document_to_review():
    doc = OcrDocument(
        file_name="kh.png",
        sha256="0" * 64,
        media_type="image/png",
        pages=[ocr_page(MERGED, conf=10.0)],
        languages="vie",
    )
    m = extract(doc)
    assert m.fields["so_ky_hieu"].value == "88/KH-STP"
    assert m.fields["so_ky_hieu"].confidence < 0.6
    assert m.needs_review
    assert "so_ky_hieu.uncertain" in m.reasons


def _with_subject(*rows: tuple[int, str, int]) -> OcrDocument:
    kept = [r for r in MERGED if r[0] < 450 or r[0] >= 1600]
    page = ocr_page(sorted([*kept, *((y, [(t, x)]) for y, t, x in rows)], key=lambda r: r[0]))
    return OcrDocument(
        file_name="kh.png", sha256="0" * 64, media_type="image/png", pages=[page], languages="vie"
    )


def test_a_capitalised_first_sentence_right_under_the_subject_is_body():
    # heavy damage lost the rule under the subject: the body's long first line sits centred right below
    body = "Ngày 22 tháng 3 năm 2022, Sở Tư pháp đã tổ chức họp để thống nhất việc triển khai như sau:"
    m = extract(_with_subject((450, "Triển khai số hóa hồ sơ lý lịch tư pháp", 560), (495, body, 270)))
    assert m.fields["trich_yeu"].value == "Triển khai số hóa hồ sơ lý lịch tư pháp"
    # a wrapped subject line goes on in lower case, date and all
    wrapped = extract(
        _with_subject(
            (450, "Triển khai Quyết định số 12/QĐ-BTP", 560), (495, "ngày 22 tháng 3 năm 2022", 660)
        )
    )
    assert wrapped.fields["trich_yeu"].value == "Triển khai Quyết định số 12/QĐ-BTP ngày 22 tháng 3 năm 2022"


def test_a_full_stop_before_a_lower_case_word_of_the_subject_is_a_speck():
    m = extract(
        _with_subject((450, "Triển khai số hóa hồ sơ lý lịch tư. pháp", 560), (495, "năm 2022.", 740))
    )
    assert m.fields["trich_yeu"].value == "Triển khai số hóa hồ sơ lý lịch tư pháp năm 2022"


def _with_header_row(number: str, date: str) -> OcrDocument:
    rows = [(y, [(number, 340), (date, 820)]) if y == 290 else (y, pieces) for y, pieces in MERGED]
    return OcrDocument(
        file_name="kh.png", sha256="0" * 64, media_type="image/png", pages=[ocr_page(rows)], languages="vie"
    )


def test_a_slash_read_as_a_word_of_its_own_keeps_the_number():
    # the blank left spaces on both sides of the printed slash: OCR gives it as a lone word
    m = extract(_with_header_row("Số: 88 / KH-STP", "Quảng Trị, ngày 12 tháng 5 năm 2022"))
    assert m.fields["so_ky_hieu"].value == "88/KH-STP"
    assert m.fields["co_quan_ban_hanh"].value == "SỞ TƯ PHÁP"


def test_a_date_in_figures_after_ngay_keeps_its_place():
    m = extract(_with_header_row("Số: 88/KH-STP", "Quảng Trị, ngày 12/5/2022"))
    assert m.fields["ngay_ban_hanh"].value == "2022-05-12"
    assert m.fields["noi_ban_hanh"].value == "Quảng Trị"


def test_a_place_whose_comma_ocr_lost_is_still_the_place():
    for date in ("Quảng Trị ngày 12 tháng 5 năm 2022", "Quảng Trị , ngày 12 tháng 5 năm 2022"):
        m = extract(_with_header_row("Số: 88/KH-STP", date))
        assert m.fields["noi_ban_hanh"].value == "Quảng Trị", date
        assert m.fields["ngay_ban_hanh"].value == "2022-05-12"


@pytest.mark.parametrize("debris", ["li CỘNG BẢO", "J2 BẢO VÀ TÌN HỌC"])
def test_debris_that_names_no_body_above_the_header_is_no_parent_body(debris):
    # a signature overlay rendered into the page, its labels garbled by OCR, leaves a fragment up there:
    # in mixed case, or in capitals that no agency word opens and no known body spells
    rows = [(140, [(debris, 300)]), *MERGED]
    doc = OcrDocument(
        file_name="kh.png", sha256="0" * 64, media_type="image/png", pages=[ocr_page(rows)], languages="vie"
    )
    m = extract(doc)
    assert m.fields["co_quan_chu_quan"].value == "UBND TỈNH QUẢNG TRỊ"
    assert m.fields["co_quan_ban_hanh"].value == "SỞ TƯ PHÁP"


def test_a_corporation_over_its_member_is_the_parent_body():
    rows = [(140, [("TỔNG CÔNG TY ĐIỆN LỰC MIỀN TRUNG", 300)]), *MERGED]
    doc = OcrDocument(
        file_name="kh.png", sha256="0" * 64, media_type="image/png", pages=[ocr_page(rows)], languages="vie"
    )
    assert extract(doc).fields["co_quan_chu_quan"].value.startswith("TỔNG CÔNG TY ĐIỆN LỰC MIỀN TRUNG")
