"""The neural reading of a blank's whole line as a witness: standing in, contesting, and rescuing a garbled
number line; a sure full-page reading of handwriting checked by the network."""

from __future__ import annotations

from pipeline.metadata import extract
from pipeline.metadata.anchors import NUMBER_LABEL
from pipeline.metadata.consistency import vote_blank
from pipeline.metadata.dates import read_date
from pipeline.metadata.normalize import fold
from sohoa.model.ocr import BlankReading
from tests.pipeline.ocr_pages import ocr_page as page
from tests.pipeline.test_metadata_real_scans import doc_of, header


def blank(kind, *, first="", tess=(), neural=None, conf=0.0, line=None, line_conf=0.0, text="", x=380):
    return BlankReading(
        kind=kind,
        box=(x, 290, 80, 50),
        first=first,
        readings=list(tess),
        digits_reader="pp-ocrv6-small-rec",
        digits_readings=[neural or ""] * 2,
        digits_value=neural,
        digits_conf=conf,
        line_text=text,
        line_value=line,
        line_conf=line_conf,
    )


def test_the_line_reading_stands_in_for_blank_crops_that_read_nothing():
    v = vote_blank(blank("number", tess=["88"] * 3, line="88", line_conf=0.97))
    assert (v.value, v.agreement) == ("88", "both")
    v = vote_blank(blank("number", line="915", line_conf=0.99))
    assert (v.value, v.agreement) == ("915", "neural")


def test_a_line_reading_of_other_digits_contests_the_crops():
    v = vote_blank(blank("number", tess=["16"] * 3, neural="16", conf=0.95, line="46", line_conf=0.9))
    assert (v.value, v.agreement) == ("16", "disagree")
    # the line surer than the crops: its digits are the ones shown, still contested
    b = blank("number", tess=["5"] * 3, neural="65", conf=0.47, line="05", line_conf=0.88)
    v = vote_blank(b.model_copy(update={"digits_readings": ["5", "65"]}))
    assert (v.value, v.agreement) == ("05", "disagree")
    # but a surer line that holds part of the crops' digits cut them short: the crops' value stands
    v = vote_blank(blank("day", neural="22", conf=0.68, line="2", line_conf=0.93))
    assert v.value == "22"
    # agreeing, the two neural readings are as sure as the surer one
    v = vote_blank(blank("day", neural="17", conf=0.5, line="17", line_conf=0.99))
    assert (v.agreement, v.neural_conf) == ("neural", 0.99)


def test_a_sure_full_page_reading_is_tesseract_s_witness_and_only_a_sure_network_contests_it():
    v = vote_blank(blank("day", first="05", neural="03", conf=0.99, line="03", line_conf=0.99))
    assert (v.value, v.agreement, v.tesseract) == ("03", "disagree", "05")
    assert vote_blank(blank("day", first="05", neural="05", conf=0.95)).agreement == "both"
    # an unsure network says nothing against clean print
    assert vote_blank(blank("day", first="05", neural="06", conf=0.4)).agreement == "tesseract"


def test_a_day_misread_confidently_is_flagged_and_shown_as_the_network_reads_it():
    p = page(header("Số: 107/BC-UBND", "Nghệ An, ngày 05 tháng 7 năm 2015"))
    day = blank("day", first="05", neural="03", conf=0.99, line="03", line_conf=0.99, x=1100)
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2015-07-03" and "ngay_ban_hanh.conflict" in m.reasons
    # an unsure network leaves the printed-looking reading alone: no conflict, no change
    unsure = blank("day", first="05", neural="03", conf=0.4, x=1100)
    m = extract(doc_of(p.model_copy(update={"blanks": [unsure]})))
    assert m.value("ngay_ban_hanh") == "2015-07-05" and not any(r.startswith("ngay") for r in m.reasons)


