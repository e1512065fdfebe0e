"""Signed PDFs: read and check embedded signatures, and hide the signature stamp before reading.

The PDFs are made here: a one-page "scan" (an image PDF drawn by Pillow), signed with pyHanko using a
certificate the test generates with ``cryptography``, its visible stamp in the top margin as signing
services place it.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from pathlib import Path

import pytest

from ocr.signatures import in_margin, read_signatures, signature_rects, unsigned_view
from tests.signing import SIGNER, STAMP_TEXT, certificate, scan_pdf, sign_pdf


@pytest.fixture(autouse=True)
def _quiet_pyhanko():
    # pyHanko logs a traceback for every chain it cannot build to a trusted root (ours is self-signed)
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("signed")
    key, cert = certificate(tmp)
    scan = tmp / "scan.pdf"
    scan_pdf(scan)
    out = tmp / "signed.pdf"
    # the stamp in the top margin (A4 is 595 x 842 pt), as Vietnamese publishing services put it
    sign_pdf(scan, out, key, cert, (380, 790, 590, 840))
    return out


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_signature_is_read_and_verified(signed):
    sigs = read_signatures(signed)
    assert len(sigs) == 1
    s = sigs[0]
    assert s.signer == SIGNER and s.organization == "Ủy ban nhân dân tỉnh Thử nghiệm"
    assert s.intact and s.valid and not s.modified and s.ok
    assert s.trusted is False  # self-signed: no chain to a known root
    assert s.page == 1 and s.rect is not None
    signed_at = dt.datetime.fromisoformat(s.signing_time or "")
    assert abs((dt.datetime.now(dt.UTC) - signed_at).total_seconds()) < 600


def test_tampered_file_is_not_intact(signed, tmp_path):
    data = bytearray(signed.read_bytes())
    at = data.find(b"UY BAN") if b"UY BAN" in data else len(data) // 3
    data[at] ^= 0x01  # one bit inside the signed byte range
    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(bytes(data))
    sigs = read_signatures(bad)
    assert sigs and not sigs[0].ok


def test_unsigned_file_has_no_signatures(tmp_path):
    scan = tmp_path / "scan.pdf"
    scan_pdf(scan)
    assert read_signatures(scan) == []
    assert signature_rects(scan) == {}
    assert unsigned_view(scan, tmp_path / "view.pdf") is None


def test_stamp_in_the_margin_is_hidden_from_the_reading_copy(signed, tmp_path):
    assert STAMP_TEXT.split()[0] in _text(signed)
    view = unsigned_view(signed, tmp_path / "view.pdf")
    assert view is not None
    assert STAMP_TEXT.split()[0] not in _text(view)
    assert read_signatures(signed)[0].ok  # the original is untouched


def test_only_margin_widgets_count_as_stamps():
    a4 = (595.0, 842.0)
    assert in_margin((380, 790, 590, 840), *a4)  # top margin: a signing service's stamp
    assert not in_margin((137, 709, 335, 738), *a4)  # inside the header: a number typed into the blank
    assert not in_margin((366, 395, 516, 465), *a4)  # the signer's signature image in the signer block


def test_a_signed_scan_is_ocrd_not_taken_for_its_stamp_text(signed, tmp_path):
    """GIVEN a scanned page whose only text is the signature stamp's
    WHEN its pages are prepared for OCR
    THEN the page is OCR'd (not a "text layer" of stamp text) from the copy without the stamp."""
    from ocr import OcrContext, PageKind, prepare_pages

    pages = prepare_pages(signed, OcrContext(), tmp_path)
    assert pages[0].kind is not PageKind.TEXT_LAYER
    assert STAMP_TEXT.split()[0] not in pages[0].text
