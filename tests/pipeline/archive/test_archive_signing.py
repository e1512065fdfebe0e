"""The agency's PAdES signature: stamp, verification, and a one-byte tampering that verification catches."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509 as cx509
from typer.testing import CliRunner

from cli.services.devca import INTERMEDIATE_NAME, KeyKind, make_test_signing
from pipeline.archive._exec.verapdf import VeraPdf, validate
from pipeline.archive.build import ArchiveContext
from pipeline.archive.pdfa import make_pdfa
from pipeline.archive.signing import load_roots, sign_pdf, verify_pdf
from pipeline.archive.stamp import stamp_characters
from sohoa.model.archive import ArchiveMeta
from sohoa.model.ocr import OcrDocument
from tests.pipeline.archive.conftest import AGENCY


@pytest.fixture(scope="module")
def signed(
    scans: dict[str, Path],
    ocred: dict[str, OcrDocument],
    archive_ctx: ArchiveContext,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    folder = tmp_path_factory.mktemp("signed")
    doc = ocred["colour"]
    copy = make_pdfa(
        scans["colour"],
        doc,
        ArchiveMeta(title="Quyết định", source_sha256=doc.sha256),
        folder / "copy.pdf",
        work=folder / "w",
        # as ArchiveContext.from_settings makes it when signing: the stamp drawn in the text font
        ctx=dataclasses.replace(archive_ctx.pdfa, stamp_characters=stamp_characters(AGENCY)),
    )
    assert archive_ctx.signing is not None
    sign_pdf(copy, folder / "signed.pdf", archive_ctx.signing)
    return folder / "signed.pdf"


@pytest.mark.slow
def test_signature_verifies_intact_and_trusted(signed: Path, archive_ctx: ArchiveContext) -> None:
    check = verify_pdf(signed, load_roots(list(archive_ctx.trust_roots)))
    assert check.intact and check.trusted and check.covers_whole_file, check.summary
    assert f"{AGENCY} (TEST)" in check.signer
    assert check.signing_time is not None


@pytest.mark.slow
def test_stamp_is_top_right_of_page_one_with_agency_and_iso_time(signed: Path) -> None:
    with pikepdf.open(signed) as pdf:
        page = pdf.pages[0]
        box = [float(v) for v in page.mediabox]
        [widget] = [a for a in page.obj.Annots if a.get("/FT") == "/Sig" or a.get("/Subtype") == "/Widget"]
        x0, y0, x1, y1 = (float(v) for v in widget.Rect)
        assert x1 > box[2] * 0.6 and y1 > box[3] * 0.85, "stamp in the top-right corner"
        assert int(widget.F) & 4, "printable (PDF/A)"
        fonts = [
            str(f.BaseFont)
            for f in pdf.objects
            if isinstance(f, pikepdf.Dictionary)
            and f.get("/Type") == "/Font"
            and f.get("/Subtype") == "/Type0"
        ]
        assert fonts == ["/SOHOAT+LiberationSerif"], "one font: the text layer's draws the stamp too"
        stamp_font = widget.AP.N.Resources.Font.F1
        assert stamp_font.objgen == page.obj.Resources.Font.F1.objgen
        xobjs = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert len(xobjs) == 1, "no image in the stamp: only the scan itself"
    import subprocess

    # -raw: in drawing order (the stamp overlaps the small test page's first line, which reading
    # order would interleave with it)
    text = subprocess.run(
        ["pdftotext", "-raw", "-f", "1", "-l", "1", str(signed), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout  # noqa: S603
    assert AGENCY in text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text), text[:300]


@pytest.mark.slow
def test_a_copy_made_without_the_stamp_characters_gets_a_stamp_font_of_its_own(
    signed: Path, archive_ctx: ArchiveContext, tmp_path: Path, verapdf: VeraPdf
) -> None:
    """GIVEN a copy whose text font lacks the stamp's outlines (made for another agency name),
    THEN signing embeds the stamp's own font, and the signed copy is still PDF/A and verifies."""
    assert archive_ctx.signing is not None
    other = dataclasses.replace(archive_ctx.signing, agency="Chi cục Văn thư - Lưu trữ")
    sign_pdf(signed.with_name("copy.pdf"), tmp_path / "other.pdf", other)
    with pikepdf.open(tmp_path / "other.pdf") as pdf:
        names = [
            str(f.BaseFont)
            for f in pdf.objects
            if isinstance(f, pikepdf.Dictionary)
            and f.get("/Type") == "/Font"
            and f.get("/Subtype") == "/Type0"
        ]
    assert len(names) == 2
    assert validate(verapdf, [tmp_path / "other.pdf"])[tmp_path / "other.pdf"].compliant
    assert verify_pdf(tmp_path / "other.pdf", load_roots(list(archive_ctx.trust_roots))).intact


@pytest.mark.slow
def test_signed_copy_keeps_the_copys_xmp_compressed_and_no_info(signed: Path) -> None:
    """The signature's update writes the copy's XMP again, Flate-compressed, in place of the one the
    signer was given; neither file has an Info dictionary."""
    with pikepdf.open(signed.with_name("copy.pdf")) as copy, pikepdf.open(signed) as pdf:
        assert "/Info" not in copy.trailer and "/Info" not in pdf.trailer
        assert pdf.Root.Metadata.get("/Filter") == "/FlateDecode"
        assert pdf.Root.Metadata.read_bytes() == copy.Root.Metadata.read_bytes()
        assert pdf.open_metadata()["dc:title"] == "Quyết định"
        compressed, packet = pdf.Root.Metadata.read_raw_bytes(), pdf.Root.Metadata.read_bytes()
    # the uncompressed packet appears nowhere in the signed file
    assert b"pdfaid:part" not in signed.read_bytes() and len(compressed) < 0.8 * len(packet)


