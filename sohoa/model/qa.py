"""The scan quality gate's findings: stable codes, their values, and one vi/en message catalogue.

A finding is data (a code, the page, the measured value and the limit); its message is rendered from
:data:`CATALOGUE` in Vietnamese or English wherever it is shown (CLI, batch report, web, nightly report),
so the wording lives in one place and a report stored today still reads in either language tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CATALOGUE", "QaCode", "QaFinding", "QaMessage", "needs_rescan", "rescan_pages"]


class QaCode(StrEnum):
    """What the quality gate found; the values are stable (reports, the index and the API carry them)."""

    LOW_DPI = "low_dpi"
    NOT_COLOR = "not_color"
    BLANK_PAGE = "blank_page"
    NO_TEXT = "no_text"
    SKEWED = "skewed"
    CROPPED = "cropped"
    ILLEGIBLE = "illegible"
    DUPLICATE_PAGE = "duplicate_page"
    PAGE_COUNT = "page_count"


@dataclass(frozen=True)
class QaMessage:
    """A code's message templates and whether it asks for the page to be scanned again."""

    vi: str
    en: str
    rescan: bool


#: ``{value}`` and ``{limit}`` are the finding's; ``{value_vi}`` is the value in Vietnamese where it is a word
CATALOGUE: dict[QaCode, QaMessage] = {
    QaCode.LOW_DPI: QaMessage(
        "Độ phân giải {value} dpi, dưới mức tối thiểu {limit} dpi: cần quét lại",
        "Resolution {value} dpi is under the {limit} dpi minimum: rescan",
        rescan=True,
    ),
    QaCode.NOT_COLOR: QaMessage(
        "Trang được quét {value_vi}, lô này yêu cầu quét màu: cần quét lại",
        "Page scanned in {value}, this batch expects colour: rescan",
        rescan=True,
    ),
    QaCode.BLANK_PAGE: QaMessage(
        "Trang trắng (vẫn được lưu giữ)",
        "Blank page (kept)",
        rescan=False,
    ),
    QaCode.NO_TEXT: QaMessage(
        "Không đọc được chữ nào trên trang: kiểm tra bản quét",
        "No readable text on the page: check the scan",
        rescan=True,
    ),
    QaCode.SKEWED: QaMessage(
        "Trang vẫn nghiêng {value}° sau khi chỉnh (giới hạn {limit}°): cần quét lại",
        "Page still skewed {value}° after correction (limit {limit}°): rescan",
        rescan=True,
    ),
    QaCode.CROPPED: QaMessage(
        "Nội dung bị cắt ở mép {value_vi} trang: cần quét lại",
        "Content cut at the {value} edge of the page: rescan",
        rescan=True,
    ),
    QaCode.ILLEGIBLE: QaMessage(
        "Độ tin cậy nhận dạng rất thấp ({value}, dưới {limit}): cần quét lại",
        "Very low OCR confidence ({value}, under {limit}): rescan",
        rescan=True,
    ),
    QaCode.DUPLICATE_PAGE: QaMessage(
        "Trang trùng với trang {value}",
        "Same page as page {value}",
        rescan=False,
    ),
    QaCode.PAGE_COUNT: QaMessage(
        "Có {value} trang, danh mục ghi {limit} trang: kiểm tra và quét bổ sung",
        "{value} pages where the manifest lists {limit}: check and rescan",
        rescan=True,
    ),
}

_WORDS_VI = {
    "bilevel": "đen trắng",
    "gray": "thang xám",
    "top": "trên",
    "right": "phải",
    "bottom": "dưới",
    "left": "trái",
}


class QaFinding(BaseModel):
    """One finding: a code, where (page number, or None for the whole document) and what was measured."""

    model_config = ConfigDict(frozen=True)

    code: QaCode
    page: int | None = Field(None, description="Page number in the document; None: the whole document")
    value: float | int | str | None = Field(None, description="What was measured (dpi, degrees, edge...)")
    limit: float | int | None = Field(None, description="The threshold it was held against")

    @property
    def rescan(self) -> bool:
        """True when the code asks for a rescan."""
        return CATALOGUE[self.code].rescan

    def message(self, lang: str = "vi") -> str:
        """The finding in Vietnamese (``vi``, the default) or English (``en``)."""
        entry = CATALOGUE[self.code]
        template = entry.en if lang == "en" else entry.vi
        value = self.value if self.value is not None else ""
        return template.format(value=value, limit=self.limit, value_vi=_WORDS_VI.get(str(value), value))

    def describe(self, lang: str = "vi") -> str:
        """The message with its page: ``trang 3: ...`` / ``page 3: ...``."""
        if self.page is None:
            return self.message(lang)
        return f"{'page' if lang == 'en' else 'trang'} {self.page}: {self.message(lang)}"


def needs_rescan(findings: list[QaFinding]) -> bool:
    """True when any finding asks for a rescan."""
    return any(f.rescan for f in findings)


def rescan_pages(findings: list[QaFinding]) -> list[int]:
    """Pages to scan again, in order."""
    return sorted({f.page for f in findings if f.rescan and f.page is not None})
