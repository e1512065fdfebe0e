"""The digitizing agency's PAdES signature on an archive copy, and its verification (pyHanko).

The visible stamp sits top-right on page 1 (TT 05/2025 Art. 8): the agency's name and the signing time in
ISO 8601, in Liberation Serif 10 pt (metric-compatible with Times New Roman), embedded, black, no image.
Signing is an incremental update of the PDF/A copy, so the signed file is still PDF/A (veraPDF checks it
again). The key is the agency's PKCS#12 file or a key on its PKCS#11 token or HSM (:func:`open_signer`).
Verification trusts only the configured agency roots.

Incoming PDFs' own signatures are read by ``ocr/signatures.py`` (#12): every signature of a file, with
no trust list, for what ingestion records. This module checks the one signature sohoa made, covering the
whole file, against the agency roots and with the key usage a signing certificate must have; the two
share pyHanko's validator, not their questions, so they stay apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from asn1crypto import pem, tsp, x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import attributes, fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import constants
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.stamp import NoOpStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import CertificateStore, SimpleCertificateStore

from pipeline.archive.stamp import add_signature_field
from sohoa.errors import ArchiveError, ConfigurationError, MissingDependencyError
from sohoa.model.archive import SignatureCheck

__all__ = [
    "AgencySigner",
    "SigningContext",
    "TokenRef",
    "load_signer",
    "open_signer",
    "sign_pdf",
    "verify_pdf",
]

log = logging.getLogger(__name__)

FIELD_NAME = "Sohoa"  # short: written twice, once in the signature's update
MARGIN = 28.0  # points from the top and right edges
#: an ECDSA signature's DER length varies by a few bytes from one signature to the next
DRY_RUN_SLACK = 8


@dataclass(frozen=True)
class TokenRef:
    """The agency's key on a PKCS#11 token or HSM (the PIN stays out of logs)."""

    module: Path
    token_label: str | None = None
    key_label: str | None = None
    pin: bytes | None = field(default=None, repr=False)
    #: ECDSA hashed on the host, the token signs the digest (tokens without CKM_ECDSA_SHA256)
    raw_ecdsa: bool = False


@dataclass(frozen=True)
class SigningContext:
    """Everything signing needs (built from ``Settings.signing``; the password stays out of logs).

    The key is on ``token`` when one is given, otherwise in the ``pkcs12`` file.
    """

    agency: str
    pkcs12: Path | None
    password: bytes = field(repr=False)
    font: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    #: the signature's /Reason, none by default: the stamp and the certificate say who signed, and
    #: pyHanko writes a Vietnamese reason as octal-escaped UTF-16 (a short one costs 100 bytes a copy)
    reason: str = ""
    location: str = ""
    token: TokenRef | None = None


class _CopyMetadataWriter(IncrementalPdfFileWriter):
    """The signature's incremental writer: the copy's own XMP, compressed, and no Info dictionary.

    pyHanko would name itself the Producer; the archive copy's producer is sohoa (XMP ``pdf:Producer``),
    and its PDF/A metadata must not change on signing. The file given to the signer carries only a
    placeholder for the XMP (:func:`~pipeline.archive.stamp.add_signature_field`); this update writes
    it once under that number, Flate-compressed, which PDF/A-2 allows (PDF/A-1 did not): 40 % of its
    bytes. Overrides a private hook of pyHanko 0.38 (pinned in pyproject.toml).
    """

    def __init__(self, input_stream: BinaryIO, xmp: bytes) -> None:
        super().__init__(input_stream, strict=False)
        self.xmp = xmp

    def _update_meta(self) -> None:
        ref = self.root.raw_get("/Metadata")  # the placeholder's number: the catalog stays as it is
        stream = generic.StreamObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Metadata"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/XML"),
            },
            stream_data=self.xmp,
        )
        stream.compress()
        self.objects[(ref.generation, ref.idnum)] = stream


class _SigningCertificate(attributes.SigningCertificateV2Provider):
    """The ESS signing-certificate-v2 attribute as CAdES baseline wants it: the certificate's SHA-256 only.

    ETSI EN 319 122-1 (6.3 g) says the issuerSerial field should not be included (the SignerInfo's
    sid already names issuer and serial); pyHanko writes it, about 130 bytes of the CMS (twice that in
    the copy's hex). SHA-256 is the field's default algorithm, so DER leaves it out too.
    """

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        value = await super().build_attr_value(dry_run=dry_run)
        certid = value["certs"][0]
        return tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({"cert_hash": certid["cert_hash"]})]})


class _PadesAttributes(attributes.SignedAttributeProviderSpec):
    """PAdES baseline B-B signed attributes: the signing certificate.

    pyHanko adds the content type and the message digest; PAdES keeps the signing time in /M.
    """

    def __init__(self, signer: signers.Signer) -> None:
        self.signer = signer

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterator[attributes.CMSAttributeProvider]:
        cert = self.signer.signing_cert
        if cert is None:
            raise SigningError("signing: the agency's certificate is not available")
        yield _SigningCertificate(cert)


