"""Signature stamps drawn into the page: kept out of the document's text, read as witnesses.

A printed-and-rescanned signed document, a flattened PDF or a scan an office stamped electronically
carries the stamp in its page image; OCR reads it as a block of labelled lines, with OCR noise. The
pages here are built as the engine returns them (word boxes per line); the noise on the stamp's labels
and digits is made by :func:`ocr_noise`, from the confusions Tesseract makes on such small print.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from pydantic import ValidationError

from pipeline.metadata import Witnesses, extract, extract_text, witnesses
from pipeline.metadata.anchors import stamp_label
from pipeline.metadata.consistency import names_issuer
from pipeline.metadata.layout import page_lines
from pipeline.metadata.normalize import fold
from pipeline.metadata.stamps import split_stamps
from sohoa.model.ocr import OcrDocument
from sohoa.model.signature import PageStamp
from tests.pipeline.ocr_pages import ocr_page

STAMP_PRINT = (9, 20)  # character width and line height: a stamp's print is smaller than the page's


def page(rows, *, conf=90.0):
    """An OCR page from ``(y, [(text, x), ...])`` rows; ``(y, [(text, x)], STAMP_PRINT)`` for stamp print."""
    return ocr_page(rows, conf=conf)


def doc_of(*pages_):
    return OcrDocument(file_name="scan.pdf", sha256="0" * 64, media_type="application/pdf",
                       pages=list(pages_), languages="vie")  # fmt: skip


def document(date="Quảng Ninh, ngày 05 tháng 02 năm 2025"):
    """A Sở Ngoại vụ công văn: superior body over issuer, number, V/v, motto, date, closing, signer."""
    return [
        (180, [("UBND TỈNH QUẢNG NINH", 300), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800)]),
        (220, [("SỞ NGOẠI VỤ", 340), ("Độc lập - Tự do - Hạnh phúc", 880)]),
        (300, [("Số: 215/SNgV-VP", 320), (date, 860)]),
        (340, [("V/v tăng cường quản lý hộ chiếu công vụ", 260)]),
        (480, [("Kính gửi: Các sở, ban, ngành tỉnh.", 560)]),
        (560, [("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Ngoại vụ đề nghị như sau:", 270)]),
        (1600, [("Nơi nhận:", 260), ("KT. GIÁM ĐỐC", 1080)]),
        (1640, [("- Như trên;", 270), ("PHÓ GIÁM ĐỐC", 1080)]),
        (1680, [("- Lưu: VT.", 270)]),
        (1850, [("Phạm Thị Thu Hằng", 1040)]),
    ]


STAMP = (
    "Ký bởi: SỞ NGOẠI VỤ",
    "Email: songv@quangninh.gov.vn",
    "Cơ quan: Tỉnh Quảng Ninh",
    "Thời gian ký: 06.02.2025 09:15:22 +07:00",
)

#: what Tesseract does to small stamp print: tone marks swapped or lost, letters confused, words glued,
#: a colon read as a semicolon, digits read as letters
_TONES = {"ý": "ỷ", "ờ": "ơ", "ở": "ớ", "ơ": "o", "ố": "ô", "ụ": "u"}
_LETTERS = {"l": "1", "i": "l", "o": "0", "g": "q"}
_DIGITS = {"0": "O", "1": "l", "5": "S"}


def ocr_noise(line: str, rng: random.Random) -> str:
    """One or two OCR slips in a stamp line's label, and perhaps a digit read as a letter in its value."""
    label, sep, value = line.partition(":")
    chars = list(label)
    for _ in range(rng.choice((1, 2)) if len(fold(label).replace(" ", "")) >= 8 else 1):
        kind = rng.choice(("tone", "letter", "glue", "colon"))
        if kind == "tone" and (spots := [i for i, c in enumerate(chars) if c in _TONES]):
            i = rng.choice(spots)
            chars[i] = _TONES[chars[i]]
        elif kind == "letter" and (spots := [i for i, c in enumerate(chars) if c in _LETTERS]):
            i = rng.choice(spots)
            chars[i] = _LETTERS[chars[i]]
        elif kind == "glue" and (spots := [i for i, c in enumerate(chars) if c == " "]):
            del chars[rng.choice(spots)]
        elif kind == "colon":
            sep = ";"
    if rng.random() < 0.5 and (spots := [i for i, c in enumerate(value) if c in _DIGITS and i > 2]):
        i = rng.choice(spots)
        value = value[:i] + _DIGITS[value[i]] + value[i + 1 :]
    return "".join(chars) + sep + value