@pytest.mark.slow
def test_signed_copy_is_still_pdfa(signed: Path, verapdf: VeraPdf) -> None:
    assert validate(verapdf, [signed])[signed].compliant


@pytest.mark.slow
def test_tampering_one_byte_fails_verification(
    signed: Path, archive_ctx: ArchiveContext, tmp_path: Path
) -> None:
    data = bytearray(signed.read_bytes())
    # one byte inside the scan's JPEG data (inside the signed range, the file still parses)
    at = data.index(b"\xff\xd8\xff") + 5000
    data[at] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    check = verify_pdf(tampered, load_roots(list(archive_ctx.trust_roots)))
    assert not check.intact, check.summary


@pytest.mark.slow
def test_other_roots_do_not_trust_the_agency(signed: Path, tmp_path: Path, test_ca: dict[str, str]) -> None:
    from cli.services.devca import ensure_dev_ca
    from cli.services.layout import Layout

    other = ensure_dev_ca(Layout(home=tmp_path, cache=tmp_path), "Another agency")
    check = verify_pdf(signed, load_roots([Path(p) for p in json.loads(other["SOHOA_SIGNING__TRUST_ROOTS"])]))
    assert check.intact and not check.trusted


@pytest.mark.slow
def test_cli_verify_reports_and_fails_on_tampering(
    signed: Path, archive_ctx: ArchiveContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import app
    from sohoa.settings import get_settings

    monkeypatch.setenv("SOHOA_SIGNING__TRUST_ROOTS", json.dumps([str(p) for p in archive_ctx.trust_roots]))
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["archive", "verify", str(signed), "--json"])
        assert ok.exit_code == 0, ok.output
        report = json.loads(ok.output.strip().splitlines()[-1])
        assert report["signature"]["intact"] and report["pdfa"]["compliant"]
        data = bytearray(signed.read_bytes())
        data[data.index(b"\xff\xd8\xff") + 7000] ^= 0x80
        bad = tmp_path / "bad.pdf"
        bad.write_bytes(bytes(data))
        failed = CliRunner().invoke(app, ["archive", "verify", str(bad)])
        assert failed.exit_code == 1
        assert "NOT intact" in failed.output
    finally:
        get_settings.cache_clear()


@pytest.mark.slow
def test_signature_space_is_what_the_cms_needs_without_the_root(
    signed: Path, test_ca: dict[str, str]
) -> None:
    """The CMS fills its reserved /Contents but for a few bytes, and carries no self-signed root."""
    from asn1crypto import cms

    with pikepdf.open(signed) as pdf:
        [sig] = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Sig"]
        reserved = bytes(sig.Contents)
    used = reserved.rstrip(b"\0")
    assert len(reserved) - len(used) <= 16, f"{len(reserved)} bytes reserved for a {len(used)}-byte CMS"
    certs = cms.ContentInfo.load(used)["content"]["certificates"]
    assert [c.chosen.self_signed for c in certs] == ["no"], "only the agency's certificate"


@pytest.mark.slow
@pytest.mark.parametrize("kind", [KeyKind.RSA_2048, KeyKind.RSA_3072])
def test_an_rsa_agency_certificate_with_an_issuing_ca_signs_and_verifies(
    signed: Path, tmp_path: Path, archive_ctx: ArchiveContext, kind: KeyKind
) -> None:
    """GIVEN a PKCS#12 with an RSA key under root → issuing CA → agency (as public CAs issue them),
    THEN the copy signs and verifies trusted by the root alone: the CMS holds the agency's certificate
    only, the issuing CA's is in the copy's DSS, the root is in neither, and signing adds no more than
    that takes."""
    from asn1crypto import cms

    made = make_test_signing(tmp_path / "ca", "Trung tâm Lưu trữ", key=kind, intermediate=True)
    assert archive_ctx.signing is not None
    ctx = dataclasses.replace(archive_ctx.signing, pkcs12=made.pkcs12, password=made.password.encode())
    copy = signed.with_name("copy.pdf")
    sign_pdf(copy, tmp_path / "rsa.pdf", ctx)
    # the size path: field, stamp appearance, DSS, the CMS's hex and the update's dictionaries (6.3 and
    # 7.4 KB when written); the issuing CA in the CMS instead of the DSS would add 2.4 KB or more
    added = (tmp_path / "rsa.pdf").stat().st_size - copy.stat().st_size
    assert added <= (7900 if kind is KeyKind.RSA_3072 else 6700), added
    check = verify_pdf(tmp_path / "rsa.pdf", load_roots([made.ca_cert]))
    assert check.intact and check.trusted and "Trung tâm Lưu trữ (TEST)" in check.signer, check.summary
    with pikepdf.open(tmp_path / "rsa.pdf") as pdf:
        [sig] = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Sig"]
        certs = cms.ContentInfo.load(bytes(sig.Contents).rstrip(b"\0"))["content"]["certificates"]
        dss = [cx509.Certificate.load(s.read_bytes()) for s in pdf.Root.DSS.Certs]
    assert [c.chosen.subject.native["common_name"] for c in certs] == ["Trung tâm Lưu trữ (TEST)"]
    assert [c.subject.native["common_name"] for c in dss] == [INTERMEDIATE_NAME]
    assert dss[0].public_key.bit_size == (3072 if kind is KeyKind.RSA_3072 else 2048)
    # without the DSS's issuing CA the root alone cannot vouch for the agency
    bare = load_roots([made.ca_cert])
    with pikepdf.open(tmp_path / "rsa.pdf") as pdf:
        del pdf.Root.DSS
        pdf.save(tmp_path / "no-dss.pdf")
    assert not verify_pdf(tmp_path / "no-dss.pdf", bare).trusted
