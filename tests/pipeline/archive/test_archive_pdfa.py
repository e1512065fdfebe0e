"""Archive copies of a colour scan, a gray scan, a bilevel TIFF and a born-digital PDF, checked by veraPDF.

GIVEN originals made here and OCR'd by sohoa, WHEN their archive copies are made and signed, THEN veraPDF
finds every copy PDF/A-2b before and after signing, the scan's pixels are embedded as they were (colour
in colour, gray in gray, bilevel as CCITT G4), the words are where the OCR saw them, and the XMP says
what the document is.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest

from pipeline.archive.build import ArchiveContext, make_copies
from pipeline.archive.pdfa import make_pdfa
from sohoa.model.archive import ArchiveMeta, ArchiveRecord
from sohoa.model.ocr import OcrDocument, PageSource
from tests.pipeline.archive.conftest import media_type

KINDS = ("colour", "gray", "bilevel", "born")


@pytest.fixture(scope="module")
def copies(
    scans: dict[str, Path],
    ocred: dict[str, OcrDocument],
    archive_ctx: ArchiveContext,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[ArchiveRecord, Path]]:
    out = tmp_path_factory.mktemp("copies")
    jobs = []
    for kind in KINDS:
        meta = ArchiveMeta(
            title="Về việc số hóa tài liệu lưu trữ",
            issuer="Ủy ban nhân dân tỉnh Quảng Ngãi",
            date="2024-06-21",
            doc_code="000.00.14.H26.2024.01.0000003",
            reference="15/QĐ-UBND",
            source_sha256=ocred[kind].sha256,
        )
        jobs.append((scans[kind], media_type(scans[kind]), ocred[kind], meta, out / f"{kind}.pdf"))
    records = make_copies(jobs, archive_ctx, work=out / "work")
    return {kind: (rec, out / f"{kind}.pdf") for kind, rec in zip(KINDS, records, strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_copy_passes_verapdf_before_and_after_signing(
    copies: dict[str, tuple[ArchiveRecord, Path]], kind: str
) -> None:
    rec, path = copies[kind]
    assert rec.pdfa_unsigned is not None and rec.pdfa_unsigned.compliant, rec.pdfa_unsigned
    assert rec.pdfa is not None and rec.pdfa.compliant, rec.pdfa
    assert rec.pdfa.profile == "PDF/A-2B validation profile"
    assert rec.signed and rec.signature is not None and rec.signature.intact and rec.signature.trusted
    assert rec.compliant and not rec.problems
    assert path.is_file() and rec.size == path.stat().st_size


def _images(path: Path) -> list[pikepdf.Object]:
    with pikepdf.open(path) as pdf:
        found = []
        for page in pdf.pages:
            for _, xobj in page.images.items():
                found.append(xobj)
            scan = page.obj.Resources.get("/XObject", {}).get("/Scan")
            if scan is not None:
                found += [
                    x for _, x in pikepdf.Page(pikepdf.Dictionary(Resources=scan.Resources)).images.items()
                ]
        return [
            (
                _name(x.get("/ColorSpace")),
                _name(x.get("/Filter")),
                int(x.BitsPerComponent),
                x.read_raw_bytes(),
            )
            for x in found
        ]


def _name(obj: object) -> str:
    # a filter may be a name or a one-element array of names
    if isinstance(obj, pikepdf.Array):
        return "".join(str(o) for o in obj)
    return str(obj)


@pytest.mark.slow
def test_scan_pixels_are_embedded_as_scanned(
    copies: dict[str, tuple[ArchiveRecord, Path]], scans: dict[str, Path]
) -> None:
    colour = _images(copies["colour"][1])
    # the JPEG goes in byte for byte: colour stays colour, no recompression, the scan's own resolution
    assert [(cs, f, bpc) for cs, f, bpc, _ in colour] == [("/DeviceRGB", "/DCTDecode", 8)]
    assert colour[0][3] == scans["colour"].read_bytes()
    gray = _images(copies["gray"][1])
    assert [(cs, bpc) for cs, _, bpc, _ in gray] == [("/DeviceGray", 8)]
    bilevel = _images(copies["bilevel"][1])
    assert [(f, bpc) for _, f, bpc, _ in bilevel] == [("/CCITTFaxDecode", 1)]


def _words_with_boxes(path: Path) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import re

    return [
        (m.group(5), float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)))
        for m in re.finditer(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["colour", "gray", "bilevel"])
def test_text_layer_sits_on_the_words(
    copies: dict[str, tuple[ArchiveRecord, Path]], ocred: dict[str, OcrDocument], kind: str
) -> None:
    page = ocred[kind].pages[0]
    assert page.source is PageSource.OCR and page.words
    if kind == "colour":
        assert any(t.op == "rotate" for t in page.transforms), "the tilted scan was deskewed"
    k = 72.0 / (page.dpi or 200)
    found = {w: (x0, y0, x1, y1) for w, x0, y0, x1, y1 in _words_with_boxes(copies[kind][1])}
    checked = 0
    for word in page.words:
        if word.text not in found or len(word.text) < 4:
            continue
        x, y, w, h = word.box
        x0, y0, x1, y1 = found[word.text]
        # centres within a few points of the OCR box (pdftotext's y grows downwards, like the OCR's)
        assert abs((x0 + x1) / 2 - (x + w / 2) * k) < 4, word
        assert abs((y0 + y1) / 2 - (y + h / 2) * k) < 6, word
        checked += 1
    assert checked >= 5


@pytest.mark.slow
def test_born_digital_pdf_keeps_its_text(
    copies: dict[str, tuple[ArchiveRecord, Path]], ocred: dict[str, OcrDocument]
) -> None:
    assert ocred["born"].pages[0].source is PageSource.TEXT_LAYER
    text = subprocess.run(
        ["pdftotext", str(copies["born"][1]), "-"], capture_output=True, text=True, check=True
    ).stdout  # noqa: S603
    assert "So: 27/QD-UBND" in text


@pytest.mark.slow
def test_xmp_metadata(copies: dict[str, tuple[ArchiveRecord, Path]], ocred: dict[str, OcrDocument]) -> None:
    with pikepdf.open(copies["gray"][1]) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "2" and xmp["pdfaid:conformance"] == "B"
        assert xmp["dc:title"] == "Về việc số hóa tài liệu lưu trữ"
        assert "Ủy ban nhân dân tỉnh Quảng Ngãi" in xmp["dc:creator"]
        assert xmp["dc:identifier"] == "000.00.14.H26.2024.01.0000003"
        assert xmp["pdf:Producer"] == "sohoa"
        assert xmp["dc:source"] == f"urn:sha256:{ocred['gray'].sha256}"


@pytest.mark.slow
def test_output_intent_follows_the_scans_colour(copies: dict[str, tuple[ArchiveRecord, Path]]) -> None:
    """A copy of gray or bilevel scans has a gray output intent (sGray), a colour or PDF copy sRGB."""
    for kind, n in (("gray", 1), ("bilevel", 1), ("colour", 3), ("born", 3)):
        with pikepdf.open(copies[kind][1]) as pdf:
            intent = pdf.Root.OutputIntents[0]
            assert intent.S == "/GTS_PDFA1" and int(intent.DestOutputProfile.N) == n, kind


def test_page_count_mismatch_is_an_error(
    scans: dict[str, Path], ocred: dict[str, OcrDocument], tmp_path: Path
) -> None:
    from sohoa.errors import ArchiveError

    doc = ocred["gray"]
    twice = doc.model_copy(update={"pages": doc.pages * 2})
    with pytest.raises(ArchiveError, match="pages"):
        make_pdfa(
            scans["gray"],
            twice,
            ArchiveMeta(source_sha256=doc.sha256),
            tmp_path / "x.pdf",
            work=tmp_path / "w",
        )


def test_a_copy_that_fails_validation_is_not_kept(
    scans: dict[str, Path], ocred: dict[str, OcrDocument], archive_ctx: ArchiveContext, tmp_path: Path
) -> None:
    """A broken copy (made so by removing its output intent) is reported, never stored as compliant."""
    import pipeline.archive.build as build

    real = build.make_pdfa

    def broken(*args: object, **kwargs: object) -> Path:
        out = real(*args, **kwargs)  # type: ignore[arg-type]
        with pikepdf.open(out, allow_overwriting_input=True) as pdf:
            del pdf.Root["/OutputIntents"]
            pdf.save(out)
        return out

    build.make_pdfa = broken  # type: ignore[assignment]
    try:
        doc = ocred["gray"]
        [rec] = make_copies(
            [(scans["gray"], "image/png", doc, ArchiveMeta(source_sha256=doc.sha256), tmp_path / "out.pdf")],
            archive_ctx,
            work=tmp_path / "w",
        )
    finally:
        build.make_pdfa = real
    assert not rec.compliant and not rec.signed
    assert rec.pdfa_unsigned is not None and not rec.pdfa_unsigned.compliant
    assert any("PDF/A" in p for p in rec.problems)
    assert not (tmp_path / "out.pdf").exists()
    json.dumps(rec.model_dump(mode="json"))
