"""The quality gate: each code on generated pages, through the real OCR and as pure rules."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

import ocr
from pipeline.qa import QaContext, check_document, check_page, duplicate_pages, is_blank_page, qa_section
from sohoa.model.ocr import OcrPage, PageSource
from sohoa.model.qa import CATALOGUE, QaCode, QaFinding, needs_rescan, rescan_pages
from sohoa.model.report import BatchReport, FileResult, FileStatus, to_markdown
from sohoa.settings import OcrSettings, QaSettings
from tests.pipeline import qa_pages as gen

#: the dev set's real 100-dpi scan: $SOHOA_EVAL_DIR, else ../shared/eval beside the repository
EVAL_DIR = Path(os.environ.get("SOHOA_EVAL_DIR") or Path(__file__).resolve().parents[3] / "shared" / "eval")
REAL_100_DPI = EVAL_DIR / "real" / "r-01ct.pdf"


def codes(findings: list[QaFinding], page: int | None = None) -> set[QaCode]:
    return {f.code for f in findings if page is None or f.page == page}


# --- through the real OCR: one generated "box" of problem pages -------------------------------------------


def _noise(dpi: int = 200) -> Image.Image:
    rng = np.random.default_rng(3)
    page = Image.fromarray(rng.integers(0, 256, (round(11.69 * dpi), round(8.27 * dpi)), dtype=np.uint8), "L")
    page.info["dpi"] = (dpi, dpi)
    return page


def _cut_at_bottom(page: Image.Image) -> Image.Image:
    """The page with its lower part missing: the scanner cut through a text line (the 24th)."""
    out = page.crop((0, 0, page.width, 200 + 60 * 23 + 20))
    out.info["dpi"] = page.info["dpi"]
    return out


def _skewed(page: Image.Image, degrees: float) -> Image.Image:
    out = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    out.info["dpi"] = page.info["dpi"]
    return out


@pytest.fixture(scope="module")
def problem_box(tmp_path_factory: pytest.TempPathFactory) -> ocr.OcrDocument:
    """GIVEN a TIFF of generated pages, one per problem, OCR'd by sohoa."""
    good = gen.document_page(number="215/SNgV-VP", title="QUYẾT ĐỊNH")
    blurred = gen.document_page(dpi=200, body=gen.BODY * 3).filter(ImageFilter.GaussianBlur(5.5))
    blurred.info["dpi"] = (200, 200)
    low = gen.document_page(dpi=100, number="7/SNgV-VP", body=gen.BODY[::-1])  # 2: low_dpi (own file: a TIFF
    # keeps one resolution for all its frames)
    pages = [
        good,  # 1: fine
        gen.a4(200),  # 3: blank_page (all white)
        gen.blank_back(200),  # 4: blank_page (seal bleed-through)
        _noise(),  # 5: no_text or illegible
        _skewed(gen.document_page(page_number=2), 9.0),  # 6: skewed (beyond the 6° the deskew corrects)
        _cut_at_bottom(gen.document_page(page_number=3, body=gen.BODY * 8)),  # 7: cropped
        blurred,  # 8: illegible
        good,  # 9: duplicate of page 1
    ]
    folder = tmp_path_factory.mktemp("qa")
    box = ocr.ocr_file(gen.save_tiff(pages, folder / "box.tif"), ocr.OcrContext())
    low.save(folder / "low.png", dpi=(100, 100))
    (low_page,) = ocr.ocr_file(folder / "low.png", ocr.OcrContext()).pages
    ordered = [box.pages[0], low_page, *box.pages[1:]]
    return box.model_copy(
        update={"pages": [p.model_copy(update={"number": i}) for i, p in enumerate(ordered, 1)]}
    )


