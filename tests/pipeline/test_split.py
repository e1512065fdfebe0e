"""Splitting a scanned box: separator sheets (QR codes read by zxing-cpp), headers, corrections."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import ocr
from pipeline.sheets import separator_sheet
from pipeline.split import SplitContext, apply_correction, page_cues, plan_split, whole_file
from sohoa.model.ocr import OcrDocument
from sohoa.model.split import SplitAction, SplitCorrection, SplitMode
from sohoa.settings import SplitSettings
from tests.pipeline import qa_pages as gen

DPI = 150  # enough for Tesseract and the QR decoder, and quick


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> OcrDocument:
    """GIVEN one TIFF of a box: QR sheets, a decision with blank back and annex, a notice, a letter."""
    pages: list[Image.Image] = [
        separator_sheet("HS-2024-001", dpi=DPI),  # 1
        gen.document_page(dpi=DPI, number="12/QĐ-SNgV", title="QUYẾT ĐỊNH"),  # 2: A starts
        gen.document_page(dpi=DPI, page_number=2, signer=True),  # 3: A's signer page
        gen.blank_back(DPI),  # 4: A's blank back (seal bleed-through)
        gen.document_page(dpi=DPI, annex="PHỤ LỤC", motto=True),  # 5: A's annex, after its signer page
        separator_sheet("HS-2024-002", dpi=DPI),  # 6
        gen.document_page(dpi=DPI, number="40/TB-SNgV", title="THÔNG BÁO", signer=True),  # 7: B
        gen.document_page(dpi=DPI, number="215/SNgV-VP", issuer="SỞ TƯ PHÁP", body=gen.BODY[::-1]),  # 8: C
    ]
    for page in pages:
        page.info["dpi"] = (DPI, DPI)
    path = gen.save_tiff([p.convert("RGB") for p in pages], tmp_path_factory.mktemp("split") / "box.tif")
    return ocr.ocr_file(path, ocr.OcrContext())


def test_separator_sheets_with_qr_codes_set_the_dossier(box: OcrDocument) -> None:
    """THEN each QR sheet starts a document and assigns its dossier; the sheets belong to no document."""
    plan = plan_split(box.pages, SplitMode.SEPARATOR, SplitContext())
    assert plan.separators == [1, 6]
    assert [p.pages for p in plan.parts] == [[2, 3, 4, 5], [7, 8]]
    assert [p.dossier_code for p in plan.parts] == ["HS-2024-001", "HS-2024-002"]
    assert box.pages[0].facts is not None and box.pages[0].facts.barcodes[0].format == "QRCode"


def test_auto_uses_the_sheets_when_there_are_any(box: OcrDocument) -> None:
    plan = plan_split(box.pages, SplitMode.AUTO, SplitContext())
    assert [p.pages for p in plan.parts] == [[2, 3, 4, 5], [7, 8]]
    assert plan.mode is SplitMode.AUTO


def test_headers_keep_blank_backs_and_annexes_with_their_document(box: OcrDocument) -> None:
    """THEN a header starts a document; the blank back and the annex after the signer page stay with A."""
    plan = plan_split(box.pages, SplitMode.HEADER, SplitContext())
    assert [p.pages for p in plan.parts] == [[2, 3, 4, 5], [7], [8]]
    assert plan.separators == [1, 6]
    cues = {c.number: c for c in (page_cues(p, SplitContext()) for p in box.pages)}
    assert cues[4].blank and cues[3].page_number == 2 and cues[3].signer and cues[5].annex


def test_none_leaves_the_file_whole(box: OcrDocument) -> None:
    plan = plan_split(box.pages, SplitMode.NONE, SplitContext())
    assert [p.pages for p in plan.parts] == [list(range(1, 9))]
    assert plan.separators == []


# --- the rules, on OCR results built directly -----------------------------------------------------------


def test_header_rules_on_a_concatenated_file() -> None:
    """Blank backs after signer pages, a page-2 that repeats the motto, and an annex with its own header."""
    pages = [
        gen.blank(1),  # a leading blank page goes with the first document
        gen.first_page(2),
        gen.next_page(3, 2, signer=True),
        gen.blank(4),
        gen.first_page(5, so="Số: 16/CT-UBND"),
        gen.ocr_result(6, ["2", gen.MOTTO[0], "Số: 16/CT-UBND"]),  # numbered 2 at the top: continues
        gen.ocr_result(7, ["PHỤ LỤC", gen.MOTTO[0], gen.MOTTO[1], "Số: 16/CT-UBND"]),  # annex: continues
        gen.first_page(8, so="Số: 17/QĐ-UBND"),
    ]
    plan = plan_split(pages, SplitMode.HEADER, SplitContext())
    assert [p.pages for p in plan.parts] == [[1, 2, 3, 4], [5, 6, 7], [8]]
    assert [p.reason for p in plan.parts] == ["first-page", "header", "header"]


def test_an_attached_draft_stays_with_the_submission_that_speaks_of_it() -> None:
    """A Tờ trình submitting a draft resolution: the unnumbered, undated draft after it is its annex."""
    submission = gen.first_page(1, body=["Kính trình Hội đồng nhân dân tỉnh xem xét dự thảo Nghị quyết."])
    draft = gen.first_page(2, so="Số: /2025/NQ-HĐND").model_copy()
    draft_top = [
        "HỘI ĐỒNG NHÂN DÂN",
        gen.MOTTO[0],
        gen.MOTTO[1],
        "Số: /2025/NQ-HĐND",
        "Quảng Ngãi, ngày tháng năm 2025",
    ]
    draft = gen.ocr_result(2, draft_top)
    assert page_cues(draft, SplitContext()).draft
    assert [p.pages for p in plan_split([submission, draft], SplitMode.HEADER, SplitContext()).parts] == [
        [1, 2]
    ]
    # without a mention of the draft, an unnumbered header is a document of its own (a handwritten number
    # the OCR could not read)
    plain = gen.first_page(1)
    assert [p.pages for p in plan_split([plain, draft], SplitMode.HEADER, SplitContext()).parts] == [[1], [2]]


def test_blank_sheets_separate_when_there_is_no_barcode_sheet() -> None:
    pages = [
        gen.first_page(1),
        gen.next_page(2, 2),
        gen.blank(3),
        gen.blank(4),
        gen.first_page(5),
        gen.blank(6),
    ]
    plan = plan_split(pages, SplitMode.SEPARATOR, SplitContext())
    assert [p.pages for p in plan.parts] == [[1, 2], [5]]
    assert plan.separators == [3, 4, 6]


def test_separator_without_a_dossier_code_and_a_document_qr_code() -> None:
    ctx = SplitContext()
    sheet = gen.ocr_result(1, [], ["SEPARATOR"], barcode="PATCHT")
    # a QR code printed on a document page (a verification link) does not make it a separator
    signed = gen.first_page(3, barcode="https://vbpl.vn/verify?id=1")
    pages = [sheet, gen.first_page(2), signed]
    plan = plan_split(pages, SplitMode.SEPARATOR, ctx)
    assert [p.pages for p in plan.parts] == [[2, 3]] and plan.parts[0].dossier_code is None


def test_corrections_merge_and_split() -> None:
    plan = whole_file(6).model_copy(update={"mode": SplitMode.HEADER})
    split = apply_correction(plan, SplitCorrection(action=SplitAction.SPLIT_HERE, page=4))
    assert [p.pages for p in split.parts] == [[1, 2, 3], [4, 5, 6]] and split.parts[1].reason == "corrected"
    merged = apply_correction(split, SplitCorrection(action=SplitAction.MERGE_PREVIOUS, page=4))
    assert [p.pages for p in merged.parts] == [[1, 2, 3, 4, 5, 6]]
    with pytest.raises(ValueError, match="does not start a document"):
        apply_correction(split, SplitCorrection(action=SplitAction.MERGE_PREVIOUS, page=5))
    with pytest.raises(ValueError, match="already starts"):
        apply_correction(split, SplitCorrection(action=SplitAction.SPLIT_HERE, page=4))
    with pytest.raises(ValueError, match="not in any document"):
        apply_correction(split, SplitCorrection(action=SplitAction.SPLIT_HERE, page=9))


def test_context_from_settings() -> None:
    ctx = SplitContext.from_settings(SplitSettings(separator_values=["TÁCH"]))
    assert ctx.separator_values == ("TÁCH",)


def test_separator_sheet_is_a4_at_its_dpi(tmp_path: Path) -> None:
    sheet = separator_sheet("HS-1", dpi=200)
    assert sheet.size == (1654, 2338) and sheet.info["dpi"] == (200, 200)
