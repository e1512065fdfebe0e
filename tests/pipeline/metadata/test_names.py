"""Name syllables read with a tone mark no name carries are repaired from the name list, others kept."""

from __future__ import annotations

from pipeline.metadata.names import plausible_name, repair_name_tone
from pipeline.metadata.reference import name_syllables


def test_a_tone_no_name_uses_becomes_the_common_spelling():
    assert repair_name_tone("Tuần") == "Tuấn"  # acute read as grave
    assert repair_name_tone("Hứng") == "Hưng"
    assert plausible_name("Nguyễn Anh Tuần") == "Nguyễn Anh Tuấn"
    assert plausible_name("Trần Mịnh Đức") == "Trần Minh Đức"  # a middle name too


def test_a_spelling_some_name_uses_is_kept_however_rare():
    assert 0 < name_syllables()["Ngà"] < 5
    assert repair_name_tone("Ngà") == "Ngà"
    assert plausible_name("Lê Thị Ngà") == "Lê Thị Ngà"
    assert plausible_name("Nguyễn Văn Hà") == "Nguyễn Văn Hà"


def test_no_repair_without_one_clearly_dominant_spelling():
    assert repair_name_tone("Xuyểt") == "Xuyểt"  # letters no common name spells
    # Thanh and Thành are both common: a third tone of the same letters is not either of them
    assert name_syllables()["Thanh"] > 100 and name_syllables()["Thành"] > 100
    assert repair_name_tone("Thảnh") == "Thảnh"


def test_a_syllable_that_lost_every_mark_is_compared_with_all_spellings_of_its_letters():
    assert repair_name_tone("Quoc") == "Quốc" and repair_name_tone("Huu") == "Hữu"
    assert plausible_name("Trần Quoc Tuan") == "Trần Quốc Tuấn"
    # Hùng and Hưng, Tấn and Tân are both common: the letters alone do not tell them apart
    assert repair_name_tone("Hung") == "Hung" and repair_name_tone("Tan") == "Tan"
    assert repair_name_tone("Nam") == "Nam"  # a name spelt so


def test_the_family_name_is_never_taken_for_a_given_name():
    assert plausible_name("Hà Văn Tuần") == "Hà Văn Tuấn"
    assert plausible_name("Lâm Quang Huy") == "Lâm Quang Huy"


def test_letters_outside_the_vietnamese_alphabet_are_no_syllable():
    """VNI-encoded text shown as Latin-1 ("Vieät", "Hoøang") is mojibake, never a name's syllable."""
    from pipeline.metadata.names import syllable_ok

    assert syllable_ok("việt") and syllable_ok("hoàng") and syllable_ok("ưng")
    assert not any(syllable_ok(w) for w in ("vieät", "hoøang", "döông", "thö"))
    assert not any(k in name_syllables() for k in ("Vieät", "Hoøang", "Thö"))


def test_a_family_name_with_its_head_cut_off_is_repaired_only_when_one_name_fits():
    """GIVEN a seal's edge or a line crop that cut the first letters of a three-word name THEN the one
    family name ending so is restored; a tail several names share, or a two-word line, stays unrepaired."""
    assert plausible_name("rần Phước Hiền") == "Trần Phước Hiền"
    assert plausible_name("guyễn Phước Bình") == "Nguyễn Phước Bình"
    assert plausible_name("Kguyễn Quốc Việt") == "Nguyễn Quốc Việt"  # first letter misread, not lost
    assert plausible_name("ương Văn An") is None  # Dương, Lương, Trương, Vương
    assert plausible_name("an Văn Bình") is None  # too short a tail to tell
    assert plausible_name("rần Hiền") is None  # two words: a given name may head it
    assert plausible_name("strấn Phước Hiền") == "Trần Phước Hiền"  # a stroke glued on as a letter