def test_every_code_on_generated_pages(problem_box: ocr.OcrDocument) -> None:
    """THEN each problem page gets its code, and the good page gets none."""
    findings = check_document(problem_box.pages, QaContext(), expected_pages=10)
    assert codes(findings, 1) == set()
    assert QaCode.LOW_DPI in codes(findings, 2)
    low = next(f for f in findings if f.code is QaCode.LOW_DPI)
    assert low.value == 100 and low.limit == 200
    assert codes(findings, 3) == {QaCode.BLANK_PAGE}
    assert codes(findings, 4) == {QaCode.BLANK_PAGE}
    assert codes(findings, 5) & {QaCode.NO_TEXT, QaCode.ILLEGIBLE}
    assert QaCode.SKEWED in codes(findings, 6)
    assert QaCode.CROPPED in codes(findings, 7)
    assert next(f.value for f in findings if f.code is QaCode.CROPPED) == "bottom"
    assert codes(findings, 8) & {QaCode.ILLEGIBLE, QaCode.NO_TEXT}
    assert any(f.code is QaCode.DUPLICATE_PAGE and f.page == 9 and f.value == 1 for f in findings)
    count = next(f for f in findings if f.code is QaCode.PAGE_COUNT)
    assert (count.page, count.value, count.limit) == (None, 9, 10)
    assert rescan_pages(findings) == [2, 5, 6, 7, 8]


def test_not_color_only_when_the_batch_expects_colour(problem_box: ocr.OcrDocument) -> None:
    """A gray scan is fine by default and not_color when the batch asks for colour scans."""
    page = problem_box.pages[0]
    assert page.facts is not None and page.facts.color == "gray"
    assert QaCode.NOT_COLOR not in codes(check_page(page, QaContext()))
    found = check_page(page, QaContext(expect_color=True))
    assert [(f.code, f.value) for f in found] == [(QaCode.NOT_COLOR, "gray")]
    assert "thang xám" in found[0].message("vi") and "gray" in found[0].message("en")


def test_colour_page_is_colour(tmp_path: Path) -> None:
    path = tmp_path / "colour.png"
    page = gen.document_page(number="1/SNgV-VP", color=True)
    page.paste((200, 30, 40), (1400, 2000, 1600, 2200))  # a red mark: a colour scan of a stamped page
    page.save(path, dpi=(200, 200))
    (result,) = ocr.ocr_file(path, ocr.OcrContext()).pages
    assert result.facts is not None and result.facts.color == "color"
    assert QaCode.NOT_COLOR not in codes(check_page(result, QaContext(expect_color=True)))


@pytest.mark.skipif(
    not REAL_100_DPI.is_file(), reason=f"the dev set's 100-dpi real scan is not at {REAL_100_DPI}"
)
def test_real_100_dpi_document() -> None:
    """GIVEN the real 100-dpi dev scan THEN every page is low_dpi with its value (from the PDF's image)."""
    result = ocr.ocr_file(REAL_100_DPI, ocr.OcrContext())
    findings = check_document(result.pages, QaContext())
    low = [f for f in findings if f.code is QaCode.LOW_DPI]
    assert [f.page for f in low] == [1, 2, 3]
    assert {f.value for f in low} == {100}
    assert needs_rescan(findings)


# --- the rules, on OCR results built directly -----------------------------------------------------------


def test_low_dpi_uses_the_scan_resolution_not_the_upscaled_one() -> None:
    page = gen.ocr_result(1, page_facts=gen.facts(scan_dpi=150, dpi_source="inferred"))
    assert [(f.code, f.value) for f in check_page(page, QaContext())] == [(QaCode.LOW_DPI, 150)]
    assert check_page(gen.ocr_result(1, page_facts=gen.facts(scan_dpi=200)), QaContext()) == []


def test_text_layer_page_of_a_scan_still_gets_low_dpi() -> None:
    page = OcrPage(
        number=1,
        source=PageSource.TEXT_LAYER,
        text="x" * 500,
        facts=gen.facts(scan_dpi=100, dpi_source="pdf-image"),
    )
    assert codes(check_page(page, QaContext())) == {QaCode.LOW_DPI}


def test_blank_page_without_text_and_almost_no_ink() -> None:
    ctx = QaContext()
    faint = gen.ocr_result(1, top=[], body=["..", "o"], page_facts=gen.facts(ink=0.003), confidence=30)
    assert is_blank_page(faint, ctx)
    assert codes(check_page(faint, ctx)) == {QaCode.BLANK_PAGE}
    assert is_blank_page(gen.blank(2), ctx)
    coded = gen.facts(barcodes=[{"text": "HS-1", "format": "QRCode"}])
    assert not is_blank_page(gen.blank(3).model_copy(update={"facts": coded}), ctx)


