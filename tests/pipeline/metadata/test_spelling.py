"""Tone marks repaired where OCR made a word that Vietnamese does not have (pipeline.metadata.spelling)."""

from __future__ import annotations

import pytest

from pipeline.metadata.spelling import repair_nonwords


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Về việc tổ chức buỗi gặp mặt", "Về việc tổ chức buổi gặp mặt"),  # no such word
        ("Kế hoạch triễn khai", "Kế hoạch triển khai"),  # a typo the web has, but rarely
        ("báo cáo kết quả thưc hiện", "báo cáo kết quả thực hiện"),
        ("XỮ LÝ VI PHẠM", "XỬ LÝ VI PHẠM"),  # the case of the word is kept
    ],
)
def test_a_word_vietnamese_does_not_have_becomes_the_common_word_it_folds_to(read, meant):
    assert repair_nonwords(read) == meant


@pytest.mark.parametrize(
    "text",
    [
        "Tuần lễ văn hóa",  # tuần and tuấn are both words: never changed
        "rà soát thủ tục hành chính",  # rà is far rarer than ra, but a word
        "cấp hộ chiều công vụ",  # a wrong but real word is the document's own business (respell)
        "số hoá tài liệu",  # the other placement of the same tone mark
        "COVID-19 và UBND tỉnh Quảng Ninh",  # no diacritics: codes, foreign words
        "Về việc khen thưởng ông Nguyễn Văn Tuẫn",  # capitalised after the first word: a name
    ],
)
def test_real_words_names_and_codes_are_left_as_read(text):
    assert repair_nonwords(text) == text


def test_a_local_units_kind_before_a_place_name_is_spelt_as_the_law_spells_it():
    from pipeline.metadata.spelling import repair_units

    assert repair_units("Trường Mầm non thị trần Mộ Đức, tại thị trần Mộ Đức") == (
        "Trường Mầm non thị trấn Mộ Đức, tại thị trấn Mộ Đức"
    )
    assert repair_units("THỊ TRẦN MỘ ĐỨC") == "THỊ TRẤN MỘ ĐỨC"
    assert repair_units("thi xa Đức Phổ") == "thị xã Đức Phổ"
    # no place name after it, or a one-word kind (xa, quan are words of their own): left as read
    assert repair_units("thị trần nhà") == "thị trần nhà"
    assert repair_units("đi xa Hà Nội") == "đi xa Hà Nội"
