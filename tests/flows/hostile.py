"""The hostile corpus: broken, malicious and merely unusual files the project builds itself, with the outcome
each must get.

Every file is made here from a rendered sample page or from bytes written by hand; nothing is downloaded
or copied in. :func:`write_corpus` writes the folder batch (one file per case) and :func:`write_zips`
the zip batches (a zip is a batch source of its own). ``Expect`` says what the report must say: the
statuses allowed and, for refused files, the error types allowed (their own message is checked by the
test).
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from cli.samples import SAMPLE_DOCS, render_page

GOOD = frozenset({"stored", "needs_review"})


@dataclass(frozen=True)
class Expect:
    """Allowed statuses and, for failures, allowed error types."""

    statuses: frozenset[str]
    errors: frozenset[str] = frozenset()


def refused(*errors: str) -> Expect:
    """The file must fail with one of these error types."""
    return Expect(frozenset({"failed"}), frozenset(errors))


ACCEPTED = Expect(GOOD)


def _page(doc: int = 0) -> Image.Image:
    """The header third of a sample page: real Vietnamese text, small enough to OCR fast."""
    page = render_page(SAMPLE_DOCS[doc % len(SAMPLE_DOCS)])
    return page.crop((0, 0, page.width, page.height // 3))


def _encode(image: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    good = _encode(Image.new("L", (16, 16), 255), "JPEG")
    at = good.index(b"\xff\xc0")  # baseline SOF0: length(2) precision(1) height(2) width(2)
    return good[: at + 5] + struct.pack(">HH", height, width) + good[at + 9 :]


def _tiff_claiming(width: int, height: int) -> bytes:
    """A little-endian TIFF with one 8-bit gray strip of 8 bytes, whose tags claim a huge image."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 10 * 12 + 4), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, 8),
               (284, 3, 1, 1)]  # fmt: skip
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += (
            struct.pack("<HHII", tag, kind, count, value)
            if kind == 4
            else struct.pack("<HHIHH", tag, kind, count, value, 0)
        )
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\xff" * 8


def _pdf(pages: list[Image.Image]) -> bytes:
    return _encode(pages[0].convert("RGB"), "PDF", resolution=200.0, save_all=True, append_images=pages[1:])


def _pdf_writer_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _encrypted(user: str, owner: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf([_page(1)])))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    return _pdf_writer_bytes(writer)


def _pdf_page_count_bomb(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=72, height=72)
    return _pdf_writer_bytes(writer)


def _pdf_huge_media_box() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=14_400, height=14_400)  # 200 x 200 inches: 3.6e9 pixels at 300 dpi
    return _pdf_writer_bytes(writer)


def _pdf_image_bomb() -> bytes:
    """An A4 page drawing one image that claims 30,000 x 30,000 pixels in a stream of a few kB."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    image = StreamObject()
    image._data = zlib.compress(b"\0" * (1 << 20))
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(30_000), NameObject("/Height"): NumberObject(30_000),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"),
        NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): NameObject("/FlateDecode"),
    })  # fmt: skip
    ref = writer._add_object(image)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): ref})}
    )
    contents = StreamObject()
    contents._data = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    page[NameObject("/Contents")] = writer._add_object(contents)
    return _pdf_writer_bytes(writer)


def _pdf_page_tree_loop() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    data = bytearray(_pdf_writer_bytes(writer))
    # make the page tree's /Kids point back at the tree itself
    at = data.index(b"/Kids [ ")
    end = data.index(b"]", at)
    root = data[: data.index(b"/Type /Pages")]
    pages_obj = root[root.rindex(b"obj") - 8 : root.rindex(b"obj")].split()[-2]
    data[at:end] = b"/Kids [ " + pages_obj + b" 0 R "
    return bytes(data)


def _tiff_frames(count: int, size: tuple[int, int] = (8, 8)) -> bytes:
    frames = [Image.new("L", size, 255) for _ in range(count)]
    return _encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])


def _tiff_with_a_bad_frame() -> bytes:
    """Three deflate-compressed pages; the middle page's compressed strips are overwritten with junk."""
    pages = [_page(i) for i in range(3)]
    data = bytearray(
        _encode(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="tiff_adobe_deflate")
    )
    with Image.open(io.BytesIO(bytes(data))) as im:
        im.seek(1)
        offsets, counts = im.tag_v2[273], im.tag_v2[279]
    for off, n in zip(offsets, counts, strict=True):
        data[off : off + n] = bytes((i * 37 + 11) % 251 for i in range(n))
    return bytes(data)


def _corrupt_png() -> bytes:
    header = struct.pack(">IIBBBBB", 800, 600, 8, 0, 0, 0, 0)
    junk = bytes((i * 7) % 256 for i in range(4000))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", junk)
        + _png_chunk(b"IEND", b"")
    )


def _bad_crc_png(good: bytes) -> bytes:
    data = bytearray(good)
    at = data.index(b"IDAT") + 4 + 10
    data[at] ^= 0xFF  # a flipped byte inside the compressed data: its CRC no longer matches
    return bytes(data)


