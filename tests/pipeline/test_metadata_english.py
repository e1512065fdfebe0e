"""English documents: title, reference number, date formats, issuing organization."""

import pytest

from pipeline.metadata import extract_text
from pipeline.metadata.english import parse_english_date

LETTER = """EMBASSY OF AUSTRALIA
Hanoi, Viet Nam
Our ref: AE-2023/0457
3 March 2023
The Department of Consular Affairs
Ministry of Foreign Affairs of Viet Nam
Subject: Request for authentication of civil status documents
Dear Sir or Madam,
The Embassy presents its compliments to the Department and has the honour to request
the authentication of the documents listed in the attachment.
Yours faithfully,
"""


def test_english_letter():
    m = extract_text(LETTER)
    assert m.language == "en"
    v = {k: f.value for k, f in m.fields.items()}
    assert v["so_ky_hieu"] == "AE-2023/0457"
    assert v["ngay_ban_hanh"] == "2023-03-03"
    assert v["trich_yeu"] == "Request for authentication of civil status documents"
    assert v["co_quan_ban_hanh"] == "EMBASSY OF AUSTRALIA"
    assert not m.needs_review


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("3 March 2023", "2023-03-03"),
        ("March 3, 2023", "2023-03-03"),
        ("2023-03-03", "2023-03-03"),
        ("03/03/2023", "2023-03-03"),
        ("25/12/2022", "2022-12-25"),
        ("12/25/2022", "2022-12-25"),
        ("1st Sept. 2021", "2021-09-01"),
        ("Date: 14 Jul 2019", "2019-07-14"),
    ],
)
def test_english_date_formats(text, iso):
    assert parse_english_date(text)[0].isoformat() == iso


def test_impossible_english_date_is_ignored():
    assert parse_english_date("31 February 2023") is None
