"""Generated pages for the quality-gate and splitting tests (imported as ``tests.pipeline.qa_pages``).

Two kinds: page *images* in the Decree 30/2020 layout (header with the national motto and ``Số:``, page
numbers from page 2, a signer block, an annex heading), rendered with DejaVu fonts at a chosen dpi, for
tests that go through the real OCR; and :class:`OcrPage` results built directly, for the pure rules.
Nothing here reads the evaluation set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sohoa.model.ocr import Barcode, Line, OcrPage, PageFacts, PageSource

_FONTS = Path("/usr/share/fonts/truetype/dejavu")
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
BODY = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Sở Ngoại vụ đề nghị các cơ quan, đơn vị rà soát hồ sơ lãnh sự,",
    "cập nhật thông tin hộ chiếu và báo cáo kết quả trước ngày 15 tháng 8.",
    "Việc số hóa tài liệu lưu trữ phải bảo đảm đầy đủ, chính xác.",
)


def _font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_FONTS / ("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf")), px)


def a4(dpi: int = 200, *, color: bool = False) -> Image.Image:
    """A white A4 page at ``dpi`` (the tag is set)."""
    size = (round(8.27 * dpi), round(11.69 * dpi))
    page = Image.new("RGB", size, (255, 255, 255)) if color else Image.new("L", size, 255)
    page.info["dpi"] = (dpi, dpi)
    return page


def document_page(
    *,
    dpi: int = 200,
    number: str | None = None,
    issuer: str = "SỞ NGOẠI VỤ",
    page_number: int | None = None,
    title: str | None = None,
    annex: str | None = None,
    body: tuple[str, ...] = BODY,
    signer: bool = False,
    color: bool = False,
    motto: bool = False,
) -> Image.Image:
    """One page of an administrative document.

    Args:
        dpi: resolution (text is sized in points, so every dpi looks the same on paper).
        number: the ``Số:`` value; given, the page is a first page (issuer, motto, date line).
        issuer: issuing body of a first page.
        page_number: printed centred at the top (pages from 2).
        title: a bold centred title under the header (``QUYẾT ĐỊNH``).
        annex: an annex heading at the top (``PHỤ LỤC``) with a "kèm theo" line.
        body: the body lines.
        signer: add the closing block (``Nơi nhận:`` and a signer).
        color: an RGB page.
        motto: print the national motto at the top right of a page that is not a first page (as annexes
            often do).
    """
    page = a4(dpi, color=color)
    ink = (0, 0, 0) if color else 0
    draw = ImageDraw.Draw(page)
    pt = dpi / 72
    small, normal = _font(round(12 * pt)), _font(round(13 * pt))
    x0, x1, y = round(0.8 * dpi), round(4.3 * dpi), round(0.6 * dpi)
    if page_number is not None:
        draw.text((page.width // 2, y), str(page_number), font=normal, fill=ink)
        y += round(0.4 * dpi)
    if number is not None:
        lines = [("UBND TỈNH KHÁNH HÒA", MOTTO[0]), (issuer, MOTTO[1]), (f"Số: {number}", "")]
        for left, right in lines:
            draw.text((x0, y), left, font=_font(round(12 * pt), bold=left == issuer), fill=ink)
            draw.text((x1, y), right, font=_font(round(12 * pt), bold=right == MOTTO[0]), fill=ink)
            y += round(0.28 * dpi)
        draw.text((x1 + round(0.3 * dpi), y), "Khánh Hòa, ngày 03 tháng 3 năm 2023", font=small, fill=ink)
        y += round(0.5 * dpi)
    if motto and number is None:
        for line in MOTTO:
            draw.text((x1, y), line, font=_font(round(12 * pt), bold=line == MOTTO[0]), fill=ink)
            y += round(0.28 * dpi)
        y += round(0.3 * dpi)
    if annex is not None:
        draw.text((page.width // 2 - round(0.5 * dpi), y), annex, font=_font(round(14 * pt), True), fill=ink)
        y += round(0.35 * dpi)
        draw.text((x0 + round(0.8 * dpi), y), "(Kèm theo Quyết định số 12/QĐ-SNgV)", font=small, fill=ink)
        y += round(0.5 * dpi)
    if title is not None:
        draw.text((page.width // 2 - round(0.8 * dpi), y), title, font=_font(round(14 * pt), True), fill=ink)
        y += round(0.5 * dpi)
    for line in body:
        draw.text((x0, y), line, font=normal, fill=ink)
        y += round(0.3 * dpi)
    if signer:
        y += round(0.4 * dpi)
        draw.text((x0, y), "Nơi nhận:", font=_font(round(12 * pt), True), fill=ink)
        draw.text((x1 + round(0.5 * dpi), y), "KT. GIÁM ĐỐC", font=_font(round(13 * pt), True), fill=ink)
        draw.text((x0, y + round(0.25 * dpi)), "- Như trên;", font=small, fill=ink)
        draw.text(
            (x1 + round(0.3 * dpi), y + round(1.2 * dpi)), "Nguyễn Thị Hồng Nhung", font=normal, fill=ink
        )
    return page


#: a signing service's stamp as it is drawn into published scans (fictitious body and address)
STAMP = (
    "Ký bởi: SỞ NGOẠI VỤ",
    "Email: songv@khanhhoa.gov.vn",
    "Cơ quan: Tỉnh Khánh Hòa",
    "Thời gian ký: 12.03.2024 10:15:22 +07:00",
)


def draw_stamp(
    page: Image.Image, lines: tuple[str, ...] = STAMP, *, at: tuple[float, float] = (4.9, 9.4), pt: float = 9
) -> Image.Image:
    """``page`` with a framed signature stamp drawn in, in ``pt`` print, its top left ``at`` (inches).

    The stamp becomes part of the page image, as on a signed document printed and scanned again: there is
    no signature behind it, only what OCR reads.
    """
    dpi = page.info.get("dpi", (200, 200))[0]
    draw = ImageDraw.Draw(page)
    font = _font(round(pt * dpi / 72))
    x, y = round(at[0] * dpi), round(at[1] * dpi)
    step = round(pt * dpi / 72 * 1.35)
    width = max(draw.textlength(line, font=font) for line in lines)
    ink = (0, 0, 0) if page.mode == "RGB" else 0
    draw.rectangle((x - 12, y - 10, x + width + 12, y + step * len(lines) + 6), outline=ink, width=2)
    for i, line in enumerate(lines):
        draw.text((x, y + i * step), line, font=font, fill=ink)
    return page


def blank_back(dpi: int = 200, *, seed: int = 1) -> Image.Image:
    """A blank back page in colour: paper grain and a faint mirrored red seal showing through."""
    rng = np.random.default_rng(seed)
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.fromarray(rng.normal(240, 2.5, (h, w, 3)).clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(page)
    cx, cy, r = int(w * 0.3), int(h * 0.7), int(dpi * 0.7)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(235, 208, 208), width=max(2, dpi // 40))
    page.info["dpi"] = (dpi, dpi)
    return page


def save_tiff(pages: list[Image.Image], path: Path) -> Path:
    """A multi-page TIFF (each frame keeps its dpi), as a scanner writes a box."""
    first, rest = pages[0], pages[1:]
    dpi = first.info.get("dpi", (200, 200))
    first.save(path, format="TIFF", save_all=True, append_images=rest, compression="tiff_lzw", dpi=dpi)
    return path


def facts(**values: object) -> PageFacts:
    """Scan facts of a good 300-dpi gray page, with these values changed."""
    base: dict[str, object] = {
        "scan_dpi": 300,
        "dpi_source": "tag",
        "color": "gray",
        "ink": 0.09,
        "residual_skew": 0.0,
        "fingerprint": f"{int(np.random.default_rng(len(values)).integers(0, 2**62)):016x}",
    }
    base.update(values)
    return PageFacts.model_validate(base)


def ocr_result(
    number: int,
    top: list[str] | tuple[str, ...] = (),
    body: list[str] | tuple[str, ...] = BODY,
    *,
    page_facts: PageFacts | None = None,
    confidence: float = 92.0,
    source: PageSource = PageSource.OCR,
    barcode: str | None = None,
) -> OcrPage:
    """An OCR'd page: ``top`` lines in the header band, ``body`` lines below, boxes on a 2480x3508 page."""
    lines = [Line(text=t, conf=confidence, box=(200, 150 + 60 * i, 1500, 50)) for i, t in enumerate(top)]
    lines += [Line(text=t, conf=confidence, box=(200, 1400 + 60 * i, 2000, 50)) for i, t in enumerate(body)]
    f = page_facts or facts()
    if barcode is not None:
        f = f.model_copy(
            update={"barcodes": [Barcode(text=barcode, format="QRCode", box=(900, 500, 600, 600))]}
        )
    return OcrPage(
        number=number,
        source=source,
        text="\n".join(line.text for line in lines),
        confidence=confidence if lines else 0.0,
        width=2480,
        height=3508,
        lines=lines,
        facts=f,
    )


def first_page(number: int, so: str = "Số: 215/SNgV-VP", **kw: object) -> OcrPage:
    """The OCR of a first page: issuer, ``Số:``, motto and date line at the top."""
    top = ["SỞ NGOẠI VỤ", MOTTO[0], MOTTO[1], so, "Khánh Hòa, ngày 03 tháng 3 năm 2023", "QUYẾT ĐỊNH"]
    return ocr_result(number, top, **kw)  # type: ignore[arg-type]


def next_page(number: int, printed: int, *, signer: bool = False) -> OcrPage:
    """The OCR of a continuation page numbered ``printed`` at the top (with a signer block if asked)."""
    body = list(BODY) + (["Nơi nhận:", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"] if signer else [])
    return ocr_result(number, [str(printed)], body)


def blank(number: int) -> OcrPage:
    """A page the OCR found blank."""
    return OcrPage(number=number, source=PageSource.BLANK, width=2480, height=3508, facts=facts(ink=0.0004))