def _issuing_chain(
    certs: Iterable[x509.Certificate], signing: x509.Certificate
) -> tuple[x509.Certificate, ...]:
    """The CA certificates between the agency's and a root (self-signed roots left out), sorted."""
    own = signing.dump()
    chain = {c.dump(): c for c in certs if c.self_signed == "no" and c.dump() != own}
    return tuple(chain[k] for k in sorted(chain))


@dataclass(frozen=True)
class AgencySigner:
    """The agency's pyHanko signer, and the CA certificates that go with its signatures.

    The CMS carries the agency's own certificate (CAdES baseline: it shall) and nothing else; the
    issuing CAs go into the copy's DSS (:mod:`pipeline.archive.stamp`), where a verifier building
    the path finds them as well, in a compressed stream instead of the CMS's hex: an RSA issuing CA's
    certificate is 1-1.5 KB, so 2-3 KB of hex in every copy. Roots are never embedded: a verifier
    trusts its own.
    """

    signer: signers.Signer
    chain: tuple[x509.Certificate, ...] = ()

    @cached_property
    def reserved(self) -> int:
        """Room for each signature's CMS (hex digits): a dry run's length, made once for the whole run.

        The CMS of one signer has one length whatever the file (digest, attributes and certificates
        are of fixed size; an ECDSA signature's few bytes of play are in the dry run, see
        ``_SizedSigner``), so pyHanko's own dry run before every signature is done once here.
        """
        cms = asyncio.run(self.signer.async_sign(bytes(32), "sha256", dry_run=True, use_pades=True))
        return 2 * len(cms.dump())  # hex digits, as pyHanko counts them


class _SizedSigner(signers.SimpleSigner):
    """A key-file signer whose dry run (pyHanko's size estimate) is never shorter than the real signature.

    pyHanko sizes the signature's reserved space from a dry run; with ``tight_size_estimates`` that is
    the exact length of the dry run's CMS, so the dry run gets the few bytes an ECDSA signature may
    grow by. (pyHanko's PKCS#11 signer already dry-runs with its key's largest signature.)
    """

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        raw = await super().async_sign_raw(data, digest_algorithm, dry_run)
        # an RSA signature is always the modulus' length: only ECDSA needs the room
        cert = self.signing_cert
        grows = cert is not None and cert.public_key.algorithm == "ec"
        return raw + bytes(DRY_RUN_SLACK) if dry_run and grows else raw


def load_signer(ctx: SigningContext) -> AgencySigner:
    """The agency's signer from its PKCS#12 file, and the issuing CAs of its certificate found there.

    Raises:
        ConfigurationError: the file cannot be read or the password is wrong.
    """
    if ctx.pkcs12 is None:
        raise ConfigurationError("signing: no agency certificate (SOHOA_SIGNING__PKCS12_PATH) configured")
    try:
        loaded = signers.SimpleSigner.load_pkcs12(str(ctx.pkcs12), passphrase=ctx.password)
    except (OSError, ValueError) as e:
        raise ConfigurationError(f"signing: cannot load the agency certificate {ctx.pkcs12}: {e}") from e
    if loaded is None:
        raise ConfigurationError(f"signing: cannot load {ctx.pkcs12} (wrong password?)")
    signer = _SizedSigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=SimpleCertificateStore(),  # pyHanko adds the signing certificate itself
        embed_roots=False,
    )
    signer.signed_attr_prov_spec = _PadesAttributes(signer)
    return AgencySigner(signer, _issuing_chain(loaded.cert_registry, loaded.signing_cert))


@contextmanager
def _token_signer(token: TokenRef) -> Iterator[AgencySigner]:
    try:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as p11  # needs python-pkcs11 (pyproject: pyHanko[pkcs11])
    except ImportError as e:
        raise MissingDependencyError(f"signing: PKCS#11 needs python-pkcs11 ({e})") from e

    class TokenSigner(p11.PKCS11Signer):
        """The token's signer, whose CMS carries only the agency's certificate (the rest go to the DSS)."""

        @property
        def cert_registry(self) -> CertificateStore:
            return SimpleCertificateStore()  # pyHanko adds the signing certificate itself

        def token_certificates(self) -> Iterable[x509.Certificate]:
            return super().cert_registry

    try:
        session = p11.open_pkcs11_session(
            str(token.module),
            token_criteria=TokenCriteria(label=token.token_label),
            user_pin=token.pin.decode() if token.pin is not None else None,
        )
    except Exception as e:  # python-pkcs11 and pyHanko raise many kinds: a token that cannot be opened
        raise ConfigurationError(
            f"signing: cannot open the PKCS#11 token {token.token_label or '(first)'} with {token.module}: "
            f"{type(e).__name__}: {e}"
        ) from e
    try:
        # the key never leaves the token; its certificate and any CA certificates stored there are read
        signer = TokenSigner(
            session,
            key_label=token.key_label,
            other_certs_to_pull=None,
            embed_roots=False,
            use_raw_mechanism=token.raw_ecdsa,
        )
        signer.signed_attr_prov_spec = _PadesAttributes(signer)
        yield AgencySigner(signer, _issuing_chain(signer.token_certificates(), signer.signing_cert))
    finally:
        session.close()