def test_a_number_line_ocr_garbled_is_read_from_the_network_s_line_and_sent_to_review():
    p = page(header("sẽ: Ø4 ÕBC-sNgv", "Lào Cai, ngày 08 tháng 5 năm 2018", title="BÁO CÁO"))
    number = blank("number", first="Ø4 ÕBC-sNgv", text="So:915BC-SNgV", line="915", line_conf=0.99, x=330)
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    assert m.value("so_ky_hieu") == "915/BC-SNgV"
    assert m.value("ky_hieu") == "BC-SNgV"
    assert "so_ky_hieu.line_reread" in m.reasons and m.needs_review
    # the network's "QD" is the type code QĐ
    p = page(header("s: ⁄8 6QĐ UBNĐ", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", title="QUYẾT ĐỊNH"))
    number = blank("number", text="S6: 88 /QD-UBND", line="88", line_conf=0.99, x=330)
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    assert m.value("so_ky_hieu") == "88/QĐ-UBND" and m.needs_review
    # without a line reading the number stays missing, as before
    m = extract(doc_of(p))
    assert m.value("so_ky_hieu") is None and "so_ky_hieu.missing" in m.reasons


def test_the_number_label_with_its_vowel_lost_still_opens_the_number_line():
    assert NUMBER_LABEL.match(fold("s. 4948 /QĐ-VTLTNN"))
    assert NUMBER_LABEL.match(fold("Sẽ: 12 /TB-UBND"))
    assert not NUMBER_LABEL.match(fold("sự kiện 12/TB"))


def test_noise_before_tháng_does_not_hide_the_day():
    r = read_date(fold("Lạng Sơn, ngày 01 _tháng 3 năm 2016"))
    assert (r.day, r.month, r.year) == (1, 3, 2016)


def test_a_sure_line_reading_longer_than_cut_crops_is_the_reading():
    # the crops cut the last digit off ("19" of "195"); the whole line, not cut, read it surely
    v = vote_blank(blank("number", tess=["19"] * 3, neural="19", conf=0.99, line="195", line_conf=0.99))
    assert (v.value, v.agreement) == ("195", "disagree")
    # unsure, it is still the likelier reading, but contested: a clerk checks
    v = vote_blank(blank("number", neural="19", conf=0.99, line="195", line_conf=0.5))
    assert (v.value, v.agreement) == ("195", "disagree")
    # a day cut to one digit by its box: the line's two digits, for review, instead of no day at all
    p = page(header("Số: 16/CT-UBND", "Quảng Ngãi, ngày   tháng 12 năm 2021"))
    day = blank("day", tess=["2"] * 4, neural="2", conf=0.8, line="27", line_conf=0.86, x=1100)
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2021-12-27" and "ngay_ban_hanh.readers_disagree" in m.reasons


def test_a_number_set_tight_against_the_slash_yields_to_the_blank_s_readers():
    p = page(header("Số: 5/2025/QĐ-UBND", "Hà Nội, ngày 09 tháng 5 năm 2025", title="QUYẾT ĐỊNH"))
    number = blank("number", first="1Ø5", tess=["19"] * 3, neural="19", conf=0.99, line="195", line_conf=0.99)
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    assert m.value("so_ky_hieu") == "195/2025/QĐ-UBND" and m.needs_review
    # the same readers agreeing with the line: typed, trusted as before
    typed = blank("number", first="5", neural="5", conf=0.99)
    m = extract(doc_of(p.model_copy(update={"blanks": [typed]})))
    assert m.value("so_ky_hieu") == "5/2025/QĐ-UBND" and not any(
        r.startswith("so_ky_hieu") for r in m.reasons
    )


def test_a_known_type_code_against_the_title_is_repaired_only_with_a_second_witness():
    from pipeline.metadata.consistency import repair_type_code

    assert repair_type_code("PC-UBND", "BC") is None  # a known code: a real disagreement
    assert repair_type_code("PC-UBND", "BC", "BC-UBND") == "BC-UBND"
    assert repair_type_code("PC-UBND", "BC", "PC-UBND") is None
    # the witness's type code is its first part that is not a number, not the year before it
    assert repair_type_code("25/PC-UBND", "BC", "2025/BC-UBND") == "25/BC-UBND"
    p = page(header("Số: 462 /PC-UBND", "Bắc Ninh, ngày 02 tháng 8 năm 2024", title="BÁO CÁO"))
    number = blank("number", tess=["462"] * 3, neural="462", conf=0.99, text="S6: 462/BC-UBND", line="462",
                   line_conf=0.99)  # fmt: skip
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    assert m.value("so_ky_hieu") == "462/BC-UBND" and "loai_van_ban.code_mismatch" not in m.reasons


def test_a_date_line_read_whole_fills_the_day_and_never_overrides_print_silently():
    p = page(header("Số: 16/CT-UBND", "Quảng Ngãi, ngàv 2# thúnq 12 năm 2021"))
    day = blank("day", line="27", line_conf=0.98, text="Quang Ngai, ngay 27 thang 12 nam 2021", x=1100)
    month = blank("month", line="12", line_conf=0.98, text="Quang Ngai, ngay 27 thang 12 nam 2021", x=1100)
    m = extract(doc_of(p.model_copy(update={"blanks": [day, month]})))
    assert m.value("ngay_ban_hanh") == "2021-12-27" and "ngay_ban_hanh.line_reread" in m.reasons
    # the network's month against the month Tesseract read in print: a conflict for a clerk, not a swap
    other = blank("month", line="11", line_conf=0.98, text="Quang Ngai, ngay 27 thang 11 nam 2021", x=1100)
    m = extract(doc_of(p.model_copy(update={"blanks": [day, other]})))
    assert "ngay_ban_hanh.conflict" in m.reasons and m.needs_review


def test_the_network_restores_a_printed_code_the_handwriting_damaged():
    from pipeline.metadata.consistency import vote_code

    assert vote_code("TLTNN-VP", "VTLTNN-VP") == "VTLTNN-VP"  # a letter lost beside the blank
    assert vote_code("TTr", "TTr-CLS") == "TTr-CLS"  # a part lost
    assert vote_code("BC-.uND", "BC-UBND") == "BC-UBND"  # a mark read into it
    # case alone, or two well-formed codes that differ otherwise: the print reading stays
    assert vote_code("BC-SNgV", "BC-SNGV") is None
    assert vote_code("UBND-TH", "UBND-VX") is None
    # the network's own reading must be well formed
    assert vote_code("BC-.uND", "BC-ubnd") is None
    assert vote_code("QĐ-UBND", None) is None


def test_a_code_restored_from_the_line_reading_is_sent_to_review():
    p = page(header("Số: 01 /UND-VP", "Quảng Ngãi, ngày 28 tháng 8 năm 2018", "BÁO CÁO"))
    number = blank("number", tess=["01"] * 3, neural="01", conf=0.99, line="01", line_conf=0.99,
                   text="S6: 01 /UBND-VP")  # fmt: skip
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    assert m.value("so_ky_hieu") == "01/UBND-VP" and m.value("ky_hieu") == "UBND-VP"
    assert "so_ky_hieu.code_reread" in m.reasons
    # the two readings of the code agreeing: the line gives nothing to restore, but UND under a People's
    # Committee is its UBND with a letter lost, restored from the issuer and reviewed
    number = number.model_copy(update={"line_text": "S6: 01 /UND-VP"})
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    assert m.value("so_ky_hieu") == "01/UBND-VP" and "so_ky_hieu.code_repaired" in m.reasons
    assert "so_ky_hieu.code_reread" not in m.reasons


def test_two_readings_of_the_code_that_both_look_like_one_send_it_to_review():
    from pipeline.metadata.consistency import codes_disagree

    # handwriting written across the print made Tesseract read letters into the issuer's code
    assert codes_disagree("BC-UuBNDb", "BC-UBND")
    assert codes_disagree("UBND-TH", "UBND-VX")
    # case and the diacritics the network drops are no disagreement; nor is a garbled second reading
    assert not codes_disagree("BC-SNgV", "BC-SNGV")
    assert not codes_disagree("QĐ-UBND", "QD-UBND")
    assert not codes_disagree("BC-UBND", "BC-ubnd")
    assert not codes_disagree("BC-UBND", None)

    p = page(header("Số: 1218/BC-UuBNDb", "Đà Nẵng, ngày 26 tháng 4 năm 2021", "BÁO CÁO"))
    number = blank("number", first="1218", neural="1218", conf=0.99, line="1218", line_conf=0.99,
                   text="ső: 1218/BC-UBND Đà")  # fmt: skip
    m = extract(doc_of(p.model_copy(update={"blanks": [number]})))
    # the print reading is garbled (no office writes UuBNDb), the line's spells the issuer: that one is
    # shown, and neither is trusted
    assert m.value("so_ky_hieu") == "1218/BC-UBND"
    assert "so_ky_hieu.code_disagree" in m.reasons and m.needs_review


def test_of_two_codes_that_disagree_the_one_that_abbreviates_the_issuer_is_shown():
    from pipeline.metadata.consistency import issuer_picks_code
    from pipeline.metadata.evidence import Hit

    cuc = Hit("CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC", (), 0.9)
    assert issuer_picks_code("QĐ-VILTNN", "QĐ-VTLTNN", cuc) == "QĐ-VTLTNN"
    # both abbreviate the issuer, or neither, or no issuer: the print reading stays
    ubnd = Hit("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", (), 0.9)
    assert issuer_picks_code("UBND-TH", "UBND-VX", ubnd) == "UBND-TH"
    assert issuer_picks_code("QĐ-VILTNN", "QĐ-VTLTNN", ubnd) == "QĐ-VILTNN"
    assert issuer_picks_code("QĐ-VILTNN", "QĐ-VTLTNN", None) == "QĐ-VILTNN"

    rows = header("Số: 12 /QĐ-GLS", "Hà Nội, ngày 17 tháng 02 năm 2020", "QUYẾT ĐỊNH")
    rows[0] = (180, [("BỘ NGOẠI GIAO", 300), rows[0][1][1]])
    rows[1] = (220, [("CỤC LÃNH SỰ", 310), rows[1][1][1]])
    number = blank("number", tess=["12"] * 3, neural="12", conf=0.99, line="12", line_conf=0.99,
                   text="S6: 12 /QD-CLS")  # fmt: skip
    m = extract(doc_of(page(rows).model_copy(update={"blanks": [number]})))
    assert m.value("co_quan_ban_hanh") == "CỤC LÃNH SỰ"
    assert m.value("so_ky_hieu") == "12/QĐ-CLS" and "so_ky_hieu.code_disagree" in m.reasons


def test_a_code_that_contradicts_the_issuer_is_in_doubt_too():
    # ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI does not abbreviate to BNG: the code may be the misread field
    p = page(header("Số: 25/QĐ-BNG", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))
    m = extract(doc_of(p))
    assert "so_ky_hieu.code_mismatch" in m.reasons and m.needs_review
    p = page(header("Số: 25/QĐ-UBND", "Quảng Ngãi, ngày 05 tháng 02 năm 2025", "QUYẾT ĐỊNH"))
    assert not any(r.startswith("so_ky_hieu") for r in extract(doc_of(p)).reasons)


def test_a_disputed_blank_shows_the_value_most_of_its_readers_saw():
    # Tesseract and the line read 517, the network's crops split 512 / 517: 517, still for review
    b = blank("number", tess=["517"] * 6, neural="512", conf=0.47, line="517", line_conf=0.71)
    b = b.model_copy(update={"digits_readings": ["512", "517"]})
    v = vote_blank(b)
    assert (v.value, v.agreement) == ("517", "disagree")
    # Tesseract against the two crops that read alike: the neural reading is shown
    v = vote_blank(blank("number", tess=["16"] * 3, neural="46", conf=0.9))
    assert (v.value, v.agreement) == ("46", "disagree")


def test_the_line_keeps_the_leading_zero_the_crops_lost():
    v = vote_blank(blank("day", neural="4", conf=0.96, line="04", line_conf=0.87))
    assert (v.value, v.agreement) == ("04", "neural")


def test_a_one_digit_day_is_completed_by_the_one_reading_that_has_two():
    p = page(header("Số: 15/BC-SNgV", "Quảng Ninh, ngày   tháng 5 năm 2018"))
    day = blank("day", tess=["8"] * 3, neural="8", conf=0.68, line="8", line_conf=0.99, x=1100)
    day = day.model_copy(update={"digits_readings": ["08", "8", "8", "8"]})
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2018-05-08" and "ngay_ban_hanh.readers_disagree" in m.reasons
    # readers that all saw a lone 0 (no day): the one reading with two digits is the day, in review
    zero = blank("day", tess=["", "0", ""], neural="0", conf=0.74, line="0", line_conf=0.96, x=1100)
    zero = zero.model_copy(update={"digits_readings": ["0", "0", "0", "02"]})
    m = extract(doc_of(p.model_copy(update={"blanks": [zero]})))
    assert m.value("ngay_ban_hanh") == "2018-05-02" and "ngay_ban_hanh.readers_disagree" in m.reasons
    # two different completions ("08", "18"): no day rather than a guess between them
    day = day.model_copy(update={"digits_readings": ["08", "18", "8", "8"]})
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2018-05" and "ngay_ban_hanh.day_unread" in m.reasons


def test_a_month_every_reader_of_the_page_lost_is_read_on_the_networks_date_line():
    p = page(header("Số: 01/CT-UBND", "Quảng Ngãi, ngày 04 tháng năm 2021", "CHỈ THỊ"))
    day = blank("day", first="04", tess=["04"] * 3, neural="04", conf=0.99, line="04", line_conf=0.99,
                text="ngày 04 tháng01 nǎm 2021", x=1100)  # fmt: skip
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2021-01-04"
    assert "ngay_ban_hanh.line_reread" in m.reasons and m.needs_review
    # a line of another year is another line: the date stays incomplete
    other = day.model_copy(update={"line_text": "ngày 04 tháng 01 năm 2020"})
    m = extract(doc_of(p.model_copy(update={"blanks": [other]})))
    assert m.value("ngay_ban_hanh") != "2020-01-04" and m.needs_review


def test_a_day_of_no_month_read_with_a_seven_is_the_one_it_likelier_is():
    p = page(header("Số: 01/KH-UBND", "Quảng Ngãi, ngày “32 tháng 4 năm 2018", "KẾ HOẠCH"))
    day = blank("day", first="“32", neural="73", conf=0.86, line="73", line_conf=0.95,
                text="ngày73 tháng 4 năm 2018", x=1100)  # fmt: skip
    m = extract(doc_of(p.model_copy(update={"blanks": [day]})))
    assert m.value("ngay_ban_hanh") == "2018-04-13"  # a handwritten 1 read as 7: 73 is no day
    assert m.needs_review and any(r.startswith("ngay_ban_hanh") for r in m.reasons)
