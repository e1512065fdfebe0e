"""Sample Vietnamese administrative pages, rendered on the fly, for the demo and the flow tests.

Pages follow the layout of Decree 30/2020/NĐ-CP (issuer and number top-left, national motto and
place/date top-right, title, subject, body, recipients bottom-left, signer bottom-right). The people and
numbers are fictitious; the wording is ordinary administrative prose written for sohoa. A batch also gets
a few bad files, so the demo shows what a clerk sees when a scan is broken.
"""

from __future__ import annotations

import io
import logging
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = ["SampleDoc", "SAMPLE_DOCS", "render_page", "write_sample_batch"]

log = logging.getLogger(__name__)

DPI = 200
A4 = (round(8.27 * DPI), round(11.69 * DPI))
_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
)


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    names: tuple[str, ...] = ("DejaVuSerif-Bold.ttf",) if bold else ("DejaVuSerif.ttf",)
    names += ("LiberationSerif-Bold.ttf",) if bold else ("LiberationSerif-Regular.ttf",)
    for d in _FONT_DIRS:
        for n in names:
            if (Path(d) / n).is_file():
                return ImageFont.truetype(str(Path(d) / n), size)
    raise FileNotFoundError("no font with Vietnamese glyphs: apt-get install fonts-dejavu-core")


@dataclass(frozen=True)
class SampleDoc:
    """One sample document's content."""

    file: str
    superior: str
    issuer: str
    number: str
    place_date: str
    title: str | None
    subject: str
    body: list[str]
    recipients: list[str]
    authority: str | None
    position: str
    signer: str
    marks: list[str] = field(default_factory=list)


SAMPLE_DOCS: tuple[SampleDoc, ...] = (
    SampleDoc(
        file="qd-1340-ubnd.png",
        superior="UBND TỈNH KHÁNH HÒA",
        issuer="SỞ NGOẠI VỤ",
        number="Số: 1340/QĐ-SNgV",
        place_date="Khánh Hòa, ngày 03 tháng 3 năm 2023",
        title="QUYẾT ĐỊNH",
        subject="Về việc ban hành Quy chế số hóa hồ sơ lãnh sự",
        body=[
            "GIÁM ĐỐC SỞ NGOẠI VỤ",
            "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;",
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
            "Theo đề nghị của Chánh Văn phòng Sở.",
            "QUYẾT ĐỊNH:",
            "Điều 1. Ban hành kèm theo Quyết định này Quy chế số hóa hồ sơ lãnh sự, hộ chiếu ngoại giao và "
            "hộ chiếu công vụ lưu trữ tại Sở Ngoại vụ.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Trưởng các phòng chuyên môn "
            "chịu trách nhiệm thi hành Quyết định này./.",
        ],
        recipients=["Như Điều 2;", "UBND tỉnh (để báo cáo);", "Lưu: VT, LS."],
        authority="KT. GIÁM ĐỐC",
        position="PHÓ GIÁM ĐỐC",
        signer="Nguyễn Thị Minh Hằng",
    ),
    SampleDoc(
        file="cv-215-sngv.jpg",
        superior="UBND THÀNH PHỐ ĐÀ NẴNG",
        issuer="SỞ NGOẠI VỤ",
        number="Số: 215/SNgV-VP",
        place_date="Đà Nẵng, ngày 17 tháng 8 năm 2024",
        title=None,
        subject="V/v đề nghị cấp thị thực cho đoàn công tác",
        body=[
            "Kính gửi: Cục Lãnh sự - Bộ Ngoại giao.",
            "Thực hiện kế hoạch hợp tác quốc tế năm 2024, Sở Ngoại vụ thành phố Đà Nẵng đề nghị Cục Lãnh sự "
            "xem xét, hỗ trợ thủ tục cấp thị thực cho đoàn công tác gồm 05 thành viên đi công tác tại "
            "Nhật Bản từ ngày 10 đến ngày 15 tháng 9 năm 2024.",
            "Hồ sơ đề nghị cấp thị thực và danh sách thành viên đoàn được gửi kèm theo Công văn này.",
            "Trân trọng cảm ơn sự hợp tác của Quý Cục./.",
        ],
        recipients=["Như trên;", "Lưu: VT, VP."],
        authority="KT. GIÁM ĐỐC",
        position="PHÓ GIÁM ĐỐC",
        signer="Trần Văn Phúc",
        marks=["KHẨN"],
    ),
    SampleDoc(
        file="tb-07-cls.pdf",
        superior="BỘ NGOẠI GIAO",
        issuer="CỤC LÃNH SỰ",
        number="Số: 07/TB-CLS",
        place_date="Hà Nội, ngày 12 tháng 01 năm 2025",
        title="THÔNG BÁO",
        subject="Về việc tiếp nhận hồ sơ hợp pháp hóa lãnh sự trực tuyến",
        body=[
            "Nhằm đẩy mạnh cải cách thủ tục hành chính, Cục Lãnh sự thông báo việc tiếp nhận hồ sơ "
            "chứng nhận lãnh sự và hợp pháp hóa lãnh sự trên Cổng dịch vụ công trực tuyến kể từ "
            "ngày 01 tháng 02 năm 2025.",
            "Tổ chức, cá nhân có nhu cầu nộp hồ sơ trực tuyến, thanh toán lệ phí và nhận kết quả qua dịch vụ "
            "bưu chính công ích. Hồ sơ giấy vẫn được tiếp nhận tại trụ sở Cục Lãnh sự.",
        ]
        * 3,
        recipients=["Các đơn vị thuộc Bộ;", "Sở Ngoại vụ các tỉnh, thành phố;", "Lưu: VT, LS."],
        authority="KT. CỤC TRƯỞNG",
        position="PHÓ CỤC TRƯỞNG",
        signer="Lê Hoàng Nam",
    ),
)


