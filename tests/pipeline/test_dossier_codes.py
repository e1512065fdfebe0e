"""Dossier codes and derived fields, pure (no service)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.dossiers.codes import (
    CodeRules,
    check_code,
    make_file_code,
    parse_file_code,
    parse_procedure_code,
)
from pipeline.dossiers.derive import facts, retention_until, view_of
from sohoa.errors import DossierError, InputError
from sohoa.model.codelists import code_list
from sohoa.model.document import AccessLevel
from sohoa.model.dossier import Dossier, DossierKind, Member, MemberDoc, MemberRole, ResultInfo, doc_code
from tests.dossier_support import sha_of

TODAY = date(2026, 11, 30)
RULES = CodeRules(agency_id="000.00.14.H26")


def test_procedure_code_good() -> None:
    code = parse_procedure_code("000.00.14.H26-230303-0001", today=TODAY)
    assert code.unit == "000.00.14.H26"
    assert code.received == date(2023, 3, 3)
    assert code.sequence == 1


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("000.00.14.H26-230303-001", "malformed"),  # 3-digit sequence
        ("00.00.14.H26-230303-0001", "malformed"),
        ("000.00.14.26-230303-0001", "malformed"),  # no letter in MX1X2
        ("000.00.14.H26/230303/0001", "malformed"),
        ("000.00.14.H26-230230-0001", "not a real date"),  # 30 February
        ("000.00.14.H26-231301-0001", "not a real date"),
        ("000.00.14.H26-261201-0001", "in the future"),  # the day after TODAY
        ("000.00.14.H26-230303-0000", "starts at 0001"),
    ],
)
def test_procedure_code_bad(code: str, why: str) -> None:
    with pytest.raises(DossierError, match=why) as info:
        parse_procedure_code(code, today=TODAY)
    assert isinstance(info.value, InputError) and info.value.exit_code == 3


def test_file_code_follows_the_configured_format() -> None:
    assert parse_file_code("000.00.14.H26.2023.TCCB-01", RULES, today=TODAY).year == 2023
    assert make_file_code(RULES, 2024, "05", today=TODAY) == "000.00.14.H26.2024.05"
    other = CodeRules(agency_id="H26", file_code_format="{agency}-{year}-{number}")
    assert parse_file_code("H26-2020-7", other, today=TODAY).number == "7"
    for bad, why in [
        ("000.00.15.H26.2023.01", "malformed"),  # another agency
        ("000.00.14.H26.23.01", "malformed"),
        ("000.00.14.H26.2031.01", "not between"),
        ("000.00.14.H26.2023.0/1", "malformed"),
    ]:
        with pytest.raises(DossierError, match=why):
            parse_file_code(bad, RULES, today=TODAY)


def test_code_lists_name_their_source_and_refuse_unknown_codes() -> None:
    for name in ("maintenance", "mode", "language", "format", "confidence_level", "document_type"):
        lst = code_list(name)
        assert "TT 05/2025" in lst.source or "Thông tư 05/2025" in lst.source
        assert "second-hand" in lst.provenance
    assert code_list("maintenance").choices() == ["01", "02", "03", "04", "05", "06", "07"]
    assert code_list("confidence_level").label("02") == "Số hóa"
    with pytest.raises(DossierError, match="maintenance '09' is not a known code"):
        check_code("maintenance", "09", field="maintenance")


def _doc(key: str, day: date | None, pages: int, access: AccessLevel = AccessLevel.INTERNAL) -> MemberDoc:
    return MemberDoc(id=sha_of(key), ngay_ban_hanh=day, page_count=pages, access_level=access)


def test_derived_dates_counts_and_doc_codes() -> None:
    docs = {
        d.id: d
        for d in (
            _doc("a", date(2023, 5, 2), 3),
            _doc("b", date(2021, 1, 9), 1, AccessLevel.CONFIDENTIAL),
            _doc("c", None, 4),
        )
    }
    members = [Member(doc_id=sha_of(k), stt=i) for i, k in ((2, "a"), (1, "b"), (3, "c"))]
    missing = Member(doc_id=sha_of("gone"), stt=4)
    dossier = Dossier(
        code="000.00.14.H26.2021.01",
        kind=DossierKind.ARCHIVAL,
        title="Hồ sơ",
        maintenance="06",
        members=[*members, missing],
    )
    view = view_of(dossier, {**docs, missing.doc_id: None}, RULES, today=TODAY)
    f = view.facts
    assert (f.start_date, f.end_date) == (date(2021, 1, 9), date(2023, 5, 2))
    assert (f.total_doc, f.number_of_page, f.missing_documents) == (3, 8, 1)
    assert f.year == 2021
    assert f.access_level is AccessLevel.CONFIDENTIAL
    assert [e.member.stt for e in view.entries] == [1, 2, 3, 4]
    assert [e.doc_code for e in view.entries][:2] == [
        "000.00.14.H26.2021.01.0000001",
        "000.00.14.H26.2021.01.0000002",
    ]
    # 10 years (06) counted from the year after the last document: kept through 2033
    assert f.retention_until == date(2034, 1, 1)
    assert doc_code("X", 1234567) == "X.1234567"
    with pytest.raises(ValueError):
        doc_code("X", 10_000_000)


def test_retention_permanent_and_other() -> None:
    base = {"code": "000.00.14.H26.2020.01", "kind": DossierKind.ARCHIVAL, "title": "t"}
    assert retention_until(Dossier(**base, maintenance="01"), 2020) is None
    assert retention_until(Dossier(**base, maintenance="07", maintenance_years=15), 2020) == date(2036, 1, 1)
    with pytest.raises(DossierError, match="07"):
        retention_until(Dossier(**base, maintenance="07"), 2020)


def test_procedure_completeness() -> None:
    comps = ["Đơn đề nghị", "Bản sao CCCD"]
    d1, d2, d3 = (_doc(k, date(2023, 3, 3), 1) for k in ("x", "y", "z"))
    dossier = Dossier(
        code="000.00.14.H26-230303-0001",
        kind=DossierKind.PROCEDURE,
        title="Cấp giấy phép",
        maintenance="05",
        reception_date=date(2023, 3, 3),
        expected_components=comps,
        members=[Member(doc_id=d1.id, stt=1, role=MemberRole.COMPONENT, component=comps[0])],
    )
    docs = {d.id: d for d in (d1, d2, d3)}
    f = facts(dossier, docs, RULES, today=TODAY)
    assert f.components_missing == ["Bản sao CCCD"] and not f.components_digitized and not f.complete
    dossier = dossier.model_copy(
        update={
            "members": [
                *dossier.members,
                Member(doc_id=d2.id, stt=2, role=MemberRole.COMPONENT, component=comps[1]),
                Member(
                    doc_id=d3.id,
                    stt=3,
                    role=MemberRole.RESULT,
                    result=ResultInfo(permanent=True, reused=True),
                ),
            ]
        }
    )
    f = facts(dossier, docs, RULES, today=TODAY)
    assert f.components_digitized and f.has_result and f.complete
    assert (f.results, f.results_reused, f.year) == (1, 1, 2023)
