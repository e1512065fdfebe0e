"""Fixtures of the archive tests: four kinds of originals made here, OCR'd by sohoa, and their copies.

- ``colour.jpg``: an RGB scan turned 1.5° (sohoa deskews it), with a red seal, 200 dpi;
- ``gray.png``: a grayscale scan, 200 dpi;
- ``bilevel.tif``: a 1-bit CCITT G4 TIFF, 200 dpi;
- ``born.pdf``: a born-digital PDF with a text layer, written by Ghostscript from PostScript.

veraPDF is installed by the project's own set-up step (cached); the signing certificate is a TEST CA
made in a temporary folder. Everything is session-scoped: OCR and veraPDF are the slow parts.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from cli.services.devca import ensure_dev_ca
from cli.services.layout import Layout
from cli.services.verapdf import VeraPdfInstall
from ocr import OcrContext, ocr_file, sniff
from pipeline.archive._exec.verapdf import VeraPdf
from pipeline.archive.build import ArchiveContext, verapdf_tool
from pipeline.archive.pdfa import PdfaContext
from pipeline.archive.signing import SigningContext
from sohoa.model.ocr import OcrDocument
from sohoa.settings import get_settings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
AGENCY = "Trung tâm Lưu trữ lịch sử tỉnh Quảng Ngãi"
LINES = [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    "Số: 15/QĐ-UBND",
    "QUYẾT ĐỊNH",
    "Về việc số hóa tài liệu lưu trữ",
    "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;",
]


def _page(mode: str) -> Image.Image:
    img = Image.new("RGB", (1240, 900), (247, 245, 236))
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(FONT, 34)
    for i, line in enumerate(LINES):
        d.text((110, 90 + i * 80), line, font=f, fill=(15, 15, 15))
    if mode == "RGB":
        d.ellipse((850, 560, 1130, 840), outline=(210, 30, 40), width=10)
    return img


@pytest.fixture(scope="session")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    colour = _page("RGB").rotate(1.5, resample=Image.Resampling.BICUBIC, fillcolor=(247, 245, 236))
    colour.save(folder / "colour.jpg", quality=88, dpi=(200, 200))
    _page("L").convert("L").save(folder / "gray.png", dpi=(200, 200))
    bw = _page("L").convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    bw.save(folder / "bilevel.tif", compression="group4", dpi=(200, 200))
    ps = folder / "born.ps"
    ps.write_text(
        "%!PS\n/Times-Roman findfont 16 scalefont setfont\n"
        "72 720 moveto (UY BAN NHAN DAN TINH QUANG NGAI) show\n"
        "72 690 moveto (So: 27/QD-UBND  Quyet dinh ve viec so hoa tai lieu) show\nshowpage\n"
    )
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            "gs",
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=pdfwrite",
            f"-sOutputFile={folder / 'born.pdf'}",
            str(ps),
        ],
        check=True,
        timeout=60,
    )
    return {p.stem: p for p in (folder / n for n in ("colour.jpg", "gray.png", "bilevel.tif", "born.pdf"))}


@pytest.fixture(scope="session")
def ocred(scans: dict[str, Path]) -> dict[str, OcrDocument]:
    ctx = OcrContext.from_settings(get_settings().ocr)
    return {name: ocr_file(path, ctx, jobs=1) for name, path in scans.items()}


@pytest.fixture(scope="session")
def verapdf() -> VeraPdf:
    """veraPDF installed by `sohoa services up`'s own step (Maven, cached)."""
    settings = get_settings()
    VeraPdfInstall(settings).install()
    return verapdf_tool(settings)


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("signing-home")
    return ensure_dev_ca(Layout(home=home, cache=home / "cache"), AGENCY)


@pytest.fixture(scope="session")
def archive_ctx(verapdf: VeraPdf, test_ca: dict[str, str]) -> ArchiveContext:
    settings = get_settings()
    roots = tuple(Path(p) for p in __import__("json").loads(test_ca["SOHOA_SIGNING__TRUST_ROOTS"]))
    return ArchiveContext(
        pdfa=PdfaContext(font=settings.archive.font),
        verapdf=verapdf,
        signing=SigningContext(
            agency=AGENCY,
            pkcs12=Path(test_ca["SOHOA_SIGNING__PKCS12_PATH"]),
            password=test_ca["SOHOA_SIGNING__PKCS12_PASSWORD"].encode(),
            font=settings.archive.font,
        ),
        trust_roots=roots,
        check_before_signing=True,
    )


@pytest.fixture(scope="session")
def unsigned_ctx(archive_ctx: ArchiveContext) -> ArchiveContext:
    return dataclasses.replace(archive_ctx, signing=None)


def media_type(path: Path) -> str:
    return sniff(path)
