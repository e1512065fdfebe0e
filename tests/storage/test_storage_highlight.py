"""The marking rule shared by search snippets and the document page (pure, no server)."""

from __future__ import annotations

from storage.highlight import choose_marks, document_context, mark_document
from storage.query import page_highlights
from tests.storage.conftest import engine_highlight

PAGE = "QUYẾT ĐỊNH về việc lập danh mục hồ sơ. Giám đốc Sở Ngoại vụ; Số: 12; cấp hộ chiếu; quy định"


def _marked(text: str, query: str, engine: tuple[str, ...] = ()) -> list[str]:
    # The engine's marks when given (all its folded and typo marks), else the words are found in the text.
    spans = [(text.index(w), text.index(w) + len(w)) for w in engine] if engine else None
    return [text[a:b] for a, b in choose_marks(text, query, spans)]


def test_typo_tolerance_never_marks_a_different_word() -> None:
    # The fuzzy highlighter marked "danh" for "dinh"; the page holds "ĐỊNH", so "danh" is another word.
    assert _marked(PAGE, "quyet dinh", engine=("QUYẾT", "ĐỊNH", "danh")) == ["QUYẾT", "ĐỊNH"]


def test_a_typo_in_the_query_marks_only_its_closest_spelling() -> None:
    # "dihn" is on no page: its closest spelling (ĐỊNH, one transposition) is marked, not "danh".
    assert _marked(PAGE, "quyet dihn", engine=("QUYẾT", "ĐỊNH", "danh")) == ["QUYẾT", "ĐỊNH"]


def test_accent_free_phrase_does_not_mark_every_lone_syllable() -> None:
    assert _marked(PAGE, "ho so") == ["hồ", "sơ"]
    # Alone, the folded word marks all its spellings (nothing better to go by).
    assert _marked(PAGE, "so") == ["sơ", "Sở", "Số"]


def test_exact_accents_win_over_folded_matches() -> None:
    assert _marked(PAGE, "Số") == ["Số"]
    assert _marked(PAGE, "hộ chiếu") == ["hộ", "chiếu"]
    # No exact spelling on the page: the folded ones are marked.
    assert _marked("HO SO LUU TRU", "hồ sơ") == ["HO", "SO"]


def test_page_highlights_apply_the_rule_to_engine_marks() -> None:
    pages = [{"number": 1, "text": PAGE}]
    folded = PAGE.replace("hồ sơ", "<mark>hồ</mark> <mark>sơ</mark>").replace("Sở", "<mark>Sở</mark>")
    folded = folded.replace("Số", "<mark>Số</mark>").replace("hộ", "<mark>hộ</mark>")
    numbers, highlights = page_highlights(pages, engine_highlight({"pages.text.folded": [folded]}), "ho so")
    assert numbers == [1]
    fragment = " ".join(highlights[0]["fragments"])
    assert "<mark>hồ</mark> <mark>sơ</mark>" in fragment
    assert "<mark>Sở</mark>" not in fragment and "<mark>hộ</mark>" not in fragment


def test_a_phrase_on_one_page_keeps_lone_syllables_on_another_page_unmarked() -> None:
    pages = [
        {"number": 1, "text": "lập danh mục hồ sơ"},
        {"number": 2, "text": "Giám đốc Sở; Số: 12; hộ chiếu"},
    ]
    p1 = "lập danh mục <mark>hồ</mark> <mark>sơ</mark>"
    p2 = "Giám đốc <mark>Sở</mark>; <mark>Số</mark>: 12; <mark>hộ</mark> chiếu"
    numbers, highlights = page_highlights(pages, engine_highlight({"pages.text.folded": [p1, p2]}), "ho so")
    assert numbers == [1] and [h["page"] for h in highlights] == [1]


def test_an_exact_spelling_on_one_page_keeps_folded_ones_unmarked_on_another() -> None:
    pages = [{"number": 1, "text": "lập danh mục hồ sơ"}, {"number": 2, "text": "Giám đốc Sở; Số: 12"}]
    p1 = "lập danh mục hồ <mark>sơ</mark>"
    p2 = "Giám đốc <mark>Sở</mark>; <mark>Số</mark>: 12"
    numbers, highlights = page_highlights(pages, engine_highlight({"pages.text.folded": [p1, p2]}), "Số")
    assert numbers == [2] and highlights[0]["fragments"] == ["Giám đốc Sở; <mark>Số</mark>: 12"]


def test_mark_document_marks_as_choose_marks_does_in_the_document_context() -> None:
    pages = [("lập danh mục hồ sơ", None), ("Giám đốc Sở; Số: 12; hộ chiếu; quy định", None), (PAGE, None)]
    for query in ("ho so", "hồ sơ", "Số", "quyet dinh", "so", "hộ chiếu số"):
        context = document_context(pages, query)
        one_by_one = [choose_marks(text, query, marked, context=context) for text, marked in pages]
        assert mark_document(pages, query) == one_by_one, query