def stamped(rows, x, y, stamp=STAMP, seed=None):
    """``rows`` with a stamp box at (x, y), its lines in small print, noisy when ``seed`` is given."""
    rng = random.Random(seed)
    lines = [ocr_noise(s, rng) if seed is not None else s for s in stamp]
    stamp_rows = [(y + 24 * i, [(s, x)], STAMP_PRINT) for i, s in enumerate(lines)]
    return sorted(rows + stamp_rows, key=lambda r: r[0])


FIELDS = ("so_ky_hieu", "ngay_ban_hanh", "loai_van_ban", "co_quan_ban_hanh", "co_quan_chu_quan", "trich_yeu",
          "kinh_gui", "noi_nhan", "nguoi_ky", "chuc_vu")  # fmt: skip


def values(m):
    return {f: m.value(f) for f in FIELDS}


PLAIN = extract(doc_of(page(document())))


def test_the_unstamped_document_reads_right():
    assert PLAIN.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert PLAIN.value("co_quan_chu_quan") == "UBND TỈNH QUẢNG NINH"
    assert PLAIN.value("so_ky_hieu") == "215/SNgV-VP"
    assert PLAIN.value("ngay_ban_hanh") == "2025-02-05"
    assert PLAIN.value("nguoi_ky") == "Phạm Thị Thu Hằng"


@pytest.mark.parametrize(
    ("where", "x", "y"),
    [("header top right", 1120, 40), ("over the issuer column", 240, 40), ("beside the signer", 1200, 1730)],
)
@pytest.mark.parametrize("seed", [None, *range(8)])
def test_a_stamp_in_the_page_changes_no_field(where, x, y, seed):
    m = extract(doc_of(page(stamped(document(), x, y, seed=seed))))
    assert values(m) == values(PLAIN), where
    assert m.needs_review == PLAIN.needs_review


@pytest.mark.parametrize("seed", [None, *range(4)])
def test_a_stamp_right_above_the_date_line_leaves_it_in_the_text(seed):
    # the overlay drawn over the right header column, its last line touching the date line (y 300)
    m = extract(doc_of(page(stamped(document(), 900, 216, seed=seed))))
    assert (m.value("so_ky_hieu"), m.value("ngay_ban_hanh")) == ("215/SNgV-VP", "2025-02-05")


@pytest.mark.parametrize("seed", [None, *range(4)])
def test_a_stamp_whose_last_line_touches_the_issuer_leaves_the_issuer_whole(seed):
    # the overlay over the issuer column, its time line (y 165-185) touching the parent's line (y 180)
    m = extract(doc_of(page(stamped(document(), 240, 93, seed=seed))))
    assert m.value("co_quan_chu_quan") == "UBND TỈNH QUẢNG NINH"
    assert m.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"


@pytest.mark.parametrize("seed", range(8))
def test_what_a_noisy_stamp_says_is_kept(seed):
    lines, stamps = split_stamps(page_lines(page(stamped(document(), 1120, 40, seed=seed))))
    assert len(stamps) == 1
    s = stamps[0]
    assert s.signing_time == "2025-02-06T09:15:22+07:00"
    assert fold(s.signer or "") == "so ngoai vu"
    assert fold(s.organization or "") == "tinh quang ninh"
    assert len(s.lines) == 4
    assert not any("quangninh.gov" in ln.text for ln in lines)


def test_a_stamp_merged_into_the_issuer_row_leaves_the_issuer():
    rows = document()
    # the stamp's first line read on the issuer's row, a narrow gap between them
    rows[1] = (220, [("SỞ NGOẠI VỤ", 340), ("Ký bởi: SỞ NGOẠI VỤ", 520),
                     ("Độc lập - Tự do - Hạnh phúc", 880)])  # fmt: skip
    rows += [(244 + 24 * i, [(s, 520)], STAMP_PRINT) for i, s in enumerate(STAMP[1:])]
    m = extract(doc_of(page(sorted(rows, key=lambda r: r[0]))))
    assert m.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert m.value("so_ky_hieu") == "215/SNgV-VP"
    assert m.value("ngay_ban_hanh") == "2025-02-05"


