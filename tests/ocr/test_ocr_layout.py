"""Reading order from word boxes (pure, no Tesseract)."""

from __future__ import annotations

from ocr.layout import (
    RawWord,
    build_lines,
    drop_noise,
    fix_confusables,
    fix_words,
    is_noise,
    parse_tsv,
    reading_order,
)


def _line(text: str, x: int, y: int, block: int, line: int, h: int = 30) -> list[RawWord]:
    words, cursor = [], x
    for token in text.split():
        width = 18 * len(token)
        words.append(RawWord(token, 95.0, cursor, y, width, h, block, 1, line))
        cursor += width + 12
    return words


def _page() -> list[RawWord]:
    words: list[RawWord] = []
    # Tesseract glued each header row into one line (block 1), as it does on real pages
    rows = [
        ("UBND TỈNH NGHỆ AN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("SỞ NGOẠI VỤ", "Độc lập - Tự do - Hạnh phúc"),
        ("Số: 692/BC-SNgV", "Nghệ An, ngày 08 tháng 5 năm 2024"),
    ]
    for i, (left, right) in enumerate(rows):
        words += _line(left, 100, 100 + 50 * i, 1, i) + _line(right, 900, 102 + 50 * i, 1, i)
    words += _line("HỎA TỐC", 150, 260, 2, 0)
    words += _line("BÁO CÁO", 700, 360, 3, 0)
    for i in range(3):
        words += _line(
            "Thực hiện chế độ báo cáo định kỳ của Sở Ngoại vụ tỉnh Nghệ An báo cáo", 100, 420 + 50 * i, 4, i
        )
    words += _line("Nơi nhận:", 100, 700, 5, 0) + _line("KT. GIÁM ĐỐC", 1000, 690, 5, 0)
    words += _line("- Như trên;", 100, 740, 5, 1) + _line("PHÓ GIÁM ĐỐC", 1000, 735, 5, 1)
    words += _line("- Lưu: VT.", 100, 780, 5, 2)
    words += _line("Nguyễn Văn An", 1000, 880, 6, 0)
    return words


def test_two_column_header_and_closing_are_read_column_by_column() -> None:
    segments = reading_order(_page(), 1654, 1000)
    _, lines, text = build_lines(segments)
    assert [line.text for line in lines] == [
        "UBND TỈNH NGHỆ AN",
        "SỞ NGOẠI VỤ",
        "Số: 692/BC-SNgV",
        "HỎA TỐC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nghệ An, ngày 08 tháng 5 năm 2024",
        "BÁO CÁO",
        *["Thực hiện chế độ báo cáo định kỳ của Sở Ngoại vụ tỉnh Nghệ An báo cáo"] * 3,
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn An",
    ]
    regions = {line.text: line.region for line in lines}
    assert regions["SỞ NGOẠI VỤ"] == "header-left"
    assert regions["Độc lập - Tự do - Hạnh phúc"] == "header-right"
    assert regions["BÁO CÁO"] == "body"
    assert regions["- Như trên;"] == "closing-left"
    assert regions["PHÓ GIÁM ĐỐC"] == "closing-right"
    assert text.splitlines()[0] == "UBND TỈNH NGHỆ AN"


def test_single_column_text_keeps_line_order() -> None:
    words = []
    for i in range(5):
        words += _line(f"dòng {i} của văn bản hành chính", 100, 100 + 45 * i, 1, i)
    _, lines, _ = build_lines(reading_order(words, 1654, 2339))
    assert [line.text for line in lines] == [f"dòng {i} của văn bản hành chính" for i in range(5)]
    assert {line.region for line in lines} == {"body"}


def test_parse_tsv_normalizes_to_nfc_and_skips_empty_words() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    decomposed = "Vie\u0302\u0323t"  # Việt in NFD
    rows = [
        header,
        "5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t91.5\t" + decomposed,
        "5\t1\t1\t1\t1\t2\t70\t10\t5\t20\t-1\t ",
        "4\t1\t1\t1\t1\t0\t10\t10\t60\t20\t-1\t",
    ]
    words = parse_tsv("\n".join(rows))
    assert [w.text for w in words] == ["Việt"]
    assert words[0].text == "Vi\u1ec7t"


def test_page_of_running_columns_keeps_tesseract_block_order() -> None:
    """GIVEN a two-column article (Tesseract gives the left column's block first) THEN columns stay whole."""
    words: list[RawWord] = []
    for i in range(12):
        words += _line(f"trái dòng {i} của cột bài báo", 100, 100 + 45 * i, 1, i)
    for i in range(12):
        words += _line(f"phải dòng {i} của cột bài báo", 900, 100 + 45 * i, 2, i)
    _, lines, _ = build_lines(reading_order(words, 1654, 2339))
    assert [line.text.split()[0] for line in lines] == ["trái"] * 12 + ["phải"] * 12
    assert lines[11].text.startswith("trái dòng 11")


def test_noise_from_seals_and_specks_is_dropped_real_words_kept() -> None:
    def w(text: str, conf: float) -> RawWord:
        return RawWord(text, conf, 0, 0, 10, 10, 1, 1, 1)

    noise = [w("¬-.", 0), w("F:", 40), w("\\", 79), w("⁄", 87), w("I&", 0), w("\\Ă£", 18), w("`@", 17)]
    real = [
        w("-", 92),
        w("Tĩnh./.", 85),
        w("z", 78),
        w("Sở;", 96),
        w("độc", 64),
        w("b/c);", 88),
        w("(đề", 75),
    ]
    assert drop_noise(noise + real) == real
    assert all(is_noise(x) for x in noise)


def _closing_on_top() -> list[RawWord]:
    """A continuation page: page number, the last body lines, then Nơi nhận / signer near the top."""
    words = _line("2", 820, 60, 1, 0)
    for i in range(2):
        words += _line(
            "cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành quyết định này", 100, 140 + 50 * i, 2, i
        )
    words += _line("Nơi nhận:", 100, 300, 3, 0) + _line("TM. ỦY BAN NHÂN DÂN", 950, 290, 3, 0)
    words += _line("- Như Điều 3;", 100, 340, 3, 1) + _line("CHỦ TỊCH", 1050, 335, 3, 1)
    words += _line("- Lưu: VT, NC.", 100, 380, 3, 2)
    words += _line("Trần Văn Bình", 1000, 500, 4, 0)
    return words


def test_closing_block_at_the_top_of_a_continuation_page_is_closing() -> None:
    for page_number in (2, 1):  # page 1 too: a separate image file of page 2 has no page number
        _, lines, _ = build_lines(reading_order(_closing_on_top(), 1654, 2339, page_number))
        regions = {line.text: line.region for line in lines}
        assert regions["Nơi nhận:"] == "closing-left", page_number
        assert regions["- Lưu: VT, NC."] == "closing-left"
        assert regions["CHỦ TỊCH"] == "closing-right"
        assert not any(r.startswith("header") for r in regions.values())


def _body(y: int, block: int = 9) -> list[RawWord]:
    words: list[RawWord] = []
    for i in range(6):
        words += _line(
            "các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành văn bản này",
            100,
            y + 50 * i,
            block,
            i,
        )
    return words


def test_silent_two_column_block_on_a_continuation_page_is_never_a_header() -> None:
    words: list[RawWord] = _body(600)
    for i, (left, right) in enumerate(
        [("ông Lê Văn Hải", "bà Phạm Thu Hà"), ("ông Đỗ Minh", "bà Vũ Lan"), ("ông Hồ Nam", "bà Mai Anh")]
    ):
        words += _line(left, 100, 150 + 50 * i, 1, i) + _line(right, 950, 150 + 50 * i, 1, i)
    on_page_1 = {ln.region for ln in build_lines(reading_order(words, 1654, 2339, 1))[1] if "bà" in ln.text}
    on_page_2 = {ln.region for ln in build_lines(reading_order(words, 1654, 2339, 2))[1] if "bà" in ln.text}
    assert on_page_1 == {"header-right"}
    assert on_page_2 == {"closing-right"}


def test_header_cues_win_over_position() -> None:
    # a header pushed low on page 1 (a tall letterhead above it) is still the header
    words = _body(1700)
    for i, (left, right) in enumerate(
        zip(
            ["UBND TỈNH NGHỆ AN", "SỞ NGOẠI VỤ", "Số: 12/TB-SNgV"],
            [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "Vinh, ngày 2 tháng 3 năm 2024",
            ],
            strict=True,
        )
    ):
        words += _line(left, 100, 1300 + 50 * i, 1, i) + _line(right, 800, 1300 + 50 * i, 1, i)
    regions = {line.text: line.region for line in build_lines(reading_order(words, 1654, 2339, 1))[1]}
    assert regions["Số: 12/TB-SNgV"] == "header-left"
    assert regions["Độc lập - Tự do - Hạnh phúc"] == "header-right"


def test_two_justified_lines_split_at_a_wide_gap_stay_body() -> None:
    words = []
    for i in range(2):
        words += _line("Điều 5. Sửa đổi,", 100, 1500 + 50 * i, 1, i) + _line(
            "sung một số điểm", 800, 1500 + 50 * i, 1, i
        )
    assert {line.region for line in build_lines(reading_order(words, 1654, 2339, 1))[1]} == {"body"}


def test_eth_look_alike_of_d_stroke_is_fixed() -> None:
    assert fix_confusables("Số: 29/QĐ\u00d0-UBND") == "Số: 29/QĐ-UBND"
    assert fix_confusables("QÐ-UBND \u00f0ồng") == "QĐ-UBND đồng"
    assert fix_confusables("ĐĐBQH tỉnh") == "ĐĐBQH tỉnh"  # a real doubled Đ (Đoàn đại biểu Quốc hội) stays
    fixed = fix_words([RawWord("29/QĐ\u00d0-UBND", 60.0, 0, 0, 10, 10, 1, 1, 1)])
    assert fixed[0].text == "29/QĐ-UBND"
