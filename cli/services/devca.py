"""A local development CA and a TEST agency certificate for signing archive copies (never for production).

``sohoa services up`` makes them once under ``$SOHOA_HOME/signing/`` (git-ignored) and records in
``local.env`` where they are, with a generated PKCS#12 password. Every name says TEST: a file signed with
them proves nothing outside this machine. A real deployment points ``SOHOA_SIGNING__PKCS12_PATH`` (and the
password) at the agency's own certificate instead; see the README.

:func:`make_test_signing` also makes the chains real agencies have (an RSA key under an intermediate CA,
with the extensions a public CA writes: policies, CRL and OCSP addresses, the agency's tax code), for the
tests and the archive benchmark to measure what such a chain costs in every signed copy.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from cli.services.base import ServiceStatus
from cli.services.layout import Layout
from sohoa.settings import Settings

__all__ = ["DevCa", "DevSigning", "KeyKind", "ensure_dev_ca", "make_test_signing"]

log = logging.getLogger(__name__)

CA_NAME = "sohoa DEVELOPMENT CA - TEST ONLY, NOT TRUSTED"
INTERMEDIATE_NAME = "sohoa DEVELOPMENT ISSUING CA - TEST ONLY, NOT TRUSTED"
VALID_DAYS = 3 * 365
#: where a public CA's certificates point (CRL, OCSP, issuer, policy): never resolvable (RFC 6761)
TEST_URL = "http://ca.sohoa-test.invalid"


class KeyKind(StrEnum):
    """The agency key of a TEST certificate."""

    EC_P256 = "ec"
    RSA_2048 = "rsa2048"
    RSA_3072 = "rsa3072"


@dataclass(frozen=True)
class DevCa:
    """Where the generated files are."""

    ca_cert: Path
    pkcs12: Path
    password: str


def _name(common: str, org: str, *, agency: bool = False) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ]
    if agency:
        # what Vietnamese public CAs put in an organisation's certificate: province and the tax code (MST)
        attrs[1:1] = [
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "TEST"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "TEST"),
        ]
        attrs.append(x509.NameAttribute(NameOID.USER_ID, "MST:0000000000-TEST"))
    return x509.Name(attrs)


def _key(kind: KeyKind) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if kind is KeyKind.EC_P256:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(
        public_exponent=65537, key_size=3072 if kind is KeyKind.RSA_3072 else 2048
    )


def _issued_by(
    builder: x509.CertificateBuilder,
    issuer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    issuer: x509.Certificate | None = None,
) -> x509.CertificateBuilder:
    """The extensions a public CA adds to every certificate it issues (a longer chain, as real ones are).

    With ``issuer``, the authority key identifier also names the issuer's issuer and serial, as the
    government CA's agency certificates in the eval set do.
    """
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())
    if issuer is not None:
        aki = x509.AuthorityKeyIdentifier(
            aki.key_identifier, [x509.DirectoryName(issuer.issuer)], issuer.serial_number
        )
    return (
        builder.add_extension(aki, critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{TEST_URL}/ca.crl")], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{TEST_URL}/ca.cer"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{TEST_URL}/ocsp")
                    ),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier("2.5.29.32.0"), [f"{TEST_URL}/cps"])]
            ),
            critical=False,
        )
    )


def make_test_signing(
    folder: Path, agency: str, *, key: KeyKind = KeyKind.EC_P256, intermediate: bool = False
) -> DevCa:
    """A TEST root CA (and an issuing CA under it when ``intermediate``) and an agency PKCS#12 in ``folder``.

    The root is self-signed and given to verifiers as the trust root; the PKCS#12 holds the agency's key,
    its certificate and the rest of the chain. The CAs' keys are of the agency key's kind.
    """
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = _key(key)
    ca_name = _name(CA_NAME, "sohoa (TEST)")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1 if intermediate else 0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = [ca]
    issuer_key, issuer_name = ca_key, ca_name
    if intermediate:
        inter_key = _key(key)
        inter_name = _name(INTERMEDIATE_NAME, "sohoa (TEST)")
        inter = (
            _issued_by(
                x509.CertificateBuilder()
                .subject_name(inter_name)
                .issuer_name(ca_name)
                .public_key(inter_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + timedelta(days=VALID_DAYS)),
                ca_key,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        chain.insert(0, inter)
        issuer_key, issuer_name = inter_key, inter_name
    agency_key = _key(key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{agency} (TEST)", f"{agency} (TEST)", agency=intermediate))
        .issuer_name(issuer_name)
        .public_key(agency_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=VALID_DAYS))
    )
    if intermediate:
        # what a public CA writes into an organisation's certificate besides (sizes as in the eval
        # set's own signed PDFs: 1.5 KB for an RSA-2048 agency certificate)
        builder = _issued_by(builder, issuer_key, chain[0]).add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name("van-thu@agency.sohoa-test.invalid")]),
            critical=False,
        )
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    cert = (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION]
                + ([ExtendedKeyUsageOID.CLIENT_AUTH] if intermediate else [])
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(agency_key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    ca_path = folder / "dev-ca-TEST.pem"
    p12_path = folder / "agency-TEST.p12"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    p12 = pkcs12.serialize_key_and_certificates(
        b"agency-test",
        agency_key,
        cert,
        chain,
        serialization.BestAvailableEncryption(password.encode()),
    )
    p12_path.touch(mode=0o600)
    p12_path.write_bytes(p12)
    (folder / "README-TEST-ONLY.txt").write_text(
        "Generated by sohoa for local development and tests.\n"
        "This CA and certificate are NOT trusted by anyone and must never sign real records.\n"
    )
    log.info("signing: made a TEST CA and agency certificate (%s) in %s", key.value, folder)
    return DevCa(ca_path, p12_path, password)


def ensure_dev_ca(layout: Layout, agency: str) -> dict[str, str]:
    """Make the TEST CA and agency certificate once; record them in local.env (values never overwritten).

    Returns:
        The ``SOHOA_SIGNING__*`` entries of local.env.
    """
    lines = layout.env_file.read_text().splitlines() if layout.env_file.is_file() else []
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    wanted = ("SOHOA_SIGNING__PKCS12_PATH", "SOHOA_SIGNING__PKCS12_PASSWORD", "SOHOA_SIGNING__TRUST_ROOTS")
    if all(k in values for k in wanted) and Path(values["SOHOA_SIGNING__PKCS12_PATH"]).is_file():
        return {k: values[k] for k in wanted}
    made = make_test_signing(layout.home / "signing", agency)
    new = {
        "SOHOA_SIGNING__PKCS12_PATH": str(made.pkcs12),
        "SOHOA_SIGNING__PKCS12_PASSWORD": made.password,
        "SOHOA_SIGNING__TRUST_ROOTS": f'["{made.ca_cert}"]',
    }
    kept = [line for line in lines if line.split("=", 1)[0] not in new]
    layout.home.mkdir(parents=True, exist_ok=True)
    layout.env_file.touch(mode=0o600, exist_ok=True)
    layout.env_file.chmod(0o600)
    layout.env_file.write_text(
        "\n".join([*kept, "# TEST signing certificate (sohoa services up); never for real records"])
        + "\n"
        + "".join(f"{k}={v}\n" for k, v in new.items())
    )
    return new


class DevSigning:
    """``sohoa services up`` step: the TEST agency certificate (only when none is configured)."""

    name = "signing"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.layout = Layout.from_settings(settings)

    def install(self) -> None:
        """Generate the TEST CA and certificate unless a certificate is configured."""
        configured = self.settings.signing.pkcs12_path
        if configured is not None and configured.is_file() and not _is_test(configured, self.layout):
            return
        ensure_dev_ca(self.layout, self.settings.signing.agency_name)

    def start(self) -> None:
        """Nothing runs."""

    def stop(self) -> bool:
        """Nothing runs."""
        return False

    def status(self) -> ServiceStatus:
        """Which certificate signs archive copies."""
        s = self.settings.signing
        if s.pkcs11_module is not None:
            module = s.pkcs11_module
            token, key = s.pkcs11_token_label or "(first)", s.pkcs11_key_label or "(the only one)"
            detail = f"token {token}, key {key}"
            return ServiceStatus(self.name, str(module), module.is_file(), "PKCS#11", detail)
        p12 = self.settings.signing.pkcs12_path
        if p12 is None or not p12.is_file():
            return ServiceStatus(
                self.name, "-", False, detail="no agency certificate (run `sohoa services up`)"
            )
        kind = "TEST certificate (development only)" if _is_test(p12, self.layout) else "agency certificate"
        return ServiceStatus(self.name, str(p12), True, "PKCS#12", kind)


def _is_test(path: Path, layout: Layout) -> bool:
    return path.resolve().parent == (layout.home / "signing").resolve()
