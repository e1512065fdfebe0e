"""Voting between the full-page reading of a header/closing line and its re-reads (no Tesseract call).

The noisy readings are made here, in the shapes OCR gives them on a seal-covered signer block: a speck
glued in front (``“Trần``), a wrong tone mark (``Thũy``), seal fragments read as extra short words.
"""

from collections import Counter

from pipeline.metadata import extract
from pipeline.metadata.rereads import apply_rereads, vote_line
from sohoa.model.ocr import Line, LineReading, LineRereading, OcrDocument, OcrPage, PageSource
from tests.pipeline import ocr_pages
from tests.pipeline.ocr_pages import CHAR_W, LINE_H


def words_of(text, x=900, y=1980, conf=90.0, line=0, confs=None):
    """A line's words where these tests put the signer's name (:func:`tests.pipeline.ocr_pages.words_of`)."""
    return ocr_pages.words_of(text, x, y, line, conf=conf, confs=confs)


def reread(line, *readings):
    rs = [
        LineReading(variant=v, text=t, conf=c, words=words_of(t, conf=c, line=line)) for v, t, c in readings
    ]
    return LineRereading(line=line, zone="closing", box=(900, 1980, 400, LINE_H), readings=rs)


def texts(words):
    return " ".join(w.text for w in words)


def test_two_rereads_agreeing_fix_a_tone_mark_and_drop_the_glued_speck():
    first = words_of("“Trần Thũy Hạnh", confs=[62.0, 55.0, 80.0])
    rr = reread(0, ("h56-otsu", "ề -Trần Thùy Hạnh", 70.0), ("h48-smooth", "_ Trần Thùy Hạnh", 72.0),
                ("h40-adaptive", "Trần Thẫy Hạnh", 60.0))  # fmt: skip
    assert texts(vote_line(first, rr, Counter())) == "Trần Thùy Hạnh"


def test_a_dash_before_a_name_is_no_bullet_when_the_page_reading_has_none():
    """GIVEN "Xuân Hoa" on the page and two wider re-reads that found the family name, one with a
    signature stroke read as a dash in front THEN the two agree on three words and restore it."""
    first = words_of("Xuân Hoa", conf=90.0)
    rr = reread(0, ("h56-otsu", "- -Bùi Xuân Hoa", 79.0), ("h48-smooth", "' -Bùi Xuân Hoa", 71.0))
    assert texts(vote_line(first, rr, Counter())) == "-Bùi Xuân Hoa"
    # a recipients' line read with its bullet keeps the bullet
    listed = words_of("- Như trên;", conf=90.0)
    rr = reread(0, ("h56-otsu", "- Như trên;", 90.0), ("h48-smooth", "- Như trên;", 88.0))
    assert texts(vote_line(listed, rr, Counter())) == "- Như trên;"


def test_on_a_name_line_a_well_formed_syllable_beats_debris_read_more_confidently():
    """GIVEN "Công Sơn" on the page and two re-reads that found the family name, as "Phạm" (conf 4) and
    as "'Phạmí" (conf 11) THEN "Phạm" is kept, with the confidence of the rival it beat; on a
    recipients' line (not every word capitalised) confidence alone still decides."""
    first = words_of("Công Sơn", conf=96.0)
    readings = [
        LineReading(variant=v, text=t, conf=60.0, words=words_of(t, confs=[c, 90.0, 95.0]))
        for v, t, c in (("h56-otsu", "Phạm Công Sơn", 4.0), ("h48-smooth", "'Phạmí Công Sơn", 11.0))
    ]
    rr = LineRereading(line=0, zone="closing", box=(900, 1980, 400, LINE_H), readings=readings)
    voted = vote_line(first, rr, Counter())
    assert texts(voted) == "Phạm Công Sơn" and voted[0].conf == 11.0
    listed = words_of("Sở Tài chỉnh;", conf=60.0)
    rr = reread(0, ("h56-otsu", "Sở Tài chính;", 50.0), ("h48-smooth", "Sở Tài chínhh;", 70.0))
    assert texts(vote_line(listed, rr, Counter())).endswith("chínhh;")


