"""Generated test pages: Vietnamese text rendered with a font that has every Vietnamese letter.

Nothing here reads the evaluation set; every image is made from the text below.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

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
