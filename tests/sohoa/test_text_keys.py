"""Pure tests of the keyword normalization the index filters on (no service)."""

from __future__ import annotations

import unicodedata

import pytest

from sohoa.text import doc_number_key, facet_key, fold


@pytest.mark.parametrize(
    "typed",
    [
        "1340/QĐ-UBND",
        "1340/QD-UBND",
        "1340/qđ-ubnd",
        "1340 QĐ UBND",
        "Số: 1340/QĐ-UBND",
        " 1340 / qd - ubnd ",
    ],
)
def test_document_number_variants_share_one_key(typed: str) -> None:
    assert doc_number_key(typed) == "1340-QD-UBND"


def test_document_number_key_keeps_years_and_drops_leading_zeros() -> None:
    assert doc_number_key("25/2024/NĐ-CP") == "25-2024-ND-CP"
    assert doc_number_key("07/TB-CLS") == doc_number_key("7/TB-CLS") == "7-TB-CLS"
    assert doc_number_key("215/SNgV-VP") == "215-SNGV-VP"
    assert doc_number_key("1340/QĐ-UBND") != doc_number_key("1340/QĐ-SNV")
    assert doc_number_key("—") == ""


def test_fold_removes_vietnamese_diacritics_in_any_normal_form() -> None:
    text = "Quyết định ĐÀ NẴNG Ðiều lưu trữ"
    assert fold(text) == "quyet dinh da nang dieu luu tru"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)


def test_facet_key_is_case_accent_and_space_insensitive() -> None:
    assert facet_key("SỞ NGOẠI VỤ") == facet_key("Sở  Ngoại vụ ") == facet_key("so ngoai vu") == "so ngoai vu"
