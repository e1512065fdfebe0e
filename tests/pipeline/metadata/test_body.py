"""The subject (trích yếu) of a công văn whose ``V/v`` label OCR lost."""

from __future__ import annotations

from pipeline.metadata import extract
from tests.pipeline.ocr_pages import ocr_page as page
from tests.pipeline.test_metadata_real_scans import doc_of

HEAD = [
    (180, [("BỘ NGOẠI GIAO", 340), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 760)]),
    (230, [("Độc lập - Tự do - Hạnh phúc", 880)]),
    (300, [("Số: 2558/BNG-VP", 350), ("Hà Nội, ngày 31 tháng 10 năm 2018", 860)]),
]
BODY = [
    (490, [("Kính gửi: Sở Ngoại vụ các tỉnh, thành phố.", 540)]),
    (555, [("Thực hiện ý kiến chỉ đạo của Lãnh đạo Bộ về việc rà soát,", 350)]),
]


def test_a_subject_whose_v_v_was_lost_is_the_lower_case_lines_under_the_number():
    rows = [
        *HEAD,
        (350, [("rà soát, cập nhật hồ sơ cán bộ", 320)]),
        (390, [("đi nước ngoài năm 2018", 320)]),
        *BODY,
    ]
    m = extract(doc_of(page(rows)))
    assert m.value("trich_yeu") == "rà soát, cập nhật hồ sơ cán bộ đi nước ngoài năm 2018"
    assert m.fields["trich_yeu"].confidence < 0.9  # found without its label: less sure
    assert m.value("loai_van_ban") == "Công văn"


def test_capitals_under_the_number_are_no_subject():
    rows = [*HEAD, (350, [("KHẨN", 400)]), *BODY]
    assert extract(doc_of(page(rows))).value("trich_yeu") is None
