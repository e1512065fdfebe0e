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


def test_a_pair_read_as_no_word_takes_the_documents_spelling_of_it_that_is_a_word():
    from pipeline.metadata.spelling import respell

    # a damaged scan misreads the same word all through: as many sử đụng as sử dụng (the value counted)
    body = "dự án sử đụng vốn ngân sách; sử dụng đất; sử đụng nguồn vốn; sử dụng hóa đơn"
    assert respell("dự án sử đụng vốn ngân sách", body) == "dự án sử dụng vốn ngân sách"
    # a pair that spans no word boundary is the word even when the misread is the more common
    body = "Tố chức đón tiếp đoàn; tố chức hội nghị; tố chức thực hiện; các tổ chức"
    assert respell("Tố chức đón tiếp đoàn", body) == "Tổ chức đón tiếp đoàn"
    # the misread the scan repeats in another pair (Trường Mâm, no word either way) does not keep it
    body = "dự án Trường Mâm non thị trấn; Trường Mâm non; trường mầm non; Trường Mâm"
    assert respell("dự án Trường Mâm non thị trấn", body) == "dự án Trường Mầm non thị trấn"
    # the document never prints the other spelling: two words that fold alike are left as read
    body = "quy định tại khoản 2 Điều 5; tại khoản 3"
    assert respell("quy định tại khoản 2 Điều 5", body) == "quy định tại khoản 2 Điều 5"
    # ... and when it does, the many ``định tại`` of the document keep the value's ``tại``
    body = "quy định tại khoản 2 Điều 5; quy định tại khoản 3; quy định tại khoản 4; sao kê tài khoản"
    assert respell("quy định tại khoản 2 Điều 5", body) == "quy định tại khoản 2 Điều 5"
    # one misread that is a word (bàn tính) does not outvote the value's spelling printed twice more
    body = "trên địa bàn tỉnh Quảng Ngãi; địa bàn tỉnh; địa bàn tỉnh; bàn tính"
    assert respell("trên địa bàn tỉnh Quảng Ngãi", body) == "trên địa bàn tỉnh Quảng Ngãi"


def test_a_word_as_read_is_never_respelt_into_no_word():
    from pipeline.metadata.spelling import respell

    # the document misread địa bàn more often than it read it: the counts alone would take địa bản
    body = "trên địa bàn tỉnh Quảng Ngãi; địa bản huyện; trên địa bản; các địa bản"
    assert respell("trên địa bàn tỉnh Quảng Ngãi", body) == "trên địa bàn tỉnh Quảng Ngãi"
    # nor through its other pair: tứ quý is a word, but điện tứ is none while điện tử is
    body = "môi trường điện tử quý III; tứ quý; tứ quý"
    assert respell("môi trường điện tử quý III", body) == "môi trường điện tử quý III"


def test_tinh_before_a_provinces_name_is_the_unit_and_the_name_is_spelt_as_the_law_does():
    from pipeline.metadata.spelling import repair_units

    assert repair_units("ngoài ngân sách nhà nước tại tĩnh Quảng Ngãi") == (
        "ngoài ngân sách nhà nước tại tỉnh Quảng Ngãi"
    )
    assert repair_units("trên địa bàn tỉnh Quảng Ngải.") == "trên địa bàn tỉnh Quảng Ngãi."
    assert repair_units("TỈNH QUẢNG NGÃI") == "TỈNH QUẢNG NGÃI"
    # no province after it (a word of its own), a city (thành phố goes before it), no capital: as read
    assert repair_units("tính toán lại") == "tính toán lại"
    assert repair_units("tĩnh Hà Nội") == "tĩnh Hà Nội"
    assert repair_units("tinh quảng ngãi") == "tinh quảng ngãi"


def test_the_lexicon_of_two_syllable_words_is_lower_case_nfc_and_has_the_common_words():
    import unicodedata

    from pipeline.metadata.reference import compounds

    words = compounds()
    assert len(words) > 20_000
    assert all(w == unicodedata.normalize("NFC", w) == w.lower() and len(w.split()) == 2 for w in words)
    assert {"sử dụng", "địa bàn", "mầm non", "cổ phần", "dột nát"} <= set(words)
    assert "địa bản" not in words and "sử đụng" not in words
