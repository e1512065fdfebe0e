"""Type names and Appendix III codes, place names, header spelling repair and position casing."""

import pytest

from pipeline.metadata.casing import repair_upper, sentence_case_position
from pipeline.metadata.lexicon import province, type_by_code, type_by_name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("QĐ", "Quyết định"),
        ("QD", "Quyết định"),
        ("NQ", "Nghị quyết"),
        ("TTr", "Tờ trình"),
        ("GM", "Giấy mời"),
        ("QyĐ", "Quy định"),
        ("CTr", "Chương trình"),
        ("CT", "Chỉ thị"),
        ("HD", "Hướng dẫn"),
        ("HĐ", "Hợp đồng"),
        ("ĐA", "Đề án"),
        ("DA", "Dự án"),
        ("GUQ", "Giấy ủy quyền"),
        ("GP", "Giấy phép"),
    ],
)
def test_type_by_code(code, name):
    assert type_by_code(code).name == name


def test_unknown_codes_are_not_types():
    assert type_by_code("UBND") is None
    assert type_by_code("SNgV") is None


@pytest.mark.parametrize("text", ["QUYẾT ĐỊNH", "QUYÉT ĐỊNH", "Quyet dinh", "quyết định"])
def test_type_by_name_tolerates_lost_diacritics(text):
    assert type_by_name(text).code == "QĐ"


def test_province_repairs_one_ocr_error_only_when_unique():
    assert province("Quảng Nữnh") == "Quảng Ninh"
    assert province("Ha Noi") == "Hà Nội"
    assert province("Sa Pa") is None


def test_repair_upper_restores_header_words_but_keeps_place_names():
    assert repair_upper("UBND TĨNH HÀ TĨNH") == "UBND TỈNH HÀ TĨNH"
    assert repair_upper("THƯỢNG KHÂN") == "THƯỢNG KHẨN"
    assert repair_upper("Sở Ngoại vụ") == "Sở Ngoại vụ"  # not upper case: untouched


def test_repair_upper_leaves_the_proper_name_after_a_units_kind():
    # Quảng Ngãi has communes named Tịnh ...: after XÃ, HUYỆN ... a single word is the name's, not TỈNH
    assert repair_upper("ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ") == "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ"
    assert repair_upper("HUYỆN TĨNH GIA") == "HUYỆN TĨNH GIA"
    assert repair_upper("ỦY BAN NHÂN DÂN HUYỆN SƠN TỊNH") == "ỦY BAN NHÂN DÂN HUYỆN SƠN TỊNH"  # all the name
    assert repair_upper("ỦY BAN NHÂN DÂN TĨNH QUẢNG NGÃI") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert repair_upper("UBND TỈNH THỪA THIÊN HUÊ") == "UBND TỈNH THỪA THIÊN HUẾ"  # a whole name still is


def test_repair_upper_reads_a_small_l_among_capitals_as_an_i():
    assert repair_upper("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃl") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert repair_upper("KT. GlÁM ĐỐC") == "KT. GIÁM ĐỐC"
    assert repair_upper("Sở SNgV Quảng Ngãi") == "Sở SNgV Quảng Ngãi"  # not a word of capitals


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("PHÓ GIÁM ĐỐC", "Phó Giám đốc"),
        ("CHỦ TỊCH", "Chủ tịch"),
        ("CHÁNH VĂN PHÒNG", "Chánh Văn phòng"),
        ("THỨ TRƯỞNG", "Thứ trưởng"),
        ("CỤC TRƯỞNG CỤC LÃNH SỰ", "Cục trưởng Cục Lãnh sự"),
        ("GIÁM ĐỐC SỞ NGOẠI VỤ", "Giám đốc Sở Ngoại vụ"),
    ],
)
def test_sentence_case_position(raw, want):
    assert sentence_case_position(repair_upper(raw)) == want