def test_no_text_and_illegible() -> None:
    ctx = QaContext()
    inked = gen.facts(ink=0.2)
    assert codes(check_page(gen.ocr_result(1, [], ["~ ;"], page_facts=inked, confidence=20), ctx)) == {
        QaCode.NO_TEXT
    }
    assert codes(check_page(gen.ocr_result(1, confidence=30), ctx)) == {QaCode.ILLEGIBLE}
    assert check_page(gen.ocr_result(1, confidence=80), ctx) == []


def test_skew_and_crop_limits() -> None:
    ctx = QaContext(max_residual_skew=1.0, cropped_edge_ink=0.08)
    assert codes(check_page(gen.ocr_result(1, page_facts=gen.facts(residual_skew=-1.4)), ctx)) == {
        QaCode.SKEWED
    }
    assert check_page(gen.ocr_result(1, page_facts=gen.facts(residual_skew=0.6)), ctx) == []
    cut = gen.facts(edge_ink=(0.0, 0.3, 0.02, 0.0))
    found = check_page(gen.ocr_result(1, page_facts=cut), ctx)
    assert [(f.code, f.value) for f in found] == [(QaCode.CROPPED, "right")]
    assert "mép phải" in found[0].message("vi")


def test_duplicates_need_the_same_text_not_only_a_similar_look() -> None:
    ctx = QaContext()
    look = gen.facts(fingerprint="00ff00ff00ff00ff")
    one = gen.ocr_result(1, page_facts=look)
    same = gen.ocr_result(2, page_facts=gen.facts(fingerprint="00ff00ff00ff00fe"))
    other = gen.ocr_result(3, body=[line[::-1] for line in gen.BODY], page_facts=look)
    assert duplicate_pages([one, same, other], ctx) == [(1, 2)]
    assert duplicate_pages([gen.blank(1), gen.blank(2)], ctx) == []


def test_page_count_against_the_manifest() -> None:
    pages = [gen.ocr_result(1), gen.ocr_result(2, body=["Khác hẳn trang một, một trang thứ hai rất khác."])]
    assert check_document(pages, QaContext(), expected_pages=2) == []
    (finding,) = check_document(pages, QaContext(), expected_pages=3)
    assert (
        finding.code is QaCode.PAGE_COUNT
        and finding.describe("en") == "2 pages where the manifest lists 3: check and rescan"
    )


def test_catalogue_has_both_languages_for_every_code() -> None:
    for code in QaCode:
        entry = CATALOGUE[code]
        assert entry.vi and entry.en and entry.vi != entry.en
        f = QaFinding(code=code, page=3, value=1, limit=2)
        assert f.describe("vi").startswith("trang 3: ") and f.describe("en").startswith("page 3: ")


def test_context_from_settings() -> None:
    ctx = QaContext.from_settings(QaSettings(), OcrSettings(min_dpi=300), expect_color=True)
    assert ctx.min_dpi == 300 and ctx.expect_color


def test_batch_report_qa_section() -> None:
    """The report's QA section: counts per code, files to rescan with pages, messages in vi and en."""
    low = QaFinding(code=QaCode.LOW_DPI, page=2, value=100, limit=200)
    blank = QaFinding(code=QaCode.BLANK_PAGE, page=3)
    files = [
        FileResult(path="a.pdf", status=FileStatus.NEEDS_REVIEW, pages=3, qa=[low, blank]),
        FileResult(path="b.pdf", status=FileStatus.STORED, pages=1, qa=[blank]),
        FileResult(path="c.pdf", status=FileStatus.STORED, pages=2),
    ]
    section = qa_section(files)
    assert section.counts == {"blank_page": 2, "low_dpi": 1} and section.pages_checked == 6
    assert [(r.path, r.pages, r.codes) for r in section.rescan] == [("a.pdf", [2], [QaCode.LOW_DPI])]
    report = BatchReport(batch="b1", source="x", started_at="2026-12-01T00:00:00", files=files, qa=section)
    markdown = to_markdown(report)
    assert "## Kiểm tra chất lượng quét / Scan quality" in markdown
    assert "| a.pdf | 2 | low_dpi |" in markdown
    assert "trang 2: Độ phân giải 100 dpi, dưới mức tối thiểu 200 dpi: cần quét lại" in markdown
    assert "page 2: Resolution 100 dpi is under the 200 dpi minimum: rescan" in markdown
