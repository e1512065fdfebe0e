"""The form blanks of a page-1 header, found from the full-page reading (no Tesseract call)."""

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
    found = {kind: (box, first, sure) for kind, box, first, sure in find_blanks(words, 1654, 2339)}
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
    assert [(k, first, sure) for k, _, first, sure in found] == [("number", "1340", True)]


def test_handwriting_glued_to_its_label_is_still_a_blank():
    words = [
        w("Số:⁄‡6", 320, conf=60.0), w("/CT-UBND", 430),
        # "ngày" swollen by the handwritten day it touches (box twice the width of four letters)
        w("ngày", 1030, width=182, line=2), w("“tháng", 1220, line=2), w("12", 1320, line=2),
        w("năm", 1360, line=2), w("2021", 1420, line=2),
    ]  # fmt: skip
    found = {kind: (box, first) for kind, box, first, _sure in find_blanks(words, 1654, 2339)}
    assert found["number"][1] == "⁄‡6"
    assert 320 < found["number"][0][0] < 430
    (x, _, width, _), first = found["day"]
    assert first == "" and x < 1030 + 182 and x + width == 1220
