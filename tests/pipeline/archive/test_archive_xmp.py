"""The copy's XMP packet reads back (pikepdf) with every field, escaped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pikepdf

from pipeline.archive.xmp import xmp_packet
from sohoa.model.archive import ArchiveMeta

META = ArchiveMeta(
    title='Về việc "số hóa" <tài liệu> & lưu trữ',
    issuer="Ủy ban nhân dân tỉnh Quảng Ngãi",
    date="2024-03-15",
    doc_code="000.00.14.H26.2024.01.0000003",
    source_sha256="ab" * 32,
)
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7)))


def test_packet_reads_back_with_every_field() -> None:
    pdf = pikepdf.new()
    pdf.Root.Metadata = pdf.make_stream(
        xmp_packet(META, producer="sohoa", when=WHEN), Type=pikepdf.Name.Metadata
    )
    xmp = pdf.open_metadata()
    assert xmp["pdfaid:part"] == "2" and xmp["pdfaid:conformance"] == "B"
    assert xmp["dc:title"] == META.title
    assert xmp["dc:creator"] == [META.issuer]
    assert xmp["dc:identifier"] == META.doc_code
    assert xmp["dc:source"] == f"urn:sha256:{'ab' * 32}"
    assert xmp["pdf:Producer"] == "sohoa" and xmp["xmp:CreateDate"] == "2026-01-02T03:04:05+07:00"
