"""The shared text normalization: fold, nfc and the document-number key."""

import pytest

from sohoa.text import doc_number_key, fold, nfc


def test_fold_removes_diacritics_and_keeps_length():
    text = "Quyết định số 1340/QĐ-UBND của Ủy ban nhân dân tỉnh Đồng Nai"
    assert fold(text) == "quyet dinh so 1340/qd-ubnd cua uy ban nhan dan tinh dong nai"
    assert len(fold(text)) == len(text)


def test_fold_treats_eth_lookalike_as_d():
    assert fold("ÐỒNG") == fold("ĐỒNG") == "dong"


def test_fold_accepts_decomposed_input():
    assert fold("Quye\u0302\u0301t") == "quyet"


def test_nfc_repairs_lookalikes_and_spaces():
    assert nfc("QÐ\u00a0UBND") == "QĐ UBND"
    assert nfc("Ho\u0300a") == "Hòa"


@pytest.mark.parametrize(
    "variant",
    ["1340/QĐ-UBND", "1340/qđ-ubnd", "1340 QĐ UBND", "1340/QD-UBND", "Số: 1340/QĐ-UBND", "1340/QÐ-UBND"],
)
def test_number_key_variants_share_a_key(variant):
    assert doc_number_key(variant) == "1340-QD-UBND"


def test_number_key_keeps_year_and_drops_leading_zeros():
    assert doc_number_key("195/2025/QĐ-BNG") == "195-2025-QD-BNG"
    assert doc_number_key("06/BC-SNV") == doc_number_key("6/BC-SNV")


def test_number_key_distinguishes_different_numbers():
    assert doc_number_key("1340/QĐ-UBND") != doc_number_key("1341/QĐ-UBND")
    assert doc_number_key("125/UBND-KT") != doc_number_key("125/KT-UBND")


def test_number_key_of_nothing_is_empty():
    assert doc_number_key("") == ""
    assert doc_number_key(" -/ ") == ""


def test_strip_tones_keeps_the_letters_own_marks():
    from sohoa.text import strip_tones

    assert strip_tones("Tuấn") == "Tuân" and strip_tones("Hưởng Đức") == "Hương Đưc"
    assert strip_tones("tuần") == strip_tones("tuấn") != strip_tones("tuan")
