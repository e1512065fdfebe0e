"""Signing on a PKCS#11 token (SoftHSM2): the key is made on the token and never leaves it.

GIVEN a SoftHSM2 token holding an EC P-256 key generated on it and a certificate for that key from a CA
made here, WHEN an archive copy is signed through ``SigningContext.token``, THEN the signature verifies
intact and trusted by that CA and the signed copy is still PDF/A-2b; a wrong PIN is a configuration
error an operator can act on.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pipeline.archive._exec.verapdf import VeraPdf, validate
from pipeline.archive.pdfa import make_pdfa
from pipeline.archive.signing import SigningContext, TokenRef, load_roots, sign_pdf, verify_pdf
from sohoa.errors import ConfigurationError
from sohoa.model.archive import ArchiveMeta
from sohoa.model.ocr import OcrDocument
from sohoa.settings import get_settings
from tests.pipeline.archive.conftest import AGENCY

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, KEY, PIN = "sohoa-test", "agency", "246810"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common)]
    )


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TokenRef, Path]]:
    """A SoftHSM2 token (its own folder) with a key made on it and the CA's certificate for that key."""
    assert MODULE.is_file(), "SoftHSM2 is missing: run scripts/bootstrap.sh (Debian softhsm2)"
    import pkcs11
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))  # read when the module is loaded, below
        subprocess.run(  # noqa: S603 - fixed arguments
            ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "13579"],
            check=True,
            capture_output=True,
            env={**os.environ, "SOFTHSM2_CONF": str(conf)},
            timeout=60,
        )
        lib = pkcs11.lib(str(MODULE))
        with lib.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
            params = session.create_domain_parameters(
                pkcs11.KeyType.EC,
                {pkcs11.Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            public, _ = params.generate_keypair(store=True, label=KEY, id=b"\x01")
            ca_key = ec.generate_private_key(ec.SECP256R1())
            now = dt.datetime.now(dt.UTC)
            ca = (
                x509.CertificateBuilder()
                .subject_name(_name("sohoa PKCS#11 TEST CA"))
                .issuer_name(_name("sohoa PKCS#11 TEST CA"))
                .public_key(ca_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .sign(ca_key, hashes.SHA256())
            )
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name("Lưu trữ tỉnh (TOKEN TEST)"))
                .issuer_name(ca.subject)
                .public_key(serialization.load_der_public_key(encode_ec_public_key(public)))  # type: ignore[arg-type]
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(
                    x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
                )
                .sign(ca_key, hashes.SHA256())
            )
            session.create_object(
                {
                    pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                    pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                    pkcs11.Attribute.TOKEN: True,
                    pkcs11.Attribute.LABEL: KEY,
                    pkcs11.Attribute.ID: b"\x01",
                    pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
                    pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                }
            )
        root = home / "ca.pem"
        root.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        # SoftHSM2 has CKM_ECDSA but not CKM_ECDSA_SHA256: the digest is made on the host
        yield TokenRef(MODULE, TOKEN, KEY, PIN.encode(), raw_ecdsa=True), root


@pytest.fixture(scope="module")
def copy(
    scans: dict[str, Path], ocred: dict[str, OcrDocument], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("token-copy")
    doc = ocred["bilevel"]
    return make_pdfa(
        scans["bilevel"],
        doc,
        ArchiveMeta(title="Quyết định", source_sha256=doc.sha256),
        folder / "copy.pdf",
        work=folder,
    )


@pytest.mark.slow
def test_a_copy_signed_on_the_token_verifies_and_stays_pdfa(
    token: tuple[TokenRef, Path], copy: Path, verapdf: VeraPdf, tmp_path: Path
) -> None:
    ref, root = token
    ctx = SigningContext(
        agency=AGENCY, pkcs12=None, password=b"", font=get_settings().archive.font, token=ref
    )
    signed = tmp_path / "signed.pdf"
    sign_pdf(copy, signed, ctx)
    check = verify_pdf(signed, load_roots([root]))
    assert check.intact and check.trusted and check.covers_whole_file, check.summary
    assert "(TOKEN TEST)" in check.signer
    assert validate(verapdf, [signed])[signed].compliant


def test_a_wrong_pin_is_a_configuration_error(
    token: tuple[TokenRef, Path], copy: Path, tmp_path: Path
) -> None:
    ref, _ = token
    bad = TokenRef(ref.module, ref.token_label, ref.key_label, b"000000", raw_ecdsa=True)
    ctx = SigningContext(
        agency=AGENCY, pkcs12=None, password=b"", font=get_settings().archive.font, token=bad
    )
    with pytest.raises(ConfigurationError, match="PKCS#11 token sohoa-test"):
        sign_pdf(copy, tmp_path / "signed.pdf", ctx)
    assert not (tmp_path / "signed.pdf").exists()
