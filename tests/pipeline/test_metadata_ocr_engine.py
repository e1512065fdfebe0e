"""extract() on pages shaped like the OCR engine's output: region tags, seal debris, specks, partial names.

Pages are built by hand from (y, [(text, x, conf, region)]) rows; each piece becomes one engine ``Line``
with its words, as ``ocr.ocr_file`` returns them (words carry ``line`` = index of their Line).
"""

import pytest

from pipeline.metadata import extract
from pipeline.metadata.names import plausible_name, syllable_ok
from sohoa.model.ocr import Line, OcrDocument, OcrPage, PageSource, Word

CHAR_W, LINE_H, WIDTH, HEIGHT = 14, 30, 1654, 2339


def engine_page(rows, number=1):
    """rows: (y, [(text, x, conf, region), ...]); one engine Line per piece, words with synthetic boxes."""
    words, lines = [], []
    for y, pieces in rows:
        for text, x, conf, region in pieces:
            li = len(lines)
            x0 = x
            for token in text.split():
                words.append(Word(text=token, conf=conf, box=(x, y, CHAR_W * len(token), LINE_H), line=li))
                x += CHAR_W * (len(token) + 1)
            lines.append(Line(text=text, conf=conf, box=(x0, y, x - x0, LINE_H), region=region))
    return OcrPage(
        number=number,
        source=PageSource.OCR,
        text="\n".join(ln.text for ln in lines),
        confidence=90.0,
        width=WIDTH,
        height=HEIGHT,
        words=words,
        lines=lines,
    )


def doc_of(*pages):
    return OcrDocument(
        file_name="cv.tif", sha256="0" * 64, media_type="image/tiff", pages=list(pages), languages="vie"
    )


HL, HR, B, CL, CR = "header-left", "header-right", "body", "closing-left", "closing-right"

PAGE1 = [
    (180, [("UBND TỈNH BÌNH ĐỊNH", 300, 93, HL), ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 800, 93, HR)]),
    (220, [("SỞ NỘI VỤ", 360, 93, HL), ("Độc lập - Tự do - Hạnh phúc", 880, 93, HR)]),
    (290, [("Số: 41/QĐ-SNV", 340, 90, HL), ("Bình Định, ngày 7 tháng 9 năm 2021", 820, 95, HR)]),
    # The engine counts the centred title as part of the right header column.
    (400, [("QUYẾT ĐỊNH", 740, 96, HR)]),
    (448, [("Ộ", 470, 0, B)]),  # a speck of dirt between the title and the subject
    (455, [("Về việc cử đoàn công tác đi Cộng hòa Xinh-", 420, 95, B)]),
    (500, [("-ga-po năm 2021", 680, 95, B)]),
    (600, [("GIÁM ĐỐC SỞ NỘI VỤ", 640, 95, B)]),
    (680, [("Căn cứ Quyết định số 12/2019/QĐ-UBND ngày 3 tháng 5 năm 2019 của UBND tỉnh;", 277, 96, B)]),
]


def test_closing_block_at_the_top_of_a_continuation_page_is_still_the_closing():
    """GIVEN a last page whose Nơi nhận / signer block sits at the top, tagged header-* by the engine
    (and seal debris in the signer column) WHEN extracting THEN recipients and signer are found."""
    page2 = engine_page(
        [
            (150, [("2", 820, 96, B)]),
            (220, [("Sở Nội vụ đề nghị các cơ quan phối hợp thực hiện./.", 390, 96, B)]),
            (330, [("Nơi nhận:", 240, 96, HL), ("KT. GIÁM ĐỐC", 1010, 94, HR)]),
            (370, [("- Như trên;_", 240, 95, HL), ("PHÓ GIÁM ĐỐC", 990, 90, HR)]),
            (405, [("- Công an tỉnh Bình Định;", 240, 96, HL), ("“HÓGT&", 980, 31, HR)]),
            (440, [("- Lưu: VI, VP.", 240, 92, HL), ("VAC,", 1000, 22, HR)]),
            (520, [("b4 Z%", 1035, 3, HR)]),
            (640, [("Trịnh Văn Khải", 1030, 96, HR)]),
        ],
        number=2,
    )
    v = {k: f.value for k, f in extract(doc_of(engine_page(PAGE1), page2)).fields.items()}
    assert v["noi_nhan"] == ["Như trên", "Công an tỉnh Bình Định", "Lưu: VT, VP"]
    assert v["nguoi_ky"] == "Trịnh Văn Khải"
    assert v["hinh_thuc_ky"] == "KT. GIÁM ĐỐC"
    assert v["chuc_vu_ky"] == "Phó Giám đốc"


def test_subject_skips_specks_and_joins_a_hyphen_wrapped_name():
    v = {k: f.value for k, f in extract(doc_of(engine_page(PAGE1))).fields.items()}
    assert v["loai_van_ban"] == "Quyết định"
    assert v["trich_yeu"] == "cử đoàn công tác đi Cộng hòa Xinh-ga-po năm 2021"


def _closing_page(signer_rows):
    return engine_page(
        PAGE1
        + [
            (1600, [("Nơi nhận:", 260, 96, CL)]),
            (1640, [("- Như trên;", 270, 96, CL)]),
            (1680, [("- Lưu: VT, TCCB.", 270, 95, CL)]),
        ]
        + signer_rows
    )


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        # The seal hid the family name: "Văn Khải" looks like a name but is not the whole name.
        ([(1980, [("Văn Khải", 1100, 96, CR)])], None),
        # Signature strokes read as capitalised words with very low confidence.
        ([(1980, [("Trịnh Văn Khải", 1030, 96, CR)]), (1900, [("Ha Tam", 1040, 8, CR)])], "Trịnh Văn Khải"),
        ([(1900, [("Ha Tam", 1040, 8, CR)])], None),
        # Mixed-case garbage and digits are not names.
        ([(1980, [("NGuyEn Van 4n", 1030, 90, CR)])], None),
        # Leading seal debris glued to the name and a doubled tone mark on the family name.
        ([(1980, [(">.Ngùyễn Thị Thu", 1030, 80, CR)])], "Nguyễn Thị Thu"),
        # A capital digraph read half upper case; a stray modifier letter inside.
        ([(1980, [("Đỗ ˆ THanh Tùng", 1030, 88, CR)])], "Đỗ Thanh Tùng"),
    ],
)
def test_signer_name_is_a_plausible_full_name_or_nothing(rows, want):
    rows = [(1600, [("GIÁM ĐỐC", 1050, 95, CR)])] + rows
    m = extract(doc_of(_closing_page(rows)))
    assert m.fields["nguoi_ky"].value == want


def test_plausible_name_rules():
    assert plausible_name("Lê Thế Đạt") == "Lê Thế Đạt"
    assert plausible_name("Phan Thị Hữu Thành") == "Phan Thị Hữu Thành"
    assert plausible_name("Hồàng Thùy Minh") == "Hoàng Thùy Minh"  # two tone marks: repaired from the fold
    assert plausible_name("Dình Yến") is None  # a middle name (Đình) whose family name was hidden
    assert plausible_name("Nguyễn Qúang Bình") is None  # tone on the u of "qu": a misread
    assert plausible_name("Nguyễn") is None
    assert plausible_name("Nguyễn Văn Thanh Minh Tâm Anh") is None
    assert plausible_name("Trân Trọng") is None
    assert (
        syllable_ok("nghiêng") and syllable_ok("Khuất") and not syllable_ok("Ñgô") and not syllable_ok("Xyz")
    )
