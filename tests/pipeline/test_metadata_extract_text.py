"""extract_text on realistic documents written for these tests (several types, both header orders, noise)."""

import pytest

from pipeline.metadata import extract_text
from sohoa.model.document import FIELD_NAMES

QD_READING_ORDER = """ỦY BAN NHÂN DÂN
TỈNH KHÁNH HÒA
Số: 1340/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Khánh Hòa, ngày 03 tháng 3 năm 2023
QUYẾT ĐỊNH
Về việc ban hành Quy chế tiếp nhận, quản lý hồ sơ
xuất cảnh của cán bộ, công chức
ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế tiếp nhận hồ sơ.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký./.
Nơi nhận:
- Như Điều 2;
- Bộ Ngoại giao;
- Lưu: VT, NC.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Trịnh Minh Khoa
"""

# The same header as raw Tesseract prints it: both columns merged line by line, diacritics lost.
QD_MERGED_NOISY = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TĨNH KHÁNH HÒA Độc lập - Tự do - Hạnh phúc
So: 1340/QD-UBND Khánh Hòa, ngày 03 tháng 3 năm 2023
QUYÉT ĐỊNH
Về việc ban hành Quy chế tiếp nhận, quản lý hồ sơ
xuất cảnh của cán bộ, công chức
ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Nơi nhận: TM. ỦY BAN NHÂN DÂN
- Như Điều 2; KT. CHỦ TỊCH
- Bộ Ngoại giao; PHÓ CHỦ TỊCH
- Lưu: VT, NC.
Trịnh Minh Khoa
"""

CONG_VAN = """BỘ CÔNG THƯƠNG
VỤ THỊ TRƯỜNG CHÂU ÂU - CHÂU MỸ
Số: 125/TTCA-XNK
V/v đề nghị cung cấp thông tin
về doanh nghiệp xuất khẩu
KHẨN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 7 tháng 11 năm 2022
Kính gửi: - Sở Công Thương các tỉnh, thành phố;
- Hiệp hội Dệt may Việt Nam.
Thực hiện chỉ đạo của Lãnh đạo Bộ, Vụ Thị trường châu Âu - châu Mỹ đề nghị các đơn vị
phối hợp cung cấp thông tin./.
Nơi nhận:
- Như trên;
- Lưu: VT, XNK.
TL. BỘ TRƯỞNG
VỤ TRƯỞNG VỤ THỊ TRƯỜNG CHÂU ÂU - CHÂU MỸ
Đỗ Thị Lan Hương
"""

THONG_BAO = """BỘ Y TẾ
CỤC QUẢN LÝ KHÁM, CHỮA BỆNH
Số: 42/TB-KCB
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 15 tháng 8 năm 2021
THÔNG BÁO
Kết luận của Cục trưởng tại cuộc họp giao ban tháng 8
Ngày 12 tháng 8 năm 2021, Cục Quản lý Khám, chữa bệnh tổ chức họp giao ban.
Nơi nhận:
- Các phòng thuộc Cục;
- Lưu: VT, VP.
CỤC TRƯỞNG
Lương Ngọc Tuấn
"""

GIAY_MOI = """ỦY BAN NHÂN DÂN
THÀNH PHỐ CẦN THƠ
SỞ NGOẠI VỤ
Số: 18/GM-SNgV
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Cần Thơ, ngày 29 tháng 02 năm 2024
GIẤY MỜI
Dự hội nghị tập huấn công tác lãnh sự năm 2024
Sở Ngoại vụ trân trọng kính mời đại diện lãnh đạo các sở, ban, ngành tham dự.
"""

NGHI_QUYET_NUMERIC_DATE = """HỘI ĐỒNG NHÂN DÂN
TỈNH SƠN LA
Số: 07/2023/NQ-HĐND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Sơn La, 14/7/2023
NGHỊ QUYẾT
Quy định mức chi tiếp khách nước ngoài trên địa bàn tỉnh
HỘI ĐỒNG NHÂN DÂN TỈNH SƠN LA
"""

NO_FIELDS = """Biên soạn tài liệu hướng dẫn sử dụng phần mềm quản lý văn bản.
Người dùng đăng nhập bằng tài khoản được cấp, chọn mục tìm kiếm và nhập từ khóa.
Kết quả hiển thị theo thứ tự thời gian, mới nhất ở trên cùng.
"""


def values(text):
    return {k: v.value for k, v in extract_text(text).fields.items()}


def test_quyet_dinh_in_reading_order():
    v = values(QD_READING_ORDER)
    assert v["so_ky_hieu"] == "1340/QĐ-UBND"
    assert v["so"] == 1340
    assert v["ky_hieu"] == "QĐ-UBND"
    assert v["ngay_ban_hanh"] == "2023-03-03"
    assert v["noi_ban_hanh"] == "Khánh Hòa"
    assert v["loai_van_ban"] == "Quyết định"
    assert v["ma_loai"] == "QĐ"
    assert v["co_quan_ban_hanh"] == "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA"
    assert v["co_quan_chu_quan"] is None
    assert v["trich_yeu"] == "ban hành Quy chế tiếp nhận, quản lý hồ sơ xuất cảnh của cán bộ, công chức"
    # two authority lines are one form, joined (the convention of the real-scan labels)
    assert v["hinh_thuc_ky"] == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"
    assert v["chuc_vu_ky"] == "Phó Chủ tịch"
    assert v["nguoi_ky"] == "Trịnh Minh Khoa"
    assert v["noi_nhan"] == ["Như Điều 2", "Bộ Ngoại giao", "Lưu: VT, NC"]
    assert v["do_khan"] is None and v["do_mat"] is None


def test_merged_header_and_noisy_ocr_give_the_same_key_fields():
    clean, noisy = values(QD_READING_ORDER), values(QD_MERGED_NOISY)
    for name in (
        "so_ky_hieu",
        "ngay_ban_hanh",
        "noi_ban_hanh",
        "loai_van_ban",
        "ma_loai",
        "co_quan_ban_hanh",
        "trich_yeu",
        "hinh_thuc_ky",
        "chuc_vu_ky",
        "nguoi_ky",
        "noi_nhan",
    ):
        assert noisy[name] == clean[name], name


def test_cong_van_with_vv_marks_and_recipients():
    m = extract_text(CONG_VAN)
    v = {k: f.value for k, f in m.fields.items()}
    assert v["so_ky_hieu"] == "125/TTCA-XNK"
    assert v["loai_van_ban"] == "Công văn"
    assert v["ma_loai"] is None
    assert v["co_quan_ban_hanh"] == "VỤ THỊ TRƯỜNG CHÂU ÂU - CHÂU MỸ"
    assert v["co_quan_chu_quan"] == "BỘ CÔNG THƯƠNG"
    assert v["trich_yeu"] == "đề nghị cung cấp thông tin về doanh nghiệp xuất khẩu"
    assert v["do_khan"] == "Khẩn"
    assert v["kinh_gui"] == ["Sở Công Thương các tỉnh, thành phố", "Hiệp hội Dệt may Việt Nam"]
    assert v["hinh_thuc_ky"] == "TL. BỘ TRƯỞNG"
    assert v["nguoi_ky"] == "Đỗ Thị Lan Hương"
    assert v["ngay_ban_hanh"] == "2022-11-07"
    assert not m.needs_review


def test_thong_bao_subject_stops_at_the_body():
    v = values(THONG_BAO)
    assert v["loai_van_ban"] == "Thông báo" and v["ma_loai"] == "TB"
    assert v["trich_yeu"] == "Kết luận của Cục trưởng tại cuộc họp giao ban tháng 8"
    assert v["co_quan_ban_hanh"] == "CỤC QUẢN LÝ KHÁM, CHỮA BỆNH"
    assert v["chuc_vu_ky"] == "Cục trưởng"
    assert v["hinh_thuc_ky"] is None
    assert v["ngay_ban_hanh"] == "2021-08-15"  # the header date, not the one in the body


def test_giay_moi_leap_day_and_three_level_header():
    v = values(GIAY_MOI)
    assert v["ngay_ban_hanh"] == "2024-02-29"
    assert v["loai_van_ban"] == "Giấy mời" and v["ma_loai"] == "GM"
    assert v["co_quan_ban_hanh"] == "SỞ NGOẠI VỤ"
    assert v["co_quan_chu_quan"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ"
    assert v["trich_yeu"] == "Dự hội nghị tập huấn công tác lãnh sự năm 2024"


def test_nghi_quyet_with_year_in_number_and_numeric_date():
    v = values(NGHI_QUYET_NUMERIC_DATE)
    assert v["so_ky_hieu"] == "07/2023/NQ-HĐND"
    assert v["so"] == 7 and v["ky_hieu"] == "2023/NQ-HĐND"
    assert v["ngay_ban_hanh"] == "2023-07-14"
    assert v["noi_ban_hanh"] == "Sơn La"
    assert v["loai_van_ban"] == "Nghị quyết"
    assert v["trich_yeu"] == "Quy định mức chi tiếp khách nước ngoài trên địa bàn tỉnh"


def test_invalid_dates_are_rejected():
    text = QD_READING_ORDER.replace("ngày 03 tháng 3 năm 2023", "ngày 31 tháng 02 năm 2023")
    assert values(text)["ngay_ban_hanh"] is None
    text = QD_READING_ORDER.replace("năm 2023", "năm 1823", 1)
    assert values(text)["ngay_ban_hanh"] is None


def test_ocr_lookalikes_in_number_and_type_are_restored():
    text = QD_READING_ORDER.replace("Số: 1340/QĐ-UBND", "S6: l340/QÐ-UBND").replace(
        "QUYẾT ĐỊNH\n", "QUYET DINH\n", 1
    )
    v = values(text)
    assert v["so_ky_hieu"] == "1340/QĐ-UBND"
    assert v["loai_van_ban"] == "Quyết định"


def test_old_spelling_of_urgency_and_secrecy():
    text = CONG_VAN.replace("KHẨN\n", "HOẢ TỐC\nTỐI MẬT\n")
    v = values(text)
    assert v["do_khan"] == "Hỏa tốc"
    assert v["do_mat"] == "Tối mật"


def test_body_words_are_not_marks():
    text = THONG_BAO.replace("tổ chức họp giao ban.", "tổ chức họp giao ban.\nmật\nKhẩn trương thực hiện.")
    v = values(text)
    assert v["do_mat"] is None and v["do_khan"] is None


def test_dossier_code_of_a_procedure_result():
    text = GIAY_MOI + "Mã hồ sơ: 000.00.20.H13-240229-0015\n"
    assert values(text)["ma_ho_so"] == "000.00.20.H13-240229-0015"


def test_text_without_any_field_comes_back_empty_and_flagged():
    m = extract_text(NO_FIELDS)
    assert set(m.fields) == set(FIELD_NAMES)
    assert all(f.value is None for f in m.fields.values()), {
        k: f.value for k, f in m.fields.items() if f.value
    }
    assert m.needs_review
    assert "so_ky_hieu.missing" in m.reasons


def test_confidence_and_span_point_at_the_source():
    m = extract_text(QD_READING_ORDER)
    f = m.fields["so_ky_hieu"]
    assert 0.9 <= f.confidence <= 1.0
    assert QD_READING_ORDER[f.span[0] : f.span[1]] == "1340/QĐ-UBND"
    assert f.page == 1


@pytest.mark.parametrize("mark", ["V/y", "Vv", "V/ v"])
def test_vv_as_ocr_misreads_it_still_opens_the_subject(mark):
    assert (
        values(CONG_VAN.replace("V/v", mark))["trich_yeu"]
        == "đề nghị cung cấp thông tin về doanh nghiệp xuất khẩu"
    )


def test_a_subject_typed_in_capitals_under_the_title_is_kept_as_typed():
    text = NGHI_QUYET_NUMERIC_DATE.replace(
        "Quy định mức chi tiếp khách nước ngoài trên địa bàn tỉnh", "VỀ VIỆC QUY ĐỊNH MỨC CHI TIẾP KHÁCH"
    )
    assert values(text)["trich_yeu"] == "QUY ĐỊNH MỨC CHI TIẾP KHÁCH"


def test_recipients_tone_marks_are_repaired_as_the_subjects_are():
    """``Lứu`` is no word, ``tinh`` before a province is ``tỉnh``, ``thành phô`` is ``thành phố``."""
    noisy = CONG_VAN.replace("- Sở Công Thương các tỉnh, thành phố;", "- Công an tinh Hà Tĩnh;").replace(
        "- Như trên;\n- Lưu: VT, XNK.", "- Như trên;\n- UBND thành phô Đà Nẵng;\n- Lứu: VT, XNK."
    )
    v = values(noisy)
    assert v["kinh_gui"] == ["Công an tỉnh Hà Tĩnh", "Hiệp hội Dệt may Việt Nam"]
    assert v["noi_nhan"] == ["Như trên", "UBND thành phố Đà Nẵng", "Lưu: VT, XNK"]
    assert values(CONG_VAN)["noi_nhan"] == ["Như trên", "Lưu: VT, XNK"]