def test_a_stamp_of_another_body_is_not_the_issuer_and_its_time_is_a_witness():
    other = ("Ký bởi: TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", "Cơ quan: Văn phòng UBND tỉnh Quảng Ninh",
             "Thời gian ký: 03.02.2025 16:40:00 +07:00")  # fmt: skip
    m = extract(doc_of(page(stamped(document(), 240, 40, stamp=other, seed=3))))
    assert m.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert m.value("co_quan_chu_quan") == "UBND TỈNH QUẢNG NINH"
    assert m.value("so_ky_hieu") == "215/SNgV-VP"
    # signed on the 3rd, dated the 5th: one of the two is misread, as with an embedded signature
    assert m.value("ngay_ban_hanh") == "2025-02-05"
    assert "ngay_ban_hanh.after_signature" in m.reasons


def test_the_stamp_time_confirms_a_look_alike_day_like_a_signature_does():
    # signed the day after the date: the stamp's date is not the document's, but it confirms it
    rows = document(date="Quảng Ninh, ngày O5 tháng 02 năm 2025")
    alone = extract(doc_of(page(rows)))
    assert alone.value("ngay_ban_hanh") == "2025-02-05" and "ngay_ban_hanh.uncertain" in alone.reasons
    m = extract(doc_of(page(stamped(rows, 1120, 40, seed=5))))
    assert m.value("ngay_ban_hanh") == "2025-02-05"
    assert not any(r.startswith("ngay_ban_hanh") for r in m.reasons)


def test_a_stamp_in_plain_text_is_taken_out_too():
    text = "\n".join(
        [
            "Ký bởi; SỞ NGOẠI VỤ",
            "Email: songv@quangninh.gov.vn",
            "Co quan: Tỉnh Quảng Ninh",
            "Thờigian kỷ: O6.02.2025 09:15:22 +07:00",
            "UBND TỈNH QUẢNG NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "SỞ NGOẠI VỤ Độc lập - Tự do - Hạnh phúc",
            "Số: 215/SNgV-VP Quảng Ninh, ngày 05 tháng 02 năm 2025",
            "V/v tăng cường quản lý hộ chiếu công vụ",
            "Kính gửi: Các sở, ban, ngành tỉnh.",
            "Nơi nhận: KT. GIÁM ĐỐC",
            "- Như trên; PHÓ GIÁM ĐỐC",
            "- Lưu: VT.",
            "Phạm Thị Thu Hằng",
        ]
    )
    m = extract_text(text)
    assert m.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"
    assert m.value("so_ky_hieu") == "215/SNgV-VP"
    assert m.value("ngay_ban_hanh") == "2025-02-05"
    assert m.value("nguoi_ky") == "Phạm Thị Thu Hằng"
    assert not m.needs_review


def test_a_page_without_a_stamp_comes_out_unchanged():
    rows = document()
    # lines that open with weak stamp labels, but are no stamp: an address line, a body line
    rows.insert(2, (260, [("Email: songv@quangninh.gov.vn", 300)]))
    rows.insert(7, (600, [("Cơ quan chủ trì: Sở Ngoại vụ; cơ quan phối hợp: Công an tỉnh.", 270)]))
    rows.insert(8, (640, [("Đơn vị: các phòng thuộc Sở.", 270)]))
    # an invitation's time and contact lines
    rows.insert(9, (680, [("Thời gian: 08 giờ 00, ngày 10/02/2025.", 270)]))
    rows.insert(10, (720, [("Email: vanphong@quangninh.gov.vn; điện thoại: 0203.3835.555", 270)]))
    lines = page_lines(page(rows))
    out, stamps = split_stamps(lines)
    assert stamps == () and out == lines
    for text in (PLAIN, extract(doc_of(page(rows)))):
        assert text.value("co_quan_ban_hanh") == "SỞ NGOẠI VỤ"


