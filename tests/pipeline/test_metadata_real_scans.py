"""Metadata on what real scans do to a page, with noise this test makes itself.

Each case is a failure mode seen on real provincial documents: a handwritten number or day in the blank
of the printed form, header columns merged into one OCR line, capitals glued together, tone marks
wrong on printed anchors, subjects over several lines starting with a proper name, signers' family
names with a lost tone, and the types beyond the synthetic set (Chỉ thị, Tờ trình, Hướng dẫn, Giấy
mời, Nghị định of CHÍNH PHỦ). Pages are built as OCR pages with word boxes, as the engine returns them.
"""

from __future__ import annotations

import pytest

from pipeline.metadata import Witnesses, extract, extract_text
from pipeline.metadata.consistency import code_garbled
from pipeline.metadata.numbers import agrees, number_from_file_name, read_number
from pipeline.metadata.reference import snap_issuer
from sohoa.model.ocr import BlankReading, OcrDocument, OcrPage, PageSource
from sohoa.model.signature import PdfSignature
from tests.pipeline.ocr_pages import CHAR_W
from tests.pipeline.ocr_pages import ocr_page as page


def doc_of(*pages_, name="scan.pdf"):
    return OcrDocument(file_name=name, sha256="0" * 64, media_type="application/pdf", pages=list(pages_),
                       languages="vie")  # fmt: skip