def test_a_lone_reread_does_not_overrule_the_page_reading():
    first = words_of("Nguyễn Văn An", conf=85.0)
    rr = reread(0, ("h56-otsu", "Nguyễn Vân An", 80.0), ("h48-smooth", "Nguyễn Văn Án", 60.0))
    # each position: two of three readings keep the page's word
    assert texts(vote_line(first, rr, Counter())) == "Nguyễn Văn An"


def test_noise_readings_are_ignored():
    first = words_of("CHỦ TỊCH", conf=80.0)
    rr = reread(0, ("h56-otsu", "113K115 D", 13.0), ("h48-smooth", "ÂAŒẠ—II.", 15.0))
    assert texts(vote_line(first, rr, Counter())) == "CHỦ TỊCH"


def test_the_documents_own_spelling_breaks_a_tie():
    first = words_of("Lê Anh Hoa", confs=[90.0, 90.0, 50.0])
    rr = reread(0, ("h56-otsu", "Lê Anh Hòa", 95.0))
    # one vote each for "Hoa" and "Hòa": the spelling the page uses elsewhere wins over confidence
    assert texts(vote_line(first, rr, Counter({"Hoa": 3}))) == "Lê Anh Hoa"
    assert texts(vote_line(first, rr, Counter())) == "Lê Anh Hòa"


def test_without_agreement_on_the_words_the_medoid_must_beat_the_page_reading():
    first = words_of("PHO GIAM ĐÓC", conf=40.0)
    rr = reread(0, ("h56-otsu", "PHÓ GIÁM ĐỐC", 88.0), ("h48-smooth", "PHÓ GIÁMĐỐC", 70.0),
                ("h40-adaptive", "PHÓ GIÁM ĐỐC SỞ X", 50.0))  # fmt: skip
    assert texts(vote_line(first, rr, Counter())) == "PHÓ GIÁM ĐỐC"


def signer_page(name_words, rereads=()):
    rows = [
        (1600, "Nơi nhận:", 260), (1600, "KT. GIÁM ĐỐC", 1050), (1640, "- Lưu: VT, HCTP.", 270),
        (1640, "PHÓ GIÁM ĐỐC", 1040),
    ]  # fmt: skip
    words, lines = [], []
    for i, (y, text, x) in enumerate(rows):
        lw = words_of(text, x=x, y=y, line=i, conf=93.0)
        words += lw
        lines.append(Line(text=text, conf=93.0, box=(x, y, CHAR_W * len(text), LINE_H)))
    name_line = len(lines)
    words += [w.model_copy(update={"line": name_line}) for w in name_words]
    lines.append(Line(text=texts(name_words), conf=60.0, box=(900, 1980, 400, LINE_H)))
    return OcrPage(
        number=1, source=PageSource.OCR, text="\n".join(ln.text for ln in lines), confidence=85.0,
        width=1654, height=2339, words=words, lines=lines, rereads=list(rereads),
    )  # fmt: skip


def test_extraction_reads_the_signer_from_the_voted_line_and_keeps_its_boxes():
    first = words_of("“Trần Thũy Hạnh", line=4, confs=[62.0, 55.0, 80.0])
    rr = reread(4, ("h56-otsu", "ề -Trần Thùy Hạnh", 70.0), ("h48-smooth", "_ Trần Thùy Hạnh", 72.0))
    page = signer_page(first, [rr])
    voted = apply_rereads(page)
    name = [w for w in voted.words if w.line == 4]
    assert texts(name) == "Trần Thùy Hạnh"
    assert all(w.box[1] == 1980 for w in name)  # page coordinates, where the line is
    doc = OcrDocument(
        file_name="x.png", sha256="0" * 64, media_type="image/png", pages=[page], languages="vie"
    )
    assert extract(doc).value("nguoi_ky") == "Trần Thùy Hạnh"


