"""Normalization helpers shared with the search index: fold, nfc, canonical_number."""

import pytest

from pipeline.metadata.normalize import canonical_number, fold, nfc


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
def test_canonical_number_variants_share_a_key(variant):
    assert canonical_number(variant) == "1340/qd/ubnd"


def test_canonical_number_keeps_year_and_drops_leading_zeros():
    assert canonical_number("195/2025/QĐ-BNG") == "195/2025/qd/bng"
    assert canonical_number("06/BC-SNV") == canonical_number("6/BC-SNV")


def test_canonical_number_distinguishes_different_numbers():
    assert canonical_number("1340/QĐ-UBND") != canonical_number("1341/QĐ-UBND")
    assert canonical_number("125/UBND-KT") != canonical_number("125/KT-UBND")


def test_canonical_number_of_nothing_is_none():
    assert canonical_number("") is None
    assert canonical_number(" -/ ") is None
