"""Generated test pages: Vietnamese text rendered with a font that has every Vietnamese letter.

Nothing here reads the evaluation set; every image is made from the text below.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SERIF = FONT_DIR / "DejaVuSerif.ttf"
SERIF_BOLD = FONT_DIR / "DejaVuSerif-Bold.ttf"

BODY = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Sở Ngoại vụ đề nghị các cơ quan, đơn vị rà soát hồ sơ lãnh sự,",
    "cập nhật thông tin hộ chiếu và báo cáo kết quả trước ngày 15 tháng 8.",
    "Việc số hóa tài liệu lưu trữ phải bảo đảm đầy đủ, chính xác.",
]
HEADER_LEFT = ["UBND TỈNH KHÁNH HÒA", "SỞ NGOẠI VỤ", "Số: 215/SNgV-VP"]
HEADER_RIGHT = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Khánh Hòa, ngày 03 tháng 3 năm 2023",
]


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(SERIF_BOLD if bold else SERIF), size)


def render_lines(lines: list[str], *, width: int = 1400, size: int = 34, margin: int = 80) -> Image.Image:
    """White page with black lines of text (about 13 pt at 200 dpi)."""
    f = font(size)
    step = int(size * 1.6)
    img = Image.new("L", (width, margin * 2 + step * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=f, fill=0)
    img.info["dpi"] = (200, 200)
    return img


def render_letter(width: int = 1654, height: int = 1100) -> Image.Image:
    """A letter-like page: two-column header, then body lines (200 dpi, A4 width)."""
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = 90
    for i, (left, right) in enumerate(zip(HEADER_LEFT, HEADER_RIGHT, strict=True)):
        draw.text((120, y), left, font=font(30, bold=i == 1), fill=0)
        draw.text((780, y), right, font=font(30, bold=i == 0), fill=0)
        y += 50
    y += 60
    for line in BODY:
        draw.text((160, y), line, font=font(32), fill=0)
        y += 56
    img.info["dpi"] = (200, 200)
    return img


def save(img: Image.Image, path: Path, **kw: object) -> Path:
    img.save(path, dpi=img.info.get("dpi", (200, 200)), **kw)
    return path


def rotated(img: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise by ``degrees`` with white fill, same size."""
    out = img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    out.info["dpi"] = img.info.get("dpi", (200, 200))
    return out


def noisy(img: Image.Image, sigma: float, seed: int = 1) -> Image.Image:
    arr = np.asarray(img, dtype=np.float32) + np.random.default_rng(seed).normal(0, sigma, img.size[::-1])
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    out.info["dpi"] = img.info.get("dpi", (200, 200))
    return out


def text_pdf(path: Path, lines: list[str]) -> Path:
    """A born-digital PDF: visible Helvetica text (WinAnsi, so ASCII/Latin-1 text only), no images."""
    content = "BT /F1 14 Tf 72 760 Td 18 TL " + " ".join(f"({t}) '" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    path.write_bytes(out.getvalue())
    return path


def image_pdf(path: Path, images: list[Image.Image]) -> Path:
    """An image-only (scanned) PDF."""
    images[0].save(path, format="PDF", save_all=True, append_images=images[1:], resolution=200.0)
    return path


SIGNER = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
SIGNER_NAME = "Nguyễn Thị Hồng Nhung"
URGENT = "HỎA TỐC"


def render_signed(*, seal: bool = True, urgent: bool = True) -> Image.Image:
    """An RGB signer page (200 dpi): body lines, a red ``HỎA TỐC`` box, a red round seal over the signer."""
    width, height = 1654, 1000
    img = Image.new("RGB", (width, height), (250, 248, 244))
    draw = ImageDraw.Draw(img)
    y = 80
    if urgent:
        draw.rectangle((150, y - 10, 360, y + 50), outline=(200, 30, 40), width=3)
        draw.text((170, y), URGENT, font=font(32, bold=True), fill=(200, 30, 40))
    y += 90
    for line in BODY[:2]:
        draw.text((160, y), line, font=font(32), fill=(20, 20, 20))
        y += 56
    y += 60
    for i, line in enumerate(SIGNER):
        draw.text((980, y + 48 * i), line, font=font(32, bold=True), fill=(15, 15, 15))
    name_y = y + 330
    draw.text((930, name_y), SIGNER_NAME, font=font(34, bold=True), fill=(15, 15, 15))
    if seal:
        # a seal of about 4 cm over the title and the name; stamp ink is translucent, so it is multiplied
        # onto the page (the black text stays black under it), as on a real scan
        layer = Image.new("RGB", img.size, (255, 255, 255))
        draw = ImageDraw.Draw(layer)
        cx, cy, r = 1020, y + 230, 170
        red = (215, 40, 50)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=9)
        draw.ellipse((cx - r + 32, cy - r + 32, cx + r - 32, cy + r - 32), outline=red, width=4)
        draw.regular_polygon((cx, cy, 55), 5, fill=red)
        draw.text((cx - 120, cy - r + 40), "SỞ NGOẠI VỤ", font=font(30, bold=True), fill=red)
        draw.text((cx - 40, cy + 120), "*", font=font(40, bold=True), fill=red)
        img = ImageChops.multiply(img, layer)
    img.info["dpi"] = (200, 200)
    return img