def test_a_page_without_rereads_is_unchanged():
    page = signer_page(words_of("Trần Thùy Hạnh", line=4))
    assert apply_rereads(page) is page


def test_a_bare_stroke_between_two_header_columns_is_not_a_word():
    """GIVEN both re-reads put a ``_`` in the gap of a merged header line, THEN the page's split wins."""
    text = "UBND TỈNH QUẢNG NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    first = words_of(text, conf=88.0)
    left, right = "UBND TỈNH QUẢNG NINH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    rr = reread(0, ("h56-otsu", f"{left} _ {right}", 90.0), ("h48-smooth", f"{left} ~ {right}", 90.0))
    assert texts(vote_line(first, rr, Counter())) == text
    # a dash is text, not a stroke
    dash = "Độc lập - Tự do - Hạnh phúc"
    rr = reread(0, ("h56-otsu", dash, 90.0), ("h48-smooth", dash, 90.0))
    assert texts(vote_line(words_of("Độc lập Tự do - Hạnh phúc"), rr, Counter())) == dash


def test_rereads_of_a_number_line_that_lost_its_slash_do_not_vote():
    """GIVEN the page read ``số: Ố⁄2/pc-UBND`` and two re-reads agree on ``Số: 462 mc-usụn`` (the
    handwriting better, the printed code lost) THEN the page reading stays: the code is print."""
    first = words_of("số: Ố⁄2/pc-UBND", x=350, y=265, conf=55.0)
    rr = reread(0, ("h56-otsu", "Số: 462 mc-usụn", 70.0), ("h48-smooth", "Số: 462 mc-usụn", 72.0))
    rr = rr.model_copy(update={"zone": "header"})
    assert texts(vote_line(first, rr, Counter())) == "số: Ố⁄2/pc-UBND"
    # rereads that keep the slash still vote
    rr2 = reread(0, ("h56-otsu", "Số: 46/BC-UBND", 70.0), ("h48-smooth", "Số: 46/BC-UBND", 72.0))
    assert texts(vote_line(first, rr2.model_copy(update={"zone": "header"}), Counter())) == "Số: 46/BC-UBND"


def test_a_bare_stroke_never_outvotes_the_digits_of_a_handwritten_day():
    """GIVEN the page read the handwritten day ``17`` and two re-reads of the date line made ``-`` of it
    THEN the day stays 17 (the other words still vote)."""
    first = words_of("Hà Nội, ngày 17 tháng 02 năm 2020", x=870, y=312, conf=90.0)
    rr = reread(0, ("h56-otsu", "Hà Nội, ngày - tháng 02 năm 2020", 80.0),
                ("h48-smooth", "Hà Nội, ngày - tháng 02 năm 2020", 82.0))  # fmt: skip
    voted = vote_line(first, rr.model_copy(update={"zone": "header"}), Counter())
    assert texts(voted) == "Hà Nội, ngày 17 tháng 02 năm 2020"


def test_in_the_header_a_reading_that_saw_digits_beats_letters_made_of_handwriting():
    """GIVEN the page read the handwritten day ``31`` and both re-reads made ``Š_`` of it THEN 31 stays."""
    first = words_of("Hà Nội, ngày 31 tháng 10 năm 2018", x=870, y=312, conf=85.0)
    rr = reread(0, ("h56-otsu", "Hà Nội, ngày Š_ tháng 10 năm 2018", 90.0),
                ("h48-smooth", "Hà Nội, ngày Š_ tháng 10 năm 2018", 84.0))  # fmt: skip
    voted = vote_line(first, rr.model_copy(update={"zone": "header"}), Counter())
    assert texts(voted) == "Hà Nội, ngày 31 tháng 10 năm 2018"