@pytest.mark.parametrize(
    ("line", "kind"),
    [("Ký bởi: SỞ NGOẠI VỤ", "signer"), ("Kỷ bới; Sở", "signer"), ("Thờigian kỷ: 05.02.2025", "time"),
     ("Thoi gian ky 05.02.2025", "time"), ("Emai1: x@y.vn", "email"), ("Co quan: Tỉnh Quảng Ninh", "org"),
     ("Cơ quan chủ trì công việc", None), ("Kính gửi: Sở Tư pháp", None), ("Ký hiệu: QĐ", None),
     ("Kỳ họp thứ 5", None), ("Thời gian: 08 giờ 00, ngày 05/02/2025", None), ("Thời gian qua, Ban", None)],
)  # fmt: skip
def test_stamp_labels_are_matched_with_an_edit_budget(line, kind):
    found = stamp_label(fold(line))
    assert (found.kind if found else None) == kind


def test_a_body_a_stamp_names_is_a_witness_of_the_issuer():
    w = Witnesses(stamps=(PageStamp(page=1, signer="Sở Ngoại vụ", organization="Tỉnh Quảng Ninh"),))
    assert names_issuer("SỞ NGOẠI VỤ", w)
    ubnd = Witnesses(stamps=(PageStamp(page=1, signer="UBND tỉnh Quảng Ninh"),))
    assert names_issuer("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", ubnd)
    assert not names_issuer("SỞ TƯ PHÁP", w)
    timed = Witnesses(stamps=(PageStamp(page=1, signing_time="2025-02-05T09:15:22+07:00"),))
    assert timed.earliest_signing() == dt.date(2025, 2, 5)


def test_a_stamp_with_its_frame_read_and_a_value_wrapped_over_two_lines():
    framed = ("| Ký bởi: ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NINH |", "| Thời gian ký: 06/02/2025 9:15 |")
    rows = stamped(document(), 240, 40, stamp=framed)
    lines, stamps = split_stamps(page_lines(page(rows)))
    assert len(stamps) == 1 and len(stamps[0].lines) == 3
    assert stamps[0].signer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"
    assert stamps[0].signing_time == "2025-02-06T09:15:00"
    assert values(extract(doc_of(page(rows)))) == values(PLAIN)


def test_the_stamps_leave_extraction_with_the_metadata_on_their_own_page():
    """GIVEN a two-page document whose second page carries a stamp WHEN extracted THEN Metadata keeps it."""
    second = page(stamped([(900, [("Sở Ngoại vụ đề nghị các đơn vị thực hiện.", 270)])], 1120, 1700))
    m = extract(doc_of(page(document()), second.model_copy(update={"number": 2})))
    (s,) = m.stamps
    assert s.page == 2
    assert (s.signer, s.organization, s.email) == ("SỞ NGOẠI VỤ", "Tỉnh Quảng Ninh", "songv@quangninh.gov.vn")
    assert s.signing_time == "2025-02-06T09:15:22+07:00"
    assert s.lines == STAMP
    # its box is where the stamp was drawn: from (1120, 1700), four rows of stamp print
    assert s.box is not None and s.box[:2] == (1120, 1700) and s.box[3] == 3 * 24 + STAMP_PRINT[1]
    assert values(m) == values(PLAIN) and PLAIN.stamps == []
    # stored as JSON (metadata.json, document.json) and read back, the stamp is the same
    assert type(m).model_validate_json(m.model_dump_json()) == m


def test_plain_text_stamps_are_kept_without_a_box():
    text = "UBND TỈNH QUẢNG NINH\nSỞ NGOẠI VỤ\nSố: 215/SNgV-VP\n" + "\n".join(STAMP) + "\n"
    (s,) = extract_text(text).stamps
    assert s.page == 1 and s.box is None and s.signer == "SỞ NGOẠI VỤ"


def test_a_page_stamp_is_a_frozen_model_of_what_was_read():
    s = PageStamp(page=1, signer="SỞ NGOẠI VỤ")
    with pytest.raises(ValidationError):
        s.signer = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        PageStamp(page=0)
    # the schema an API client sees says what it is
    assert "not verified" in PageStamp.model_json_schema()["title"]
    # one model: the witnesses hold the same class the document stores
    assert witnesses.PageStamp is PageStamp
