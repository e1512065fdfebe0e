"""The digitizing agency's PAdES signature on an archive copy, and its verification (pyHanko).

The visible stamp sits top-right on page 1 (TT 05/2025 Art. 8): the agency's name and the signing time in
ISO 8601, in Liberation Serif 10 pt (metric-compatible with Times New Roman), embedded, black, no image.
Signing is an incremental update of the PDF/A copy, so the signed file is still PDF/A (veraPDF checks it
again). Verification trusts only the configured agency roots.

Incoming PDFs' own signatures are read by ``ocr/signatures.py`` (#12); this module is about the copies
sohoa signs, and their trust in the agency CA.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import pem, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext

from pipeline.archive.stamp import stamp_page
from sohoa.errors import ArchiveError, ConfigurationError
from sohoa.model.archive import SignatureCheck

__all__ = ["SigningContext", "sign_pdf", "verify_pdf"]

log = logging.getLogger(__name__)

FIELD_NAME = "SohoaAgencySignature"
MARGIN = 28.0  # points from the top and right edges
RESERVED_BYTES = (3584, 16384)


@dataclass(frozen=True)
class SigningContext:
    """Everything signing needs (built from ``Settings.signing``; the password stays out of logs)."""

    agency: str
    pkcs12: Path
    password: bytes = field(repr=False)
    font: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    reason: str = "Bản sao số hóa / Digitized archival copy"
    location: str = ""


class _KeepMetadataWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves the copy's Info and XMP as sohoa wrote them.

    pyHanko would name itself the Producer in both; the archive copy's producer is sohoa (XMP
    ``xmp:CreatorTool`` and ``pdf:Producer``), and the PDF/A metadata must not change on signing.
    Overrides a private hook of pyHanko 0.38 (pinned in pyproject.toml).
    """

    def _update_meta(self) -> None:
        return None


def _stamp_box(pdf: Path, w: float, h: float) -> tuple[int, int, int, int]:
    with pdf.open("rb") as f:
        page = PdfFileReader(f).root["/Pages"]["/Kids"][0]
        box = [float(v) for v in page["/MediaBox"]]
    # whole points: pyHanko's field boxes are integers; the stamp is scaled into it
    right, top = round(box[2] - MARGIN), round(box[3] - MARGIN)
    return right - round(w + 0.5), top - round(h + 0.5), right, top


def sign_pdf(src: Path, dst: Path, ctx: SigningContext) -> datetime:
    """Sign ``src`` (a PDF/A copy) into ``dst`` with a visible stamp top-right on page 1.

    Returns:
        The signing time written in the stamp.

    Raises:
        ConfigurationError: the PKCS#12 file or its password is wrong.
        ArchiveError: pyHanko could not sign the file.
    """
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(ctx.pkcs12), passphrase=ctx.password)
    except (OSError, ValueError) as e:
        raise ConfigurationError(f"signing: cannot load the agency certificate {ctx.pkcs12}: {e}") from e
    if signer is None:
        raise ConfigurationError(f"signing: cannot load {ctx.pkcs12} (wrong password?)")
    now = datetime.now(ZoneInfo(ctx.timezone)).replace(microsecond=0)
    stamp = dst.with_name(f".{dst.name}.stamp.pdf")
    w, h = stamp_page([ctx.agency, now.isoformat()], stamp, font_path=ctx.font)
    style = StaticStampStyle.from_pdf_file(str(stamp), border_width=0)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=ctx.agency,
        reason=ctx.reason,
        location=ctx.location or None,
    )
    spec = fields.SigFieldSpec(FIELD_NAME, on_page=0, box=_stamp_box(src, w, h))
    tmp = dst.with_name(f".{dst.name}.part")
    try:
        # the signature's space is reserved before it exists (and stored as hex): small first, since a
        # few KiB hold an EC key's CMS with its chain; a long RSA chain gets the larger reservation
        for reserved in RESERVED_BYTES:
            try:
                with src.open("rb") as inf, tmp.open("wb") as outf:
                    writer = _KeepMetadataWriter(inf, strict=False)
                    pdf_signer = signers.PdfSigner(
                        meta, signer=signer, stamp_style=style, new_field_spec=spec
                    )
                    pdf_signer.sign_pdf(writer, output=outf, bytes_reserved=reserved)
                break
            except SigningError as e:
                if "larger than expected" not in str(e) or reserved == RESERVED_BYTES[-1]:
                    raise
    except Exception as e:  # pyHanko raises many kinds; one boundary for them
        tmp.unlink(missing_ok=True)
        raise ArchiveError(f"signing {src.name} failed: {type(e).__name__}: {e}") from e
    finally:
        stamp.unlink(missing_ok=True)
    tmp.replace(dst)
    log.info("%s: signed by %s at %s", dst.name, ctx.agency, now.isoformat())
    return now


def load_roots(paths: list[Path]) -> list[x509.Certificate]:
    """Trusted agency roots from PEM or DER files."""
    roots = []
    for p in paths:
        data = p.read_bytes()
        if pem.detect(data):
            roots += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
        else:
            roots.append(x509.Certificate.load(data))
    return roots


def verify_pdf(path: Path, roots: list[x509.Certificate]) -> SignatureCheck:
    """Check the last signature of ``path``: intact bytes, valid, covering the whole file, trusted.

    Never raises for a bad file: a file that cannot be read or has no signature is reported as not intact.
    """
    try:
        with path.open("rb") as f:
            reader = PdfFileReader(f, strict=False)
            sigs = reader.embedded_signatures
            if not sigs:
                return SignatureCheck(summary="no signature")
            sig = sigs[-1]
            vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
            status = validate_pdf_signature(
                sig, vc, key_usage_settings=KeyUsageConstraints(key_usage={"digital_signature"})
            )
            cert = status.signing_cert
            when = status.signer_reported_dt
            covers = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
            return SignatureCheck(
                signer=cert.subject.human_friendly if cert is not None else "",
                signing_time=when.isoformat() if when else None,
                intact=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                covers_whole_file=covers,
                summary=status.summary(),
            )
    except Exception as e:  # a damaged file is a failed verification, not a crash
        log.warning("verify %s: %s: %s", path.name, type(e).__name__, e)
        return SignatureCheck(summary=f"unreadable: {type(e).__name__}: {e}")