def header(number_line, date_line, title="CHỈ THỊ", subject=("Về việc tăng cường công tác phòng cháy",)):
    rows = [
        (180, [("ỦY BAN NHÂN DÂN", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)]),
        (220, [("TỈNH QUẢNG NGÃI", 300), ("Độc lập - Tự do - Hạnh phúc", 880)]),
        (300, [(number_line, 320), (date_line, 860)]),
        (420, [(title, 760)]),
    ]
    y = 470
    for s in subject:
        rows.append((y, [(s, 820 - CHAR_W * len(s) // 2)]))
        y += 40
    rows += [
        (
            y + 80,
            [("Thực hiện chỉ đạo của Thủ tướng Chính phủ, Chủ tịch Ủy ban nhân dân tỉnh yêu cầu:", 270)],
        ),
        (1600, [("Nơi nhận:", 260), ("CHỦ TỊCH", 1080)]),
        (1640, [("- Như trên;", 270)]),
        (1680, [("- Lưu: VT.", 270)]),
        (1850, [("Nguyên Quốc Việt", 1040)]),
    ]
    return rows


SIGNED = (PdfSignature(field_name="Signature1", signer="Ủy ban nhân dân tỉnh Quảng Ngãi",
                       organization="Tỉnh Quảng Ngãi", signing_time="2024-12-31T16:20:00+07:00",
                       intact=True, valid=True),)  # fmt: skip


# --- handwritten-number blanks ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "number", "blank", "repaired"),
    [
        ("Số: 88/QĐ-UBND", "88", False, False),
        ("Số: 6§0 /TB-UBND", None, True, False),
        ("Số: O4 /TTr-UBND", "04", True, True),
        ("Số:      /CT-UBND", None, True, False),
        ("Số:⁄‡6 /CT-UBND", None, True, False),
        ("Số: 25/2024/QĐ-UBND", "25", False, False),
    ],
)
def test_number_blank_keeps_the_printed_code(line, number, blank, repaired):
    r = read_number(line)
    assert r is not None
    assert r.number == number and r.blank is blank and r.repaired is repaired
    assert r.code.endswith("UBND")


def test_the_blanks_ruled_line_read_as_underscores_is_not_part_of_the_code():
    r = read_number("Số: 692 /BC-SNgV_")
    assert r is not None and r.value == "692/BC-SNgV"
    assert read_number("Số: 14 /QĐ-UBND__").code == "QĐ-UBND"


@pytest.mark.parametrize("code", ["QĐ-SKH&ĐT", "SNN&PTNT-KH", "KH-SGD&ĐT", "TB-SVHTT&DL"])
def test_an_ampersand_in_the_code_is_part_of_the_number(code):
    """GIVEN a department's initials joined by ``&`` (Sở Nông nghiệp và Phát triển nông thôn: SNN&PTNT)
    THEN the whole code is kept: a number cut at the ``&`` would be wrong and look right."""
    rows = header(f"Số: 12/{code}", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH")
    rows[0] = (180, [("UBND TỈNH QUẢNG NGÃI", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)])
    rows[1] = (220, [("SỞ KẾ HOẠCH VÀ ĐẦU TƯ", 300), ("Độc lập - Tự do - Hạnh phúc", 880)])
    assert extract(doc_of(page(rows))).value("so_ky_hieu") == f"12/{code}"
    assert read_number(f"Số: 12/{code} & Hà Nội").value == f"12/{code}"


@pytest.mark.parametrize(
    "line", ["Số: 88 1QĐ-UBND", "Số: 881QĐ-UBND", "Số: 88 |QĐ-UBND", "Số: 88 IQĐ-UBND", "Số: 88 QĐ-UBND"]
)
def test_a_number_whose_slash_ocr_lost_keeps_its_code_and_goes_to_review(line):
    """GIVEN the slash of ``88 /QĐ-UBND`` read as a stroke glued to the code, or lost THEN the printed
    code is kept, and the number, whose end the line no longer shows, is a blank a clerk checks."""
    m = extract(doc_of(page(header(line, "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))))
    assert m.value("so_ky_hieu") == "88/QĐ-UBND"
    assert "so_ky_hieu.handwritten" in m.reasons
    assert read_number("Số: 88 /Q Đ-UBND").value == "88/QĐ-UBND"  # the type code split in two
    # an issuer in short has a dash but neither a number nor the label's colon
    assert read_number("SỞ TN-MT") is None and read_number("SỞ LĐ-TB&XH") is None


def _sngv(number_line):
    rows = header(number_line, "Quảng Ninh, ngày 05 tháng 02 năm 2025", "THÔNG BÁO")
    rows[0] = (180, [("UBND TỈNH QUẢNG NINH", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)])
    rows[1] = (220, [("SỞ NGOẠI VỤ", 330), ("Độc lập - Tự do - Hạnh phúc", 880)])
    return extract(doc_of(page(rows)))


@pytest.mark.parametrize("code", ["TB-SNgv", "TB-SNqV", "TB-SNẹV", "TB-5NgV", "TB-SNgV-VPx"])
def test_a_code_whose_letters_no_office_spells_goes_to_review(code):
    """GIVEN OCR changed a letter of Sở Ngoại vụ's SNgV into one no abbreviation has (case, tone, digit)
    THEN the number is kept as read and a clerk checks it: its initials still fit the issuer."""
    m = _sngv(f"Số: 215/{code}")
    assert m.value("so_ky_hieu") == f"215/{code}"
    assert "so_ky_hieu.code_garbled" in m.reasons and m.needs_review


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Số: 215/TB-SNgV", "215/TB-SNgV"),
        ("Số: 215/TB-SNg V", "215/TB-SNgV"),  # its last letter set apart
        ("Số: 215/TB.-SNgV", "215/TB-SNgV"),  # a speck read as a dot
    ],
)
def test_a_well_spelt_code_is_no_review_reason(line, number):
    m = _sngv(line)
    assert m.value("so_ky_hieu") == number and not m.needs_review, m.reasons
    for code in ("1/QĐ-TTg", "1/QyĐ-UBND", "1/SNN&PTNT-KH", "1/KH.UBND", "1/2025/NĐ-CP", "1/CAT-PV01"):
        assert not code_garbled(code), code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("QĐ-UBNĐ", None),  # a stroke on the D: no doubt
        ("QĐ-UBN", "so_ky_hieu.code_repaired"),  # a letter lost, swapped or misread: a clerk checks
        ("QĐ-UBDN", "so_ky_hieu.code_repaired"),
        ("QĐ-UBMD", "so_ky_hieu.code_repaired"),
        ("QĐ-U BND", None),  # its head set apart
    ],
)
def test_a_peoples_committees_code_ocr_changed_a_letter_of_is_restored(code, reason):
    m = extract(doc_of(page(header(f"Số: 88/{code}", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))))
    assert m.value("so_ky_hieu") == "88/QĐ-UBND"
    assert (reason in m.reasons) if reason else not m.needs_review, m.reasons
    # the chairman's own code, an old short one and a unit's code are no misread UBND
    for other in ("QĐ-CT", "QĐ-UB", "UBND-VX"):
        m = extract(
            doc_of(page(header(f"Số: 88/{other}", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH")))
        )
        assert m.value("so_ky_hieu") == f"88/{other}"


@pytest.mark.parametrize("line", ["Số: 12/2O25/QĐ-UBND", "Số: 12/20 25/QĐ-UBND", "Số: 12/2025/QĐ-UBND"])
def test_the_year_of_a_numbered_legal_document_is_read_through_look_alikes(line):
    m = extract(doc_of(page(header(line, "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))))
    assert m.value("so_ky_hieu") == "12/2025/QĐ-UBND" and not m.needs_review, m.reasons


def test_a_number_whose_year_is_not_the_year_of_issue_goes_to_review():
    # Decree 30: the number of a legal document carries the year it was issued in; one reading is wrong
    m = extract(
        doc_of(page(header("Số: 12/2Ol5/QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH")))
    )
    assert m.value("so_ky_hieu") == "12/2015/QĐ-UBND" and "so_ky_hieu.year_mismatch" in m.reasons


def test_file_name_confirms_a_number_only_next_to_the_same_type_code():
    assert number_from_file_name("88 QĐ UB.signed_20250513_162547.pdf", "QĐ-UBND") == "88"
    assert number_from_file_name("16CT.signed.pdf", "CT-UBND") == "16"
    assert number_from_file_name("2770 (08-CT-UBND).pdf", "CT-UBND") == "08"
    assert number_from_file_name("05.signed_20250517.pdf", "TB-UBND") is None  # a bare sequence number
    assert number_from_file_name("88 QĐ UB.pdf", "CT-UBND") is None  # another type
    assert agrees("6§0", "660") and agrees("⁄‡6", "16") and not agrees("O4", "01")


def test_unreadable_handwritten_number_is_flagged_with_the_printed_part_kept():
    m = extract(
        doc_of(page(header("Số: 6§0 /TB-UBND", "Quảng Ngãi, ngày 31 tháng 12 năm 2024", "THÔNG BÁO")))
    )
    assert m.value("so_ky_hieu") == "/TB-UBND"
    assert m.value("ky_hieu") == "TB-UBND" and m.fields["ky_hieu"].confidence >= 0.6
    assert m.needs_review and "so_ky_hieu.number_unread" in m.reasons


def test_handwritten_number_confirmed_by_the_file_name_is_trusted():
    d = doc_of(page(header("Số: 6§0 /TB-UBND", "Quảng Ngãi, ngày 31 tháng 12 năm 2024", "THÔNG BÁO")))
    m = extract(d, Witnesses(file_name="660TBUB.signed_20250219.pdf", signatures=SIGNED))
    assert m.value("so_ky_hieu") == "660/TB-UBND"
    assert m.fields["so_ky_hieu"].confidence >= 0.6
    assert not any(r.startswith("so_ky_hieu") for r in m.reasons)


def test_clean_reading_of_a_handwritten_blank_is_not_trusted_alone():
    m = extract(
        doc_of(page(header("Số: 88 /QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH")))
    )
    assert m.value("so_ky_hieu") == "88/QĐ-UBND"
    assert "so_ky_hieu.handwritten" in m.reasons


def test_second_reading_of_the_blank_fills_the_number_and_day():
    p = page(header("Số: /QĐ-UBND", "Quảng Ngãi, ngày tháng 02 năm 2025", "QUYẾT ĐỊNH"))
    p = p.model_copy(update={"blanks": [
        BlankReading(kind="number", box=(380, 290, 80, 50), readings=["88", "88", "88"], value="88", votes=3),
        BlankReading(kind="day", box=(1100, 290, 60, 50), readings=["05", "05", "0", "05", "05"], value="05",
                     votes=4),
    ]})  # fmt: skip
    sig = (SIGNED[0].model_copy(update={"signing_time": "2025-02-06T09:00:00+07:00"}),)
    m = extract(doc_of(p), Witnesses(file_name="88 QĐ UB.signed.pdf", signatures=sig))
    assert m.value("so_ky_hieu") == "88/QĐ-UBND" and m.value("ngay_ban_hanh") == "2025-02-05"
    assert not m.needs_review, m.reasons


def test_a_tied_second_reading_is_no_reading():
    p = page(header("Số: /QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))
    p = p.model_copy(update={"blanks": [
        BlankReading(kind="number", box=(380, 290, 80, 50), readings=["04", "04", "1", "1"], value=None),
    ]})  # fmt: skip
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") == "/QĐ-UBND" and "so_ky_hieu.number_unread" in m.reasons


# --- date lines ----------------------------------------------------------------------------------------
def test_noisy_date_anchors_still_give_the_date():
    m = extract(doc_of(page(header("Số: 12/CT-UBND", "Quảng Ngãi, ngảy 05 thảng 02 nắm 2025"))))
    assert m.value("ngay_ban_hanh") == "2025-02-05"


@pytest.mark.parametrize(
    "line",
    [
        "Quảng Ngãi, ngày 05 tháng 02 năm 20 25",  # the printed year set apart
        "Quảng Ngãi, ngày 05 tháng 02 năm 202S",  # its last digit read as a letter
        "Quảng Ngãi, ngày 0 5 tháng 02 năm 2025",  # the handwritten day's digits apart
        "Quảng Ngãi, ngày 05 tháng 0 2 năm 2025",
    ],
)
def test_digits_ocr_set_apart_or_read_as_letters_still_give_the_date(line):
    m = extract(doc_of(page(header("Số: 12/CT-UBND", line))))
    assert m.value("ngay_ban_hanh") == "2025-02-05"


def test_lost_ngay_still_gives_the_date():
    m = extract(doc_of(page(header("Số: 12/CT-UBND", "Quảng Ngãi, 05 tháng 02 năm 2025"))))
    assert m.value("ngay_ban_hanh") == "2025-02-05"


def test_unreadable_day_keeps_month_and_year_and_flags():
    m = extract(doc_of(page(header("Số: 12/CT-UBND", "Quảng Ngãi, ngày “tháng 12 năm 2021"))))
    assert m.value("ngay_ban_hanh") == "2021-12"
    assert "ngay_ban_hanh.day_unread" in m.reasons


def test_look_alike_day_is_trusted_only_with_a_signature_soon_after():
    rows = header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 3| tháng 12 năm 2024")
    alone = extract(doc_of(page(rows)))
    assert alone.value("ngay_ban_hanh") == "2024-12-31" and "ngay_ban_hanh.uncertain" in alone.reasons
    signed = extract(doc_of(page(rows)), Witnesses(signatures=SIGNED))
    assert signed.value("ngay_ban_hanh") == "2024-12-31"
    assert not any(r.startswith("ngay_ban_hanh") for r in signed.reasons)


def test_date_after_the_signature_is_flagged():
    m = extract(doc_of(page(header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 05 tháng 01 năm 2025"))),
                Witnesses(signatures=SIGNED))  # fmt: skip
    assert "ngay_ban_hanh.after_signature" in m.reasons


# --- header: merged columns, glued capitals, superior body ------------------------------------------
def test_merged_number_and_date_line_without_column_gap():
    rows = header("Số: 21/CT-UBND Quảng Ngãi, ngày 05 tháng 02 năm 2025", "")
    rows[2] = (300, [("Số: 21/CT-UBND Quảng Ngãi, ngày 05 tháng 02 năm 2025", 320)])
    m = extract(doc_of(page(rows)))
    assert m.value("so_ky_hieu") == "21/CT-UBND"
    assert m.value("ngay_ban_hanh") == "2025-02-05"
    assert m.value("co_quan_ban_hanh") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


@pytest.mark.parametrize("day", ["1 7", "/ 7", "17", ""])
def test_a_merged_number_and_date_line_is_cut_whatever_the_handwritten_day_became(day):
    """GIVEN the number line and the date line read as one line, the day's blank read as two pieces
    THEN the number is still the left column's (before, a day in two pieces dropped the number)."""
    date = " ".join(f"Quảng Ngãi, ngày {day} tháng 02 năm 2025".split())
    rows = header("", "")
    # large print (a 300 dpi scan) and the handwriting filling the gap between the columns: one segment,
    # its middle right of the page's
    rows[2] = (300, [("Số: 1 948 /CT-UBND", 320), (date, 700)], (20, 40))
    m = extract(doc_of(page(rows)))
    assert m.value("so_ky_hieu") == "1948/CT-UBND"
    assert m.value("co_quan_ban_hanh") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_glued_capitals_and_wrong_tones_snap_to_the_known_body():
    assert snap_issuer("ỦYBAN NHÂN DÂN TỈNH QUẢNG NGÃI").value == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert snap_issuer("ỦY BAN NHÂN DẪN TĨNH QUẢNG NGÃI").value == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert snap_issuer("SỞ NGOAI VU").value == "SỞ NGOẠI VỤ"
    unknown = snap_issuer("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC")
    assert not unknown.known and unknown.value == "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC"


@pytest.mark.parametrize(
    ("merged", "number"),
    [
        ("SỞ Y TẾ /QĐ-SYT", "/QĐ-SYT"),  # the label lost, the blank empty
        ("SỞ Y TẾ Số: 12/QĐ-SYT", "12/QĐ-SYT"),
        ("SỞ Y TẾ 12/QĐ-SYT", "12/QĐ-SYT"),
        ("BAN QUẢN LÝ DỰ ÁN /QĐ-BQLDA", "/QĐ-BQLDA"),  # an unknown body: no reference data cuts the code off
    ],
)
@pytest.mark.parametrize("with_boxes", [True, False])
def test_an_issuer_line_merged_with_the_number_line_under_it_keeps_both(merged, number, with_boxes):
    """GIVEN the issuer's last line and the number line read as one line (low resolution, skew)
    THEN the capitals before the number are the issuer, under its parent, and the number is kept."""
    parent, date = "UBND TỈNH QUẢNG NGÃI", "Quảng Ngãi, ngày 05 tháng 02 năm 2025"
    if with_boxes:
        rows = header("", date, "QUYẾT ĐỊNH")
        rows[0] = (180, [(parent, 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)])
        rows[1] = (220, [(merged, 300), ("Độc lập - Tự do - Hạnh phúc", 880)])
        rows[2] = (300, [(date, 860)])
        m = extract(doc_of(page(rows)))
    else:
        m = extract_text(
            f"{parent}   CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n{merged}   Độc lập - Tự do - Hạnh phúc\n{date}\n"
            "QUYẾT ĐỊNH\nVề việc phê duyệt kế hoạch\nCăn cứ Luật Tổ chức chính quyền địa phương;\n"
        )
    issuer = merged.split(" /")[0].split(" Số")[0].split(" 12")[0]
    assert (m.value("co_quan_ban_hanh"), m.value("co_quan_chu_quan")) == (issuer, parent)
    assert m.value("so_ky_hieu") == number


def test_debris_of_a_merged_number_line_is_no_part_of_the_issuer():
    body = "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert snap_issuer(f"{body} URND").value == body
    assert snap_issuer(f"{body} /TTr-UBND").value == body
    # a city's name has the shape of a local body's too
    assert snap_issuer("ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ URND").value == "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ"
    # the words of a name are no debris, and only a known body loses its tail
    assert snap_issuer("SỞ NGOẠI VỤ TỈNH").value == "SỞ NGOẠI VỤ TỈNH"
    assert not snap_issuer("TRUNG TÂM TIN HỌC XYZW").known
    # at 100 dpi the number line's code ran into the issuer's last line
    rows = header("Số: 21/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025")
    rows[1] = (220, [("TỈNH QUẢNG NGÃI URND", 300), ("Độc lập - Tự do - Hạnh phúc", 880)])
    m = extract(doc_of(page(rows)))
    assert m.value("co_quan_ban_hanh") == body


@pytest.mark.parametrize(
    ("line", "issuer"),
    [
        ("SỞTƯ PHÁP", "SỞ TƯ PHÁP"),  # a known body, glued: its name
        ("THANHTRA TỈNH", "THANH TRA TỈNH"),
        ("CỤCQUẢN LÝ XUẤT NHẬP CẢNH", "CỤC QUẢN LÝ XUẤT NHẬP CẢNH"),  # unknown: the head split off
    ],
)
def test_a_unit_head_glued_to_the_next_word_still_opens_the_issuer(line, issuer):
    rows = header("Số: 21/QĐ-SX", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH")
    rows[0] = (180, [("UBND TỈNH QUẢNG NGÃI", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)])
    rows[1] = (220, [(line, 300), ("Độc lập - Tự do - Hạnh phúc", 880)])
    m = extract(doc_of(page(rows)))
    assert (m.value("co_quan_ban_hanh"), m.value("co_quan_chu_quan")) == (issuer, "UBND TỈNH QUẢNG NGÃI")


def test_a_word_that_only_begins_like_a_unit_head_opens_nothing():
    from pipeline.metadata.header import _glued_head

    assert _glued_head("cuclanh") == 3 and _glued_head("sotu") == 2
    assert _glued_head("bang") == 0 and _glued_head("doanh") == 0 and _glued_head("vung") == 0


def test_a_two_word_signer_is_completed_by_the_text_that_names_them_longer():
    rows = header("Số: 21/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025")
    rows[-1] = (1850, [("Hoàng Tuấn", 1060)])
    assert extract(doc_of(page(rows))).value("nguoi_ky") == "Hoàng Tuấn"  # nothing says otherwise
    rows.insert(-3, (700, [("Ý kiến kết luận của Phó Chủ tịch UBND tỉnh Trần Hoàng Tuấn như sau:", 270)]))
    assert extract(doc_of(page(rows))).value("nguoi_ky") == "Trần Hoàng Tuấn"


def test_an_unknown_lowest_line_the_code_does_not_abbreviate_yields_to_the_body_it_does():
    # a signature overlay's organisation line, read in the issuer column without its labels
    rows = header("Số: 88/QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH")
    rows.insert(2, (255, [("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", 300)]))
    m = extract(doc_of(page(rows)))
    assert m.value("co_quan_ban_hanh") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert "co_quan_ban_hanh.code_mismatch" in m.reasons and m.needs_review
    # a known body under its superior keeps its place, whatever the code says (both in doubt then)
    rows[2] = (255, [("SỞ NGOẠI VỤ", 300)])
    assert extract(doc_of(page(rows))).value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"


def test_issuer_is_the_lower_line_under_its_superior_body():
    text = (
        "UBND TỈNH QUẢNG NGÃI\nSỞ NGOẠI VỤ\nSố: 215/SNgV-VP\nV/v cấp hộ chiếu công vụ\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Quảng Ngãi, ngày 03 tháng 3 năm 2023\nKính gửi: Bộ Ngoại giao.\nThực hiện ý kiến chỉ đạo.\n"
    )
    m = extract_text(text)
    assert m.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert m.value("co_quan_chu_quan") == "UBND TỈNH QUẢNG NGÃI"
    assert m.value("loai_van_ban") == "Công văn"


def test_issuer_not_abbreviated_by_the_code_is_flagged():
    rows = header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025")
    rows[0] = (180, [("TRUNG TÂM CÔNG BÁO", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)])
    rows[1] = (220, [("VÀ TIN HỌC", 300), ("Độc lập - Tự do - Hạnh phúc", 880)])
    m = extract(doc_of(page(rows)))
    assert "co_quan_ban_hanh.code_mismatch" in m.reasons


# --- subjects and signers -------------------------------------------------------------------------------
def test_multi_line_subject_continues_over_a_capitalised_line():
    rows = header(
        "Số: 16/CT-UBND",
        "Quảng Ngãi, ngày 27 tháng 12 năm 2021",
        subject=("Về việc tăng cường các biện pháp bảo đảm đón Tết Nguyên đán", "Nhâm Dần năm 2022 an toàn",
                 "trên địa bàn tỉnh"),
    )  # fmt: skip
    m = extract(doc_of(page(rows)))
    assert m.value("trich_yeu") == (
        "tăng cường các biện pháp bảo đảm đón Tết Nguyên đán Nhâm Dần năm 2022 an toàn trên địa bàn tỉnh"
    )


def test_a_subject_goes_on_over_a_code_a_lone_word_and_wrapped_openers():
    # a line with a document's code is no line of capitals; one word left alone by the wrap is no speck
    subject = ("Về việc triển khai Nghị định số", "30/2020/NĐ-CP", "giao đất cho Ban Quản lý dự", "án")
    rows = header("Số: 16/CT-UBND", "Quảng Ngãi, ngày 27 tháng 12 năm 2021", subject=subject)
    m = extract(doc_of(page(rows)))
    assert m.value("trich_yeu") == "triển khai Nghị định số 30/2020/NĐ-CP giao đất cho Ban Quản lý dự án"


def test_a_vv_subject_in_the_header_column_goes_on_over_words_that_open_a_body():
    rows = header("Số: 21/UBND-KT", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "", ())
    rows = [r for r in rows if r[0] != 420]
    rows += [(340, [("V/v hỗ trợ kinh phí cho các xã", 300)]), (376, [("thực hiện chương trình", 320)]),
             (412, [("theo Nghị định số", 330)]), (448, [("30/2020/NĐ-CP", 340)]),
             (560, [("Kính gửi: Sở Nội vụ tỉnh Quảng Ngãi", 600)])]  # fmt: skip
    m = extract(doc_of(page(sorted(rows, key=lambda r: r[0]))))
    assert (
        m.value("trich_yeu")
        == "hỗ trợ kinh phí cho các xã thực hiện chương trình theo Nghị định số 30/2020/NĐ-CP"
    )


def test_seal_specks_between_title_and_subject_are_skipped():
    rows = header("Số: 280/BC-UBND", "Quảng Ngãi, ngày 22 tháng 11 năm 2024", "BÁO CÁO",
                  subject=("Về việc điều chỉnh dự toán ngân sách năm 2024",))  # fmt: skip
    rows.insert(4, (450, [("ˆ Ẩ", 1456)]))
    m = extract(doc_of(page(rows)))
    assert m.value("trich_yeu") == "điều chỉnh dự toán ngân sách năm 2024"


def test_family_name_with_a_lost_tone_is_repaired_and_certificate_spelling_wins():
    m = extract(doc_of(page(header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025"))))
    assert m.value("nguoi_ky") == "Nguyễn Quốc Việt"
    rows = header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025")
    rows[-1] = (1850, [("Trần Phước Hiên", 1040)])
    person = (PdfSignature(field_name="s", signer="Trần Phước Hiền", signing_time="2025-02-06T09:00:00+07:00",
                           intact=True, valid=True),)  # fmt: skip
    assert extract(doc_of(page(rows)), Witnesses(signatures=person)).value("nguoi_ky") == "Trần Phước Hiền"


# --- types beyond the synthetic set ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "code", "issuer_lines", "expected"),
    [
        ("CHỈ THỊ", "CT-UBND", ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"), "Chỉ thị"),
        ("TỜ TRÌNH", "TTr-UBND", ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"), "Tờ trình"),
        ("HƯỚNG DẪN", "HD-SNV", ("UBND TỈNH QUẢNG NGÃI", "SỞ NỘI VỤ"), "Hướng dẫn"),
        ("GIẤY MỜI", "GM-SNgV", ("UBND TỈNH QUẢNG NGÃI", "SỞ NGOẠI VỤ"), "Giấy mời"),
        ("NGHỊ ĐỊNH", "2025/NĐ-CP", ("CHÍNH PHỦ",), "Nghị định"),
    ],
)
def test_new_types(title, code, issuer_lines, expected):
    issuer = "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI" if code.endswith("UBND") else issuer_lines[-1]
    lines = [*issuer_lines, f"Số: 15/{code}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
             "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 03 tháng 3 năm 2025", title,
             "Về việc tổ chức thực hiện nhiệm vụ năm 2025", "Căn cứ Luật Tổ chức Chính phủ;"]  # fmt: skip
    m = extract_text("\n".join(lines) + "\n")
    assert m.value("loai_van_ban") == expected
    assert m.value("so_ky_hieu") == f"15/{code}"
    assert m.value("co_quan_ban_hanh") == issuer
    assert not m.needs_review, m.reasons


def test_type_name_against_type_code_disagreement_is_flagged():
    m = extract_text("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 15/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                     "Quảng Ngãi, ngày 03 tháng 3 năm 2025\nCHỈ THỊ\nVề việc phòng cháy\n")  # fmt: skip
    assert "loai_van_ban.code_mismatch" in m.reasons


def test_failed_pages_and_illegible_scans_are_flagged_at_document_level():
    bad = page(header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025"), conf=35.0)
    m = extract(doc_of(bad, OcrPage(number=2, source=PageSource.FAILED)))
    assert m.reasons[:2] == ["page_failed", "illegible"] and m.needs_review


def test_issuer_line_with_glued_capitals_is_read_as_the_body_it_spells():
    text = (
        "ỦY BAN NHÂN DÂN TỈNH BẮC NINH\nSỞNGOẠIVỤ\nSố: 215/SNgV-VP\nV/v cấp hộ chiếu công vụ\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Bắc Ninh, ngày 03 tháng 3 năm 2023\nKính gửi: Bộ Ngoại giao.\nThực hiện ý kiến chỉ đạo.\n"
    )
    m = extract_text(text)
    assert m.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert m.value("co_quan_chu_quan") == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"


def test_a_one_digit_second_reading_of_a_day_is_incomplete():
    """Decree 30 writes days with two digits (05, 27): a re-read "2" lost a digit and fills nothing."""
    p = page(header("Số: 16/CT-UBND", "Quảng Ngãi, ngày tháng 12 năm 2021"))
    p = p.model_copy(update={"blanks": [
        BlankReading(kind="day", box=(1100, 290, 60, 50), readings=["2", "2", "2", "2"], value="2", votes=4),
    ]})  # fmt: skip
    m = extract(doc_of(p), Witnesses(signatures=SIGNED))
    assert m.value("ngay_ban_hanh") == "2021-12" and "ngay_ban_hanh.day_unread" in m.reasons


def test_type_code_misread_by_one_letter_is_restored_from_the_title():
    from pipeline.metadata.consistency import repair_type_code

    assert repair_type_code("TIr-SNgV", "TTr") == "TTr-SNgV"
    assert repair_type_code("BG-UBND", "BC") == "BC-UBND"
    assert repair_type_code("QĐ-UBND", "CT") is None  # a known code that differs is a disagreement
    assert repair_type_code("SNgV-VP", "QĐ") is None  # far from the title's code: a unit, left alone
    m = extract(doc_of(page(header("Số: 259/TIr-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "TỜ TRÌNH"))))
    assert m.value("so_ky_hieu") == "259/TTr-UBND" and m.value("ma_loai") == "TTr"


def test_subject_tone_marks_are_repaired_from_the_documents_own_spelling():
    from pipeline.metadata.spelling import respell

    body = "cấp hộ chiếu công vụ; hộ chiếu ngoại giao; xóa nhà tạm, xóa nhà tạm; buổi làm việc, buổi làm việc"
    assert respell("cấp hộ chiều công vụ", body) == "cấp hộ chiếu công vụ"
    assert respell("tại buỗi làm việc", body) == "tại buổi làm việc"
    assert respell("Ban Chỉ đạo xoá nhà tạm", body) == "Ban Chỉ đạo xoá nhà tạm"  # old-style tone: both right
    assert respell("buổi chiều", body) == "buổi chiều"  # no pair to compare with: left alone
    # a word right in its best-attested pair stays right when its other pair was misread more often
    body = "trên địa bàn; trên địa bàn; địa bàn huyện; địa bàn tỉnh; quản lý địa bản tỉnh, địa bản tỉnh"
    assert respell("trên địa bàn tỉnh Quảng Ngãi", body) == "trên địa bàn tỉnh Quảng Ngãi"
    assert respell("trên địa bản tỉnh Quảng Ngãi", body) == "trên địa bàn tỉnh Quảng Ngãi"


# --- lines read twice, rows cut by a lost word, two authority lines --------------------------------
def test_a_header_block_read_twice_counts_once():
    """A skewed or rescued block comes back twice, a few pixels apart: the subject is not cut by it."""
    rows = header("Số: 01/CT-UBND", "Quảng Ngãi, ngày 28 tháng 8 năm 2018",
                  subject=("Về việc hướng dẫn thủ tục", "chứng nhận lãnh sự"))  # fmt: skip
    at = next(i for i, (_, pieces) in enumerate(rows) if pieces[0][0] == "Về việc hướng dẫn thủ tục")
    y, pieces = rows[at]
    rows.insert(at + 1, (y + 6, pieces))  # the same line again, overlapping the first reading
    m = extract(doc_of(page(rows)))
    assert m.value("trich_yeu") == "hướng dẫn thủ tục chứng nhận lãnh sự"


def test_subject_row_cut_by_a_lost_word_is_joined_again():
    """``điện tử quý III năm 2023``: noise took ``III``; the two pieces of the row are one subject line."""
    rows = header("Số: 462/BC-UBND", "Quảng Ngãi, ngày 02 tháng 8 năm 2024", title="BÁO CÁO",
                  subject=("Tình hình thực hiện thủ tục hành chính trên môi trường",))  # fmt: skip
    at = next(i for i, (_, pieces) in enumerate(rows) if pieces[0][0].startswith("Tình hình"))
    y = rows[at][0] + 40
    rows.insert(at + 1, (y, [("điện tử quý", 650), ("năm 2023", 931)]))
    for i in range(at + 2, len(rows)):
        if rows[i][0] < 1000:
            rows[i] = (rows[i][0] + 40, rows[i][1])
    m = extract(doc_of(page(rows)))
    assert (
        m.value("trich_yeu") == "Tình hình thực hiện thủ tục hành chính trên môi trường điện tử quý năm 2023"
    )


def test_two_authority_lines_are_one_form_and_a_title_read_twice_is_one_title():
    rows = header("Số: 88/QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", title="QUYẾT ĐỊNH")
    rows = [r for r in rows if r[0] < 1600] + [
        (1600, [("Nơi nhận:", 260), ("TM. ỦY BAN NHÂN DÂN", 1000)]),
        (1640, [("- Như trên;", 270), ("KT. CHỦ TỊCH", 1060)]),
        (1680, [("- Lưu: VT.", 270), ("PHÓ CHỦ TỊCH", 1050)]),
        (1700, [("PHÓ CHỦ TỊCH", 1056)]),  # the title again from a block read under the seal
        (1850, [("Trần Phước Hiền", 1040)]),
    ]
    m = extract(doc_of(page(rows)))
    assert m.value("hinh_thuc_ky") == "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH"
    assert m.value("chuc_vu_ky") == "Phó Chủ tịch"
    assert m.value("nguoi_ky") == "Trần Phước Hiền"


def test_noisy_ve_viec_anchor_is_still_stripped_from_the_subject():
    rows = header("Số: 06/TTr-UBND", "Quảng Ngãi, ngày 20 tháng 7 năm 2023", title="TỜ TRÌNH",
                  subject=("về: việc đề nghị cho phép đoàn công tác đi Xinh-ga-po",))  # fmt: skip
    assert extract(doc_of(page(rows))).value("trich_yeu") == "đề nghị cho phép đoàn công tác đi Xinh-ga-po"


# --- two recognizers of a handwritten blank: Tesseract's digit re-reads and the neural reader ------------
def blank(kind, tess=(), neural=None, conf=0.0, x=380):
    """A blank re-read: Tesseract's variants ``tess`` and the neural reader's value at ``conf``."""
    return BlankReading(
        kind=kind,
        box=(x, 290, 80, 50),
        readings=list(tess),
        digits_reader="pp-ocrv6-small-rec",
        digits_readings=[neural or ""] * 2,
        digits_value=neural,
        digits_conf=conf,
    )


def test_vote_between_the_two_recognizers():
    from pipeline.metadata.consistency import vote_blank

    assert vote_blank(blank("number", ["88"] * 4, "88", 0.97)).agreement == "both"
    assert vote_blank(blank("number", ["88"] * 4, "88", 0.7)).agreement == "weak"
    assert vote_blank(blank("day", ["5", "5", "5"], "05", 0.95)).agreement == "both"  # same number
    v = vote_blank(blank("number", ["46"] * 4, "16", 0.95))
    assert (v.agreement, v.value, v.tesseract, v.neural) == ("disagree", "16", "46", "16")
    assert vote_blank(blank("number", ["04", "04", "1", "1"], "01", 0.9)).agreement == "neural"  # a tie
    assert vote_blank(blank("number", [], "01", 0.45)).agreement == "neural_unsure"
    assert vote_blank(blank("number", ["88"] * 3, "7", 0.1)).agreement == "tesseract"  # a guess is no reading
    assert vote_blank(None).agreement == "none"


def test_a_number_both_recognizers_read_alike_is_trusted():
    p = page(header("Số: /QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))
    p = p.model_copy(update={"blanks": [blank("number", ["88"] * 3, "88", 0.99)]})
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") == "88/QĐ-UBND"
    assert m.fields["so_ky_hieu"].confidence >= 0.6
    assert not any(r.startswith("so_ky_hieu") for r in m.reasons)


def test_a_one_digit_number_both_recognizers_read_is_still_sent_to_review():
    # numbers start at 01: a lone "5" from a blank is most likely "05" or "15" with a digit lost
    p = page(header("Số: /QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))
    p = p.model_copy(update={"blanks": [blank("number", ["5"] * 3, "5", 0.99)]})
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") == "5/QĐ-UBND"
    assert "so_ky_hieu.handwritten" in m.reasons


def test_recognizers_that_disagree_send_the_number_to_review_with_the_neural_reading():
    p = page(header("Số: /CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025"))
    p = p.model_copy(update={"blanks": [blank("number", ["46"] * 5, "16", 0.95)]})
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") == "16/CT-UBND"
    assert "so_ky_hieu.readers_disagree" in m.reasons and m.needs_review


def test_the_neural_reading_alone_is_a_guess_unless_the_file_name_confirms_it():
    p = page(header("Số: /CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025"))
    p = p.model_copy(update={"blanks": [blank("number", ["04", "04", "1", "1"], "16", 0.99)]})
    alone = extract(doc_of(p))
    assert alone.value("so_ky_hieu") == "16/CT-UBND" and "so_ky_hieu.handwritten" in alone.reasons
    named = extract(doc_of(p), Witnesses(file_name="16CT.signed_20250510.pdf"))
    assert named.value("so_ky_hieu") == "16/CT-UBND"
    assert not any(r.startswith("so_ky_hieu") for r in named.reasons)


def test_a_day_the_neural_reader_reads_fills_the_date_and_its_doubt_is_kept():
    p = page(header("Số: 16/CT-UBND", "Quảng Ngãi, ngày tháng 12 năm 2021"))
    sig = (SIGNED[0].model_copy(update={"signing_time": "2021-12-28T10:00:00+07:00"}),)
    sure = p.model_copy(update={"blanks": [blank("day", ["", "", ""], "27", 0.95, x=1100)]})
    m = extract(doc_of(sure), Witnesses(signatures=sig))
    assert m.value("ngay_ban_hanh") == "2021-12-27"
    assert not any(r.startswith("ngay_ban_hanh") for r in m.reasons)
    unsure = p.model_copy(update={"blanks": [blank("day", ["", "", ""], "27", 0.4, x=1100)]})
    m = extract(doc_of(unsure), Witnesses(signatures=sig))
    assert m.value("ngay_ban_hanh") == "2021-12-27" and "ngay_ban_hanh.handwritten" in m.reasons
    torn = p.model_copy(update={"blanks": [blank("day", ["21"] * 4, "27", 0.95, x=1100)]})
    m = extract(doc_of(torn), Witnesses(signatures=sig))
    assert "ngay_ban_hanh.readers_disagree" in m.reasons and m.needs_review
    agreed = p.model_copy(update={"blanks": [blank("day", ["27"] * 4, "27", 0.95, x=1100)]})
    m = extract(doc_of(agreed))  # no signature at all: two recognizers agreeing are enough
    assert m.value("ngay_ban_hanh") == "2021-12-27" and not any(r.startswith("ngay") for r in m.reasons)


def test_a_lone_letter_glued_in_front_of_the_signer_is_a_speck():
    """No family name is one letter: ``T>.Bùi Hoài Nam`` (a seal stroke read as T) is Bùi Hoài Nam."""
    rows = header("Số: 12/CT-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025")
    rows[-1] = (1850, [("T>.Bùi Hoài Nam", 1040)])
    m = extract(doc_of(page(rows)))
    assert m.value("nguoi_ky") == "Bùi Hoài Nam"


def test_a_day_the_line_kept_half_of_is_the_one_both_recognizers_read():
    """GIVEN the line read ``ngày 3`` of a handwritten 30 (its first reading of the blank was ``3``) and
    both recognizers read 30 THEN the date has day 30, trusted; a complete first reading that both
    contradict stays a conflict, shown with the day they agree on."""
    p = page(header("Số: 16/CT-UBND", "Hà Nội, ngày 3 tháng 01 năm 2015"))
    half = blank("day", ["30"] * 3, "30", 0.99, x=1100).model_copy(update={"first": "3"})
    m = extract(doc_of(p.model_copy(update={"blanks": [half]})))
    assert m.value("ngay_ban_hanh") == "2015-01-30"
    assert not any(r.startswith("ngay_ban_hanh") for r in m.reasons)
    p = page(header("Số: 16/CT-UBND", "Hà Nội, ngày 13 tháng 01 năm 2015"))
    whole = half.model_copy(update={"first": "13"})
    m = extract(doc_of(p.model_copy(update={"blanks": [whole]})))
    assert m.value("ngay_ban_hanh") == "2015-01-30" and "ngay_ban_hanh.conflict" in m.reasons


def _rows_with(number_rows, date_line="Quảng Ngãi, ngày 05 tháng 02 năm 2025"):
    """The header of :func:`header` with its number/date row replaced by ``number_rows``."""
    rows = header("Số: 1/CT-UBND", date_line)
    i = next(k for k, (y, _) in enumerate(rows) if y == 300)
    return rows[:i] + number_rows + rows[i + 1 :]


def test_a_number_line_merged_with_a_date_whose_day_is_a_scrawl_is_still_cut_apart():
    """GIVEN ``số: Ø2 /CT-UBND Quảng Ngãi, ngày 0ø tháng 02 năm 2025`` as one OCR line (columns merged,
    the handwritten day read as ``0ø``), wider than the left column THEN the number line is found, with
    its printed code."""
    rows = _rows_with([(300, [("số: Ø2 /CT-UBND Quảng Ngãi, ngày 0ø tháng 02 năm 2025", 480)])])
    m = extract(doc_of(page(rows)))
    assert m.value("so_ky_hieu") is not None and m.value("so_ky_hieu").endswith("/CT-UBND")
    assert m.value("co_quan_ban_hanh") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_a_label_and_its_code_on_two_ocr_lines_are_one_number_line():
    """GIVEN the handwriting split ``số:`` from ``/CT-UBND`` (itself merged with the date line) THEN the
    blank's reading and the printed code make the number."""
    rows = _rows_with(
        [(305, [("số:", 320)]), (298, [("/CT-UBND Quảng Ngãi, ngày 0ố tháng 02 năm 2025", 560)])]
    )
    p = page(rows).model_copy(update={"blanks": [blank("number", ["63"] * 4, "63", 0.99)]})
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") == "63/CT-UBND"
    assert not any(r.startswith("so_ky_hieu") for r in m.reasons)


def test_a_number_line_whose_label_was_lost_keeps_its_code_and_is_flagged():
    rows = _rows_with([(300, [("246 /CT-UBND", 330), ("Quảng Ngãi, ngày 05 tháng 02 năm 2025", 860)])])
    m = extract(doc_of(page(rows)))
    assert m.value("so_ky_hieu") == "246/CT-UBND" and "so_ky_hieu.handwritten" in m.reasons
    # a subject line is not a number line for want of its label
    rows = _rows_with([(300, [("V/v-CT tăng cường", 330), ("Quảng Ngãi, ngày 05 tháng 02 năm 2025", 860)])])
    assert extract(doc_of(page(rows))).value("so_ky_hieu") is None


def test_a_look_alike_day_in_the_line_yields_to_the_blank_readers():
    """GIVEN the line read the handwritten day 16 as ``1ó`` (10 through a look-alike) and the neural reader
    read 16 surely THEN the date has day 16, flagged as handwritten (one reader)."""
    p = page(header("Số: 16/CT-UBND", "Quảng Ngãi, ngày 1ó tháng 10 năm 2015"))
    day = blank("day", ["", "", "165", "167"], "16", 0.99, x=1100).model_copy(update={"first": "1ó"})
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2015-10-16" and "ngay_ban_hanh.handwritten" in m.reasons


def test_a_blank_both_readers_read_as_zero_is_unread():
    """GIVEN a crop cut too short, so that both readers see only the ``0`` of a handwritten ``03`` THEN the
    number is unread and flagged, never ``0/…`` trusted."""
    p = page(header("Số: /CLS-HPH", "Hà Nội, ngày 24 tháng 5 năm 2021"))
    p = p.model_copy(update={"blanks": [blank("number", ["0"] * 3, "0", 0.99)]})
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") == "/CLS-HPH" and "so_ky_hieu.number_unread" in m.reasons


def test_a_day_read_with_and_without_its_leading_zero_is_one_vote():
    from pipeline.metadata.consistency import vote_blank

    v = vote_blank(blank("day", ["", "06", "6", "06", "6", "6", "06", "06"], "06", 0.95))
    assert (v.agreement, v.value, v.tesseract) == ("both", "06", "06")


def test_the_page_readings_day_against_the_blanks_is_a_conflict_even_with_its_month_unread():
    """GIVEN the page read ``ngày 2 tháng Øf`` (day cut short, month unread) and the network read the day
    04 and the month 01 surely THEN the date shown is the network's, 2021-01-04, and goes to review."""
    p = page(header("Số: 01/CT-UBND", "Quảng Ngãi, ngày 2 tháng Øf năm 2021"))
    day = blank("day", [], "04", 0.99, x=1100)
    month = blank("month", [], "01", 0.97, x=1250)
    m = extract(doc_of(p.model_copy(update={"blanks": [day, month]})))
    assert m.value("ngay_ban_hanh") == "2021-01-04"
    assert "ngay_ban_hanh.conflict" in m.reasons and m.needs_review


def test_of_two_contested_dates_the_one_after_the_signature_is_not_shown():
    """GIVEN the page read day 08, both readers of the blank read 28, and the document was signed on the
    8th THEN the date shown is the 8th (the 28th is after the signature), in review as a conflict."""
    p = page(header("Số: 11/TB-UBND", "Quảng Ngãi, ngày 08 tháng 01 năm 2025"))
    sig = (SIGNED[0].model_copy(update={"signing_time": "2025-01-08T17:30:49+07:00"}),)
    scrawl = blank("day", ["28"] * 4, "28", 0.95, x=1100).model_copy(update={"first": "08"})
    m = extract(doc_of(p.model_copy(update={"blanks": [scrawl]})), Witnesses(signatures=sig))
    assert m.value("ngay_ban_hanh") == "2025-01-08" and "ngay_ban_hanh.conflict" in m.reasons
    # unsigned, the two readers agreeing are what is shown
    m = extract(doc_of(p.model_copy(update={"blanks": [scrawl]})))
    assert m.value("ngay_ban_hanh") == "2025-01-28" and "ngay_ban_hanh.conflict" in m.reasons


def test_a_signature_stamps_time_in_the_header_is_not_the_issue_date():
    # the digital signature's overlay sits in the header, above the printed date line
    rows = header("Số: 660/TB-UBND", "Quảng Ngãi, ngày 31 tháng 12 năm 2024")
    # its label garbled by OCR, so that it is not known as a stamp
    rows.insert(0, (120, [("ttcb@quangngai.gov.vn Hồi 17.01.2025 09:17:04 +07:00", 900)]))
    m = extract(doc_of(page(rows)))
    assert m.value("ngay_ban_hanh") == "2024-12-31"
    assert m.value("noi_ban_hanh") == "Quảng Ngãi"