def render_page(doc: SampleDoc, *, page: int = 1, pages: int = 1, noise: bool = False) -> Image.Image:
    """One A4 page at 200 dpi, grayscale; the first page carries the header, the last the closing."""
    im = Image.new("L", A4, 255)
    d = ImageDraw.Draw(im)
    reg, bold, small_bold = _font(False, 36), _font(True, 36), _font(True, 33)
    left_c, right_c = A4[0] * 0.27, A4[0] * 0.68
    margin = 230
    y = 160

    def center(text: str, x: float, y: int, font: ImageFont.FreeTypeFont) -> int:
        w = d.textlength(text, font=font)
        d.text((x - w / 2, y), text, font=font, fill=0)
        return y + round(font.size * 1.45)

    if page > 1:
        y = center(str(page), A4[0] / 2, 90, reg) + 40
    else:
        ly = center(doc.superior, left_c, y, reg)
        ly = center(doc.issuer, left_c, ly, small_bold)
        d.line((left_c - 90, ly + 4, left_c + 90, ly + 4), fill=0, width=2)
        ly = center(doc.number, left_c, ly + 28, reg)
        if doc.title is None:
            for part in textwrap.wrap(doc.subject, 34):
                ly = center(part, left_c, ly, reg)
        for mark in doc.marks:
            ly = center(mark, left_c, ly + 10, bold)
        ry = center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", right_c, y, small_bold)
        ry = center("Độc lập - Tự do - Hạnh phúc", right_c, ry, bold)
        d.line((right_c - 200, ry + 4, right_c + 200, ry + 4), fill=0, width=2)
        ry = center(doc.place_date, right_c, ry + 28, _font(False, 34))
        y = max(ly, ry) + 70
        if doc.title:
            y = center(doc.title, A4[0] / 2, y, bold)
            for part in textwrap.wrap(doc.subject, 60):
                y = center(part, A4[0] / 2, y, bold)
            y += 40
    per_page = max(1, -(-len(doc.body) // pages))
    for para in doc.body[(page - 1) * per_page : page * per_page]:
        for i, part in enumerate(textwrap.wrap(para, 66)):
            d.text((margin + (60 if i == 0 else 0), y), part, font=reg, fill=0)
            y += 54
        y += 14
    if page == pages:
        y += 50
        d.text((margin - 60, y), "Nơi nhận:", font=_font(True, 30), fill=0)
        ny = y + 44
        for r in doc.recipients:
            d.text((margin - 60, ny), f"- {r}", font=_font(False, 28), fill=0)
            ny += 40
        sy = y
        if doc.authority:
            sy = center(doc.authority, right_c, sy, bold)
        sy = center(doc.position, right_c, sy, bold)
        center(doc.signer, right_c, sy + 200, bold)
    if noise:
        im = im.rotate(0.8, resample=Image.Resampling.BICUBIC, fillcolor=255).filter(
            ImageFilter.GaussianBlur(0.6)
        )
    im.info["dpi"] = (DPI, DPI)
    return im


def _save(doc: SampleDoc, dest: Path, pages: int = 1) -> Path:
    images = [render_page(doc, page=p, pages=pages, noise=p % 2 == 0) for p in range(1, pages + 1)]
    path = dest / doc.file
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        rgb = [i.convert("RGB") for i in images]
        rgb[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=rgb[1:])
    elif suffix in (".jpg", ".jpeg"):
        images[0].save(path, "JPEG", quality=88, dpi=(DPI, DPI))
    elif suffix in (".tif", ".tiff"):
        images[0].save(
            path, "TIFF", compression="tiff_lzw", save_all=True, append_images=images[1:], dpi=(DPI, DPI)
        )
    else:
        images[0].save(path, "PNG", dpi=(DPI, DPI))
    return path


def write_sample_batch(dest: Path, *, bad_files: bool = True) -> list[Path]:
    """Write the sample batch (3 documents, 4 pages), a duplicate, bad files and a manifest into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    written = [_save(SAMPLE_DOCS[0], dest), _save(SAMPLE_DOCS[1], dest), _save(SAMPLE_DOCS[2], dest, pages=2)]
    dup = dest / "qd-1340-ubnd_copy.png"  # sorts after the original: the copy is the duplicate
    dup.write_bytes(written[0].read_bytes())
    written.append(dup)
    manifest = [
        "file,dossier_code,expected_pages,access_level,notes",
        "qd-1340-ubnd.png,HS-2023-0042,1,internal,",
        "cv-215-sngv.jpg,HS-2024-0107,1,,",
        "tb-07-cls.pdf,HS-2025-0003,2,public,thông báo công khai",
        "bb-99-missing.tif,HS-2025-0004,1,,listed but never scanned",
    ]
    if bad_files:
        (dest / "empty.pdf").write_bytes(b"")
        jpg = written[1].read_bytes()
        (dest / "truncated.jpg").write_bytes(jpg[: len(jpg) // 3])
        (dest / "not-an-image.png").write_text(
            "Đây là một tệp văn bản, không phải ảnh quét.\n", encoding="utf-8"
        )
        (dest / "encrypted.pdf").write_bytes(_encrypted_pdf())
        written += [dest / n for n in ("empty.pdf", "truncated.jpg", "not-an-image.png", "encrypted.pdf")]
    (dest / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    log.info("sample batch written to %s (%d files)", dest, len(written))
    return written


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    page = io.BytesIO()
    render_page(SAMPLE_DOCS[0]).convert("RGB").save(page, "PDF", resolution=DPI)
    writer = PdfWriter(clone_from=io.BytesIO(page.getvalue()))
    writer.encrypt(user_password="mat-khau", owner_password="mat-khau-chu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
