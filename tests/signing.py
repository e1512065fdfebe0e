"""Signed PDFs for tests: a certificate made here (cryptography), pyHanko signing with a visible stamp."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw

SIGNER = "Trung tâm Thử nghiệm"
STAMP_TEXT = "SIGNED BY TEST CENTRE"
#: a stamp in the top margin of an A4 page (595 x 842 pt), where Vietnamese signing services put it
TOP_MARGIN_BOX = (380, 790, 590, 840)


def certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed signing certificate and its key (PEM files in ``tmp``)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ủy ban nhân dân tỉnh Thử nghiệm"),
            x509.NameAttribute(NameOID.COMMON_NAME, SIGNER),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp / "key.pem", tmp / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def scan_pdf(path: Path) -> None:
    """A one-page image-only PDF, as a scanner writes it."""
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    ImageDraw.Draw(page).text((150, 150), "UY BAN NHAN DAN TINH THU NGHIEM", fill=0)
    page.save(path, "PDF", resolution=150)


def sign_pdf(
    src: Path, out: Path, key: Path, cert: Path, box: tuple[int, int, int, int] = TOP_MARGIN_BOX
) -> None:
    """Sign ``src`` into ``out`` with a visible text stamp in ``box`` (PDF points, page 1)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    signer = signers.SimpleSigner.load(str(key), str(cert))
    with src.open("rb") as inf:
        writer = IncrementalPdfFileWriter(inf, strict=False)
        fields.append_signature_field(writer, fields.SigFieldSpec("Signature1", box=box, on_page=0))
        pdf_signer = signers.PdfSigner(
            signers.PdfSignatureMetadata(field_name="Signature1"),
            signer=signer,
            stamp_style=TextStampStyle(stamp_text=STAMP_TEXT + "\n%(ts)s"),
        )
        with out.open("wb") as outf:
            pdf_signer.sign_pdf(writer, output=outf)