def write_corpus(dest: Path) -> dict[str, Expect]:
    """Write the folder batch into ``dest``; returns each file's path in the batch and what it must get."""
    dest.mkdir(parents=True, exist_ok=True)
    good = _page(0)
    png = _encode(good, "PNG", dpi=(200, 200))
    jpg = _encode(good.convert("RGB"), "JPEG", quality=85, dpi=(200, 200))
    tif = _encode(good, "TIFF", compression="tiff_lzw", dpi=(200, 200))
    pdf = _pdf([_page(2)])
    files: dict[str, tuple[bytes, Expect]] = {
        # good files, some in unusual encodings
        "good.png": (png, ACCEPTED),
        "good.jpg": (jpg, ACCEPTED),
        "good.tif": (tif, ACCEPTED),
        "good.pdf": (pdf, ACCEPTED),
        "cmyk.jpg": (_encode(good.convert("CMYK"), "JPEG", quality=85), ACCEPTED),
        "cmyk.tif": (_encode(_page(1).convert("CMYK"), "TIFF"), ACCEPTED),
        "gray16.png": (_encode(_page(2).convert("I;16"), "PNG"), ACCEPTED),
        "rgba-alpha.png": (_encode(_page(0).convert("RGBA"), "PNG"), ACCEPTED),
        "gray-alpha.png": (_encode(_page(1).convert("LA"), "PNG"), ACCEPTED),
        "palette.png": (
            _encode(_page(2).convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE), "PNG"),
            ACCEPTED,
        ),
        "bilevel-g4.tif": (_encode(_page(0).convert("1"), "TIFF", compression="group4"), ACCEPTED),
        "tiny-1x1.png": (_encode(Image.new("L", (1, 1), 255), "PNG"), ACCEPTED),
        "absurd-dpi.png": (_encode(_page(1), "PNG", dpi=(1_000_000, 1)), ACCEPTED),
        "owner-password-only.pdf": (_encrypted("", "chu-so-huu", "AES-128"), ACCEPTED),
        "multi-page.tif": (_encode(_page(0), "TIFF", save_all=True, append_images=[_page(1)]), ACCEPTED),
        # wrong extension, right content: the content decides
        "jpeg-named.pdf": (_encode(_page(2).convert("RGB"), "JPEG"), ACCEPTED),
        "png-named.tif": (_encode(_page(1), "PNG", compress_level=0), ACCEPTED),
        "no-extension": (_encode(_page(0), "PNG"), ACCEPTED),
        # hostile names
        unicodedata.normalize("NFC", "Quyết định số 12 – bản gốc.png"): (_encode(_page(1), "PNG"), ACCEPTED),
        unicodedata.normalize("NFD", "Công văn NFD.png"): (_encode(_page(2), "PNG"), ACCEPTED),
        "new\nline.png": (_encode(_page(0), "PNG", compress_level=1), ACCEPTED),
        "semi;colon|pipe<>&.png": (_encode(_page(1), "PNG", compress_level=2), ACCEPTED),
        "$(touch pwned) `id`.png": (_encode(_page(2), "PNG", compress_level=3), ACCEPTED),
        "-rf --help.png": (_encode(_page(0), "PNG", compress_level=4), ACCEPTED),
        "%2e%2e%2fetc%2fpasswd.png": (_encode(_page(1), "PNG", compress_level=5), ACCEPTED),
        "right-to-left \u202egnp.pdf": (_encode(_page(2), "PNG", compress_level=9), ACCEPTED),
        "dài " + "ệ" * 70 + ".png": (_encode(_page(0), "PNG", compress_level=7), ACCEPTED),
        # empty and truncated
        "empty.pdf": (b"", refused("EmptyFileError")),
        "empty.png": (b"", refused("EmptyFileError")),
        "empty.tif": (b"", refused("EmptyFileError")),
        "truncated.png": (png[: len(png) // 2], refused("TruncatedFileError")),
        "truncated.jpg": (jpg[: len(jpg) // 2], refused("TruncatedFileError")),
        "truncated.pdf": (pdf[: len(pdf) // 2], refused("TruncatedFileError")),
        "truncated.tif": (tif[: len(tif) // 3], refused("TruncatedFileError", "CorruptFileError")),
        # encrypted
        "encrypted-aes.pdf": (_encrypted("mat-khau", "chu", "AES-128"), refused("EncryptedPdfError")),
        "encrypted-rc4.pdf": (_encrypted("mat-khau", "chu", "RC4-40"), refused("EncryptedPdfError")),
        # corrupt
        "corrupt.png": (_corrupt_png(), refused("CorruptFileError", "TruncatedFileError")),
        "bad-crc.png": (_bad_crc_png(png), refused("CorruptFileError", "TruncatedFileError")),
        "corrupt.jpg": (
            b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9",
            refused("CorruptFileError", "TruncatedFileError"),
        ),
        "corrupt.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", refused("CorruptFileError")),
        "corrupt.tif": (
            b"II*\x00" + bytes(range(256)) * 4,
            refused("CorruptFileError", "TruncatedFileError"),
        ),
        "page-tree-loop.pdf": (_pdf_page_tree_loop(), refused("CorruptFileError")),
        # not a scan at all, whatever the name says
        "text.png": ("Đây là văn bản, không phải ảnh.\n".encode(), refused("UnsupportedFileTypeError")),
        "word-document.pdf": (b"PK\x03\x04" + b"\0" * 200, refused("UnsupportedFileTypeError")),
        "gif-image.tif": (_encode(Image.new("P", (10, 10)), "GIF"), refused("UnsupportedFileTypeError")),
        "bitmap.bmp": (_encode(Image.new("L", (10, 10), 255), "BMP"), refused("UnsupportedFileTypeError")),
        "web-page.jpg": (b"<!doctype html><title>x</title>", refused("UnsupportedFileTypeError")),
        "old-office.doc": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            refused("UnsupportedFileTypeError"),
        ),
        # decompression and page-count bombs
        "bomb-60000x60000.png": (png_claiming(60_000, 60_000), refused("DecompressionBombError")),
        "bomb-20000x20000.png": (png_claiming(20_000, 20_000), refused("DecompressionBombError")),
        "bomb.jpg": (_jpeg_claiming(65_000, 65_000), refused("DecompressionBombError")),
        "bomb.tif": (_tiff_claiming(100_000, 100_000), refused("DecompressionBombError")),
        "bomb-media-box.pdf": (_pdf_huge_media_box(), refused("DecompressionBombError")),
        "bomb-image.pdf": (_pdf_image_bomb(), refused("DecompressionBombError")),
        "bomb-pages.pdf": (_pdf_page_count_bomb(2_100), refused("DecompressionBombError")),
        "bomb-pages.tif": (_tiff_frames(2_100), refused("DecompressionBombError")),
        # one bad page among good ones: that page fails, the document is kept for review
        "bad-middle-frame.tif": (_tiff_with_a_bad_frame(), Expect(frozenset({"needs_review"}))),
    }
    expected: dict[str, Expect] = {}
    for name, (data, expect) in files.items():
        (dest / name).write_bytes(data)
        expected[name] = expect
    # symbolic links are never followed: to a good file, to a secret, dangling, to a folder
    (dest / "link-to-good.png").symlink_to(dest / "good.png")
    (dest / "link-to-passwd.png").symlink_to("/etc/passwd")
    (dest / "dangling-link.png").symlink_to(dest / "does-not-exist.png")
    (dest / "sub").mkdir()
    (dest / "sub" / "nested.png").write_bytes(_encode(_page(2), "PNG", compress_level=8))
    expected["sub/nested.png"] = ACCEPTED
    (dest / "linked-folder").symlink_to(dest / "sub")
    for name in ("link-to-good.png", "link-to-passwd.png", "dangling-link.png", "linked-folder"):
        expected[name] = refused("InputError")
    return expected


def write_zips(dest: Path) -> dict[str, Expect]:
    """Zip batches (each one a batch source): ``Expect`` for the batch; refused zips stop at unpacking."""
    dest.mkdir(parents=True, exist_ok=True)
    png = _encode(_page(1), "PNG", compress_level=1)  # bytes no file of the folder corpus has

    def make(name: str, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
        with zipfile.ZipFile(dest / name, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in members:
                zf.writestr(info, data)

    link = zipfile.ZipInfo("link.png")
    link.external_attr = 0o120777 << 16  # a symbolic link entry
    make("zip-slip.zip", [("ok.png", png), ("../../escaped.png", png)])
    make("zip-absolute.zip", [("/tmp/absolute.png", png)])
    make("zip-symlink.zip", [("ok.png", png), (link, b"/etc/passwd")])
    make("zip-bomb.zip", [("zeros.png", b"\0" * (64 << 20))])  # 64 MiB of zeros in ~64 kB
    make("zip-many-members.zip", [(f"m{i:05d}.png", b"") for i in range(50_001)])
    # a member whose bytes were damaged after zipping: that one file fails, the rest of the zip goes on
    make("zip-damaged-member.zip", [("good.png", png), ("damaged.png", png)])
    data = bytearray((dest / "zip-damaged-member.zip").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("damaged.png")
    start = info.header_offset + 30 + len(info.filename) + 100
    data[start : start + 64] = b"\x00" * 64
    (dest / "zip-damaged-member.zip").write_bytes(bytes(data))
    (dest / "not-a-zip.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    return {
        "zip-slip.zip": refused("InputError"),
        "zip-absolute.zip": refused("InputError"),
        "zip-symlink.zip": refused("InputError"),
        "zip-bomb.zip": refused("InputError"),
        "zip-many-members.zip": refused("InputError"),
        "not-a-zip.zip": refused("InputError"),
        "zip-damaged-member.zip": ACCEPTED,  # the batch runs; its damaged member fails alone
    }
