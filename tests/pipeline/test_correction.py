"""Pure correction rules: value checks, provenance, approval, and merging a re-extraction (no services)."""

from __future__ import annotations

import pytest

from pipeline.correction import apply_changes, field_states, merge_extraction, normalize_value
from sohoa.errors import FieldValueError
from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata
from sohoa.model.review import Provenance, RevisionAction, reason_code, reason_field
from sohoa.model.signature import PageStamp
from storage.records import build_record

SHA = "a" * 64


def _doc(**fields: object) -> Document:
    meta = Metadata(
        fields={
            k: ExtractedField(value=v, confidence=0.5, page=1, box=(1, 2, 3, 4)) for k, v in fields.items()
        },
        needs_review=True,
        reasons=["so_ky_hieu: low confidence 0.50", "ngay_ban_hanh.uncertain"],
    )
    return Document(id=SHA, source_file="a.png", media_type="image/png", size=1, batch="b1", metadata=meta)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("ngay_ban_hanh", "2025-02-05", "2025-02-05"),
        ("ngay_ban_hanh", "ngày 05 tháng 02 năm 2025", "2025-02-05"),
        ("ngay_ban_hanh", "Ngày 5 tháng 2 năm 2025", "2025-02-05"),
        ("ngay_ban_hanh", "05/02/2025", "2025-02-05"),
        ("so_ky_hieu", " 88 / QĐ-UBND ", "88/QĐ-UBND"),
        ("so_ky_hieu", "Số: 12/2020/TT-BTC", "12/2020/TT-BTC"),
        ("so_ky_hieu", "215/SNgV-VP", "215/SNgV-VP"),
        ("loai_van_ban", "quyet dinh", "Quyết định"),
        ("access_level", "Confidential", "confidential"),
        ("do_mat", "toi mat", "Tối mật"),
        ("noi_nhan", "Như trên; Lưu: VT", ["Như trên", "Lưu: VT"]),
        ("co_quan_ban_hanh", "  SỞ   NGOẠI VỤ ", "SỞ NGOẠI VỤ"),
        ("trich_yeu", "", None),
    ],
)
def test_values_are_normalized(name: str, raw: object, expected: object) -> None:
    assert normalize_value(name, raw) == expected


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("ngay_ban_hanh", "31/02/2025"),
        ("ngay_ban_hanh", "hôm qua"),
        ("ngay_ban_hanh", "số 12 ngày 05/02/2025"),
        ("so_ky_hieu", "QĐ-UBND"),
        ("so_ky_hieu", "88 QĐ UBND"),
        ("loai_van_ban", "Thư tình"),
        ("access_level", "secret"),
        ("access_level", ""),
        ("nonexistent", "x"),
        ("so", "12a"),
    ],
)
def test_bad_values_name_the_field_and_reason(name: str, raw: object) -> None:
    with pytest.raises(FieldValueError) as e:
        normalize_value(name, raw)
    assert e.value.field == name and e.value.reason


def test_a_correction_keeps_the_extracted_value_apart_and_records_who_and_what_before() -> None:
    doc = _doc(so_ky_hieu="8/QĐ-UBND", ngay_ban_hanh="2025-05-02", loai_van_ban="Quyết định")
    new = apply_changes(
        doc, {"so_ky_hieu": "88/QĐ-UBND", "ngay_ban_hanh": "05/02/2025"}, by="staff1", at="T1"
    )
    assert new.version == 2 and doc.version == 1
    assert new.metadata.fields["so_ky_hieu"].value == "8/QĐ-UBND"  # extracted value untouched
    assert new.metadata.value("so_ky_hieu") == "88/QĐ-UBND"
    c = new.metadata.corrections["so_ky_hieu"]
    assert (c.by, c.at, c.previous, c.version) == ("staff1", "T1", "8/QĐ-UBND", 2)
    # so and ky_hieu follow the corrected number; the type is unchanged, so no ma_loai change
    assert new.metadata.value("so") == 88 and new.metadata.value("ky_hieu") == "QĐ-UBND"
    assert new.metadata.needs_review is True  # correcting does not approve
    states = field_states(new)
    assert states["so_ky_hieu"].provenance is Provenance.CORRECTED
    assert states["so_ky_hieu"].extracted == "8/QĐ-UBND" and states["so_ky_hieu"].box == (1, 2, 3, 4)
    assert (
        states["loai_van_ban"].provenance is Provenance.EXTRACTED and states["loai_van_ban"].confidence == 0.5
    )
    (rev,) = new.history
    assert rev.action is RevisionAction.CORRECT and set(rev.changes) == {
        "so_ky_hieu",
        "ngay_ban_hanh",
        "so",
        "ky_hieu",
    }
    assert (
        rev.changes["ngay_ban_hanh"].before == "2025-05-02"
        and rev.changes["ngay_ban_hanh"].after == "2025-02-05"
    )


