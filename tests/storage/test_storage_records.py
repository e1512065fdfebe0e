"""Pure tests of index records built from Document + OcrDocument (no service)."""

from __future__ import annotations

import hashlib
import unicodedata

from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource
from sohoa.model.signature import PageStamp
from storage.records import build_record

SHA = hashlib.sha256(b"x").hexdigest()


def _doc(**fields: object) -> Document:
    return Document(
        id=SHA,
        source_file="Công văn.pdf",
        media_type="application/pdf",
        size=10,
        access_level=AccessLevel.PUBLIC,
        metadata=Metadata(fields={k: ExtractedField(value=v) for k, v in fields.items()}),
    )


def test_record_carries_keys_year_and_nfc_pages() -> None:
    doc = _doc(
        so_ky_hieu="1340/QĐ-UBND",
        ngay_ban_hanh="2023-03-03",
        loai_van_ban="Quyết định",
        co_quan_ban_hanh="SỞ NGOẠI VỤ",
        noi_nhan=["Như trên", "Lưu: VT"],
        so="1340",
    )
    ocr = OcrDocument(
        file_name="x",
        sha256=SHA,
        media_type="application/pdf",
        languages="vie",
        pages=[
            OcrPage(number=1, source=PageSource.OCR, text=unicodedata.normalize("NFD", "Quyết định")),
            OcrPage(number=2, source=PageSource.BLANK, text=""),
        ],
    )
    rec = build_record(doc, ocr)
    assert rec["sha256"] == SHA and rec["access_level"] == "public"
    assert rec["so_ky_hieu_key"] == "1340-QD-UBND" and rec["so"] == 1340
    assert rec["loai_van_ban_key"] == "quyet dinh" and rec["co_quan_ban_hanh_key"] == "so ngoai vu"
    assert rec["year"] == 2023 and rec["ngay_ban_hanh"] == "2023-03-03"
    assert rec["noi_nhan"] == ["Như trên", "Lưu: VT"]
    assert rec["pages"] == [{"number": 1, "text": "Quyết định"}]  # NFC, blank page left out
    assert rec["page_count"] == 2


def test_badly_typed_values_are_dropped_not_fatal() -> None:
    rec = build_record(_doc(ngay_ban_hanh="30/01/2015", so="bảy", trich_yeu="  "))
    assert "ngay_ban_hanh" not in rec and "year" not in rec and "so" not in rec and "trich_yeu" not in rec
    assert "pages" not in rec


def test_a_date_read_in_part_files_the_record_under_its_year() -> None:
    # "2024-03": the day unread (in review); no date to range on, but the year was printed and read
    for partial in ("2024-03", "2024"):
        rec = build_record(_doc(ngay_ban_hanh=partial))
        assert "ngay_ban_hanh" not in rec and rec["year"] == 2024


def test_page_stamps_are_indexed_apart_from_signatures() -> None:
    """What the stamps on the pages say goes to stamp_signed_by/stamp_signed_at, never to signed_by."""
    stamps = [
        PageStamp(
            page=1,
            signer=unicodedata.normalize("NFD", "SỞ  NGOẠI VỤ"),
            signing_time="2025-02-06T09:15:22+07:00",
        ),
        PageStamp(page=3, signer="SỞ NGOẠI VỤ", signing_time="2025-02-07T08:00:00"),
        PageStamp(page=4, signer=None, signing_time="12.03.2024 as read"),  # a time that is not ISO
    ]
    doc = _doc(trich_yeu="x").model_copy(update={"metadata": Metadata(stamps=stamps)})
    rec = build_record(doc)
    assert rec["stamp_signed_by"] == ["SỞ NGOẠI VỤ"]  # NFC, spaces collapsed, once
    assert rec["stamp_signed_at"] == ["2025-02-06T09:15:22+07:00", "2025-02-07T08:00:00"]
    assert "signed_by" not in rec and "signature_valid" not in rec
    assert "stamp_signed_by" not in build_record(_doc(trich_yeu="x"))