@contextmanager
def open_signer(ctx: SigningContext) -> Iterator[AgencySigner]:
    """The agency's signer for a run of signatures: on its PKCS#11 token, or from its PKCS#12 file.

    A token session is opened (and logged in) once and closed when the block ends.

    Raises:
        ConfigurationError: the key cannot be reached (file, password, token, PIN).
        MissingDependencyError: a token is configured but python-pkcs11 is not installed.
    """
    if ctx.token is not None:
        with _token_signer(ctx.token) as signer:
            yield signer
    else:
        yield load_signer(ctx)


class _AgencyPdfSigner(signers.PdfSigner):
    """pyHanko's PDF signer, keeping the copy a PDF 1.7 file and the stamp's time the signing time.

    pyHanko declares ISO 32002 for an ECDSA key, which also raises the catalog's /Version to 2.0: a
    PDF/A-2 file is an ISO 32000-1 (PDF 1.7) file, and PAdES on 1.7 needs only the ESIC extension (the
    copy already has it, see :mod:`pipeline.archive.stamp`). The session's clock is set to the time
    the stamp shows, so the stamp, /M and the CMS signing time are one instant. Both override pyHanko
    0.38 hooks (pinned in pyproject.toml).
    """

    def __init__(self, *args: Any, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signing_time = signing_time

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
            pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    def init_signing_session(self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self.signing_time
        return session


def sign_pdf(src: Path, dst: Path, ctx: SigningContext, *, signer: AgencySigner | None = None) -> datetime:
    """Sign ``src`` (a PDF/A copy) into ``dst`` with a visible stamp top-right on page 1.

    Args:
        src: the PDF/A copy.
        dst: where the signed copy goes.
        ctx: the agency, font and key.
        signer: a signer from :func:`open_signer` (many files, one token session); opened here if not.

    Returns:
        The signing time written in the stamp.

    Raises:
        ConfigurationError: the key cannot be reached (file, password, token, PIN).
        ArchiveError: pyHanko could not sign the file.
    """
    if signer is None:
        with open_signer(ctx) as opened:
            return sign_pdf(src, dst, ctx, signer=opened)
    now = datetime.now(ZoneInfo(ctx.timezone)).replace(microsecond=0)
    prepared = dst.with_name(f".{dst.name}.field.pdf")
    tmp = dst.with_name(f".{dst.name}.part")
    # no /Name: PDF 32000 says to use it only when the signer's name cannot be read from the certificate
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=ctx.reason or None,
        location=ctx.location or None,
    )
    try:
        xmp = add_signature_field(
            src,
            prepared,
            [ctx.agency, now.isoformat()],
            field=FIELD_NAME,
            font_path=ctx.font,
            margin=MARGIN,
            certificates=[c.dump() for c in signer.chain],
        )
        # the signature's space is reserved (as hex) before it exists: exactly what a dry run of the same
        # signer needs (one per run, AgencySigner.reserved), so no kilobytes of zero padding; pyHanko's
        # looser estimate (+50 %) if that fails
        for tight in (True, False):
            try:
                with prepared.open("rb") as inf, tmp.open("wb") as outf:
                    pdf_signer = _AgencyPdfSigner(
                        replace(meta, tight_size_estimates=tight),
                        signer=signer.signer,
                        stamp_style=NoOpStampStyle(),  # keep the field's own appearance
                        signing_time=now,
                    )
                    pdf_signer.sign_pdf(
                        _CopyMetadataWriter(inf, xmp),
                        output=outf,
                        existing_fields_only=True,
                        bytes_reserved=signer.reserved if tight else None,
                    )
                break
            except SigningError as e:
                if "larger than expected" not in str(e) or not tight:
                    raise
                log.warning("%s: signature larger than its dry run; signing again with more room", src.name)
    except Exception as e:  # pyHanko raises many kinds; one boundary for them
        tmp.unlink(missing_ok=True)
        raise ArchiveError(f"signing {src.name} failed: {type(e).__name__}: {e}") from e
    finally:
        prepared.unlink(missing_ok=True)
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
            try:  # the issuing CAs of the agency's certificate travel in the DSS (see AgencySigner)
                others = list(DocumentSecurityStore.read_dss(reader).load_certs())
            except NoDSSFoundError:
                others = []
            vc = ValidationContext(
                trust_roots=roots, other_certs=others, allow_fetching=False, revocation_mode="soft-fail"
            )
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