def test_approving_clears_needs_review_and_no_change_makes_no_version() -> None:
    doc = _doc(so_ky_hieu="8/QĐ-UBND")
    assert apply_changes(doc, {"so_ky_hieu": "8/QĐ-UBND"}, by="s", at="T") is doc
    new = apply_changes(
        doc, {"access_level": "public", "dossier_code": "HS-01"}, by="s", at="T", approve=True
    )
    assert new.metadata.needs_review is False and new.metadata.approval is not None
    assert new.access_level is AccessLevel.PUBLIC and new.dossier_code == "HS-01"
    assert new.metadata.corrections["access_level"].previous == "internal"
    assert new.history[-1].approved


def test_a_bad_value_applies_nothing() -> None:
    doc = _doc(so_ky_hieu="8/QĐ-UBND")
    with pytest.raises(FieldValueError):
        apply_changes(doc, {"so_ky_hieu": "88/QĐ-UBND", "ngay_ban_hanh": "32/13/2025"}, by="s", at="T")
    assert doc.version == 1 and not doc.metadata.corrections


def test_reextraction_never_overwrites_a_corrected_field() -> None:
    doc = apply_changes(
        _doc(so_ky_hieu="8/QĐ-UBND", trich_yeu="cũ"), {"so_ky_hieu": "88/QĐ-UBND"}, by="s", at="T"
    )
    fresh = Metadata(
        fields={
            "so_ky_hieu": ExtractedField(value="89/QĐ-UBND", confidence=0.95),
            "trich_yeu": ExtractedField(value="mới", confidence=0.9),
        },
        needs_review=True,
        reasons=["so_ky_hieu: low confidence 0.40", "ngay_ban_hanh.missing"],
    )
    merged = merge_extraction(doc, fresh, at="T2", engine="v2")
    assert merged.metadata.value("so_ky_hieu") == "88/QĐ-UBND"  # the correction wins
    assert merged.metadata.fields["so_ky_hieu"].value == "89/QĐ-UBND"  # the new extraction is kept apart
    assert merged.metadata.value("trich_yeu") == "mới"  # uncorrected fields take the new extraction
    assert merged.metadata.reasons == ["ngay_ban_hanh.missing"]  # no reason about a corrected field
    assert merged.version == doc.version + 1 and merged.history[-1].action is RevisionAction.REEXTRACT
    assert merge_extraction(merged, fresh, at="T3", engine="v2") is merged  # idempotent


def test_an_approved_document_returns_to_review_only_when_an_uncorrected_key_field_changes() -> None:
    doc = apply_changes(_doc(so_ky_hieu="8/QĐ-UBND", loai_van_ban="Quyết định"), {"so_ky_hieu": "88/QĐ-UBND"},
                        by="s", at="T", approve=True)  # fmt: skip
    fields = {"so_ky_hieu": ExtractedField(value="x"), "loai_van_ban": ExtractedField(value="Quyết định")}
    same = Metadata(fields=fields, needs_review=True, reasons=["so_ky_hieu.missing"])
    assert merge_extraction(doc, same, at="T2", engine="v2").metadata.needs_review is False
    other = same.model_copy(
        update={"fields": {**same.fields, "loai_van_ban": ExtractedField(value="Thông báo")}}
    )
    back = merge_extraction(doc, other, at="T2", engine="v2").metadata
    assert back.needs_review is True and back.reasons == ["loai_van_ban.changed_on_reextraction"]


def test_a_reextraction_that_finds_stamps_saves_them_even_with_the_same_fields() -> None:
    """GIVEN a document stored before stamps were kept WHEN re-extracted THEN it gets them, once."""
    doc = _doc(so_ky_hieu="8/QĐ-UBND")
    fresh = doc.metadata.model_copy(update={"stamps": [PageStamp(page=1, signer="SỞ NGOẠI VỤ")]})
    merged = merge_extraction(doc, fresh, at="T2", engine="v2")
    assert merged.metadata.stamps == fresh.stamps and merged.version == doc.version + 1
    assert merge_extraction(merged, fresh, at="T3", engine="v2") is merged


def test_reason_codes_and_free_strings_name_their_field() -> None:
    assert reason_field("so_ky_hieu.missing") == "so_ky_hieu"
    assert reason_field("so_ky_hieu: not found") == "so_ky_hieu"
    assert reason_code("so_ky_hieu: not found") == "so_ky_hieu.missing"
    assert reason_code("ngay_ban_hanh: low confidence 0.52") == "ngay_ban_hanh.uncertain"
    assert reason_code("co_quan_ban_hanh.unknown_agency") == "co_quan_ban_hanh.unknown_agency"


def test_the_index_record_carries_corrected_values_and_review_fields() -> None:
    doc = apply_changes(
        _doc(so_ky_hieu="8/QĐ-UBND"), {"so_ky_hieu": "88/QĐ-UBND"}, by="s", at="2025-01-01T00:00:00+00:00"
    )
    rec = build_record(doc)
    assert rec["so_ky_hieu"] == "88/QĐ-UBND" and rec["so"] == 88
    assert rec["review_reasons"] == ["ngay_ban_hanh.uncertain", "so_ky_hieu.uncertain"]
    assert rec["review_fields"] == ["ngay_ban_hanh", "so_ky_hieu"]
    assert rec["corrected_fields"] == ["ky_hieu", "so", "so_ky_hieu"] and rec["version"] == 2
