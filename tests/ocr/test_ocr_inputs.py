"""Whole-file problems raise a specific InputError; good files of every type are described page by page."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pypdf
import pytest
from ocr_fixtures import image_pdf, render_lines, save, text_pdf
from PIL import Image

from ocr import OcrContext, PageKind, prepare_pages, sniff
from sohoa.errors import (
    CorruptFileError,
    DecompressionBombError,
    EmptyFileError,
    EncryptedPdfError,
    InputError,
    TruncatedFileError,
    UnsupportedFileTypeError,
)

CTX = OcrContext()


@pytest.fixture
def small_page() -> Image.Image:
    return render_lines(["Số hóa tài liệu"], width=500)


def _bytes(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "scan.png"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFileError, match="empty"):
        sniff(empty)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        sniff(tmp_path / "nope.pdf")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image(tmp_path: Path, small_page: Image.Image, fmt: str) -> None:
    data = _bytes(small_page, fmt)
    cut = tmp_path / f"scan.{fmt.lower()}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedFileError, match="ends early"):
        prepare_pages(cut, CTX, tmp_path)


def test_corrupt_png_body(tmp_path: Path, small_page: Image.Image) -> None:
    data = bytearray(_bytes(small_page, "PNG"))
    data[60:400] = bytes(340)  # zeroed image data, signature and IEND intact
    bad = tmp_path / "scan.png"
    bad.write_bytes(bytes(data))
    with pytest.raises((CorruptFileError, TruncatedFileError)):
        prepare_pages(bad, CTX, tmp_path)


def test_truncated_pdf(tmp_path: Path, small_page: Image.Image) -> None:
    pdf = image_pdf(tmp_path / "full.pdf", [small_page])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(pdf.read_bytes()[:-200])
    with pytest.raises(TruncatedFileError, match="PDF"):
        sniff(cut)


def test_corrupt_pdf(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    with pytest.raises(CorruptFileError, match="damaged|no pages"):
        prepare_pages(bad, CTX, tmp_path)


def test_encrypted_pdf(tmp_path: Path, small_page: Image.Image) -> None:
    plain = image_pdf(tmp_path / "plain.pdf", [small_page])
    writer = pypdf.PdfWriter(clone_from=plain)
    writer.encrypt(user_password="mật-khẩu", owner_password="chủ", algorithm="AES-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    with pytest.raises(EncryptedPdfError, match="password"):
        prepare_pages(locked, CTX, tmp_path)


def test_decompression_bomb_image(tmp_path: Path, small_page: Image.Image) -> None:
    path = save(small_page, tmp_path / "big.png")
    with pytest.raises(DecompressionBombError, match="limit"):
        prepare_pages(path, CTX.with_(max_pixels=10_000), tmp_path)


def test_decompression_bomb_pdf_page(tmp_path: Path, small_page: Image.Image) -> None:
    path = image_pdf(tmp_path / "scan.pdf", [small_page])
    with pytest.raises(DecompressionBombError, match="limit"):
        prepare_pages(path, CTX.with_(max_pixels=10_000), tmp_path)


def test_too_many_pages(tmp_path: Path, small_page: Image.Image) -> None:
    path = tmp_path / "many.tif"
    small_page.save(path, save_all=True, append_images=[small_page] * 3)
    with pytest.raises(DecompressionBombError, match="pages"):
        prepare_pages(path, CTX.with_(max_pages=2), tmp_path)


def test_content_decides_not_extension(tmp_path: Path, small_page: Image.Image) -> None:
    disguised = tmp_path / "scan.pdf"
    disguised.write_bytes(_bytes(small_page, "PNG"))
    assert sniff(disguised) == "image/png"
    pages = prepare_pages(disguised, CTX, tmp_path)
    assert [p.kind for p in pages] == [PageKind.IMAGE]


@pytest.mark.parametrize(
    ("content", "named"),
    [(b"PK\x03\x04rest-of-a-docx", "ZIP"), (b"Hello, plain text\n", "text file"), (b"GIF89a....", "GIF")],
)
def test_unsupported_type_with_a_scan_extension(tmp_path: Path, content: bytes, named: str) -> None:
    fake = tmp_path / "scan.tif"
    fake.write_bytes(content)
    with pytest.raises(UnsupportedFileTypeError, match=named):
        sniff(fake)


def test_media_types(tmp_path: Path, small_page: Image.Image) -> None:
    for fmt, media in [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("TIFF", "image/tiff")]:
        path = tmp_path / f"p.{fmt.lower()}"
        path.write_bytes(_bytes(small_page, fmt))
        assert sniff(path) == media
    assert sniff(image_pdf(tmp_path / "p.pdf", [small_page])) == "application/pdf"


def test_multipage_tiff_gives_one_input_per_frame(tmp_path: Path, small_page: Image.Image) -> None:
    path = tmp_path / "dossier.tif"
    small_page.save(
        path, save_all=True, append_images=[small_page, small_page], compression="tiff_lzw", dpi=(200, 200)
    )
    pages = prepare_pages(path, CTX, tmp_path)
    assert [(p.number, p.index, p.kind, p.dpi) for p in pages] == [
        (1, 0, PageKind.IMAGE, 200),
        (2, 1, PageKind.IMAGE, 200),
        (3, 2, PageKind.IMAGE, 200),
    ]


def test_born_digital_pdf_page_uses_its_text_layer(tmp_path: Path, small_page: Image.Image) -> None:
    digital = text_pdf(
        tmp_path / "digital.pdf", ["Quyet dinh so 1340/QD-UBND", "ve viec so hoa ho so luu tru"]
    )
    scanned = image_pdf(tmp_path / "scanned.pdf", [small_page])
    (page,) = prepare_pages(digital, CTX, tmp_path)
    assert page.kind is PageKind.TEXT_LAYER
    assert "1340/QD-UBND" in page.text
    (scan,) = prepare_pages(scanned, CTX.with_(pdf_embedded_jpeg=False), tmp_path)
    # rendered at the scan's own 200 dpi, not upsampled to the configured 300
    assert scan.kind is PageKind.PDF and scan.dpi == 200
    (forced,) = prepare_pages(scanned, CTX.with_(pdf_native_dpi=False), tmp_path)
    assert forced.kind is PageKind.PDF and forced.dpi == CTX.dpi


def test_scanned_pdf_page_that_is_one_jpeg_is_decoded_not_rendered(
    tmp_path: Path, small_page: Image.Image
) -> None:
    scanned = image_pdf(tmp_path / "scanned.pdf", [small_page])
    (page,) = prepare_pages(scanned, CTX, tmp_path)
    assert page.kind is PageKind.IMAGE and page.dpi == 200 and page.number == 1
    jpeg = Path(page.path)
    assert jpeg.parent == tmp_path and jpeg.read_bytes()[:2] == b"\xff\xd8"
    # the same pixels poppler would render at the scan's resolution (poppler may round off a row)
    rendered = subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", str(scanned)], capture_output=True, check=True
    ).stdout
    with Image.open(io.BytesIO(rendered)) as r, Image.open(jpeg) as j:
        a, b = np.asarray(r.convert("L"), dtype=np.int16), np.asarray(j.convert("L"), dtype=np.int16)
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        assert (
            b.shape == np.asarray(small_page).shape and abs(a.shape[0] - h) <= 1 and abs(a.shape[1] - w) <= 1
        )
        assert float(np.abs(a[:h, :w] - b[:h, :w]).mean()) < 2.0


@pytest.mark.parametrize("change", ["rotate", "vector-mark", "mask"])
def test_scanned_pdf_page_with_more_than_its_jpeg_is_rendered(
    tmp_path: Path, small_page: Image.Image, change: str
) -> None:
    scanned = image_pdf(tmp_path / "scanned.pdf", [small_page])
    writer = pypdf.PdfWriter(clone_from=scanned)
    page = writer.pages[0]
    if change == "rotate":
        page.rotate(90)
    elif change == "vector-mark":  # a line drawn over the scan would be lost with the JPEG alone
        stream = pypdf.generic.DecodedStreamObject()
        stream.set_data(b"0 0 m 100 100 l S")
        page.merge_page(pypdf.PageObject.create_blank_page(width=10, height=10))
        page[pypdf.generic.NameObject("/Contents")] = pypdf.generic.ArrayObject(
            [page["/Contents"], writer._add_object(stream)]
        )
    else:
        image = next(iter(page["/Resources"]["/XObject"].values())).get_object()
        image[pypdf.generic.NameObject("/Decode")] = pypdf.generic.ArrayObject(
            [pypdf.generic.NumberObject(1), pypdf.generic.NumberObject(0)]
        )
    writer.write(tmp_path / "changed.pdf")
    (out,) = prepare_pages(tmp_path / "changed.pdf", CTX, tmp_path)
    assert out.kind is PageKind.PDF


def test_pages_pickle_for_workers(tmp_path: Path, small_page: Image.Image) -> None:
    import pickle

    pages = prepare_pages(save(small_page, tmp_path / "a.png"), CTX, tmp_path)
    assert pickle.loads(pickle.dumps(pages)) == pages
    assert pickle.loads(pickle.dumps(CTX)) == CTX
