"""Dossiers on the real MinIO and Elasticsearch: both kinds, assignment, moves, STT/docCode, retention,
disposal refused without approval, catalogue CSV/XML against the field list, the digitization report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from minio.error import S3Error

from pipeline.dossiers import DossierService
from pipeline.dossiers.catalogue import (
    CSV_COLUMNS,
    DOC_FIELDS,
    FILE_FIELDS,
    XML_NAMESPACE,
    write_csv,
    write_xml,
)
from pipeline.dossiers.digitization import digitization_report
from pipeline.dossiers.disposal import approve_disposal, disposal_list, dispose
from sohoa.errors import DossierError
from sohoa.model.dossier import DossierKind, MemberRole, ResultInfo
from sohoa.settings import Settings
from storage import retention
from storage.objects import original_key
from tests.dossier_support import AGENCY, DossierWorld, add_document, make_world

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def world(services: Settings) -> Iterator[DossierWorld]:
    w = make_world(services)
    yield w
    w.close()


def _archival(service: DossierService, number: str, **extra: object) -> str:
    code = f"{AGENCY}.2023.{number}"
    service.create(
        {"code": code, "kind": "archival", "title": f"Hồ sơ số hóa {number}", "maintenance": "06", **extra},
        by="staff1",
    )
    return code


def test_create_both_kinds_and_refuse_bad_input(world: DossierWorld) -> None:
    s = world.service
    code = _archival(s, "A1", keyword=["số hóa", " "], paper_file_code="LT01.K2.05")
    d = s.get(code)
    assert d.kind is DossierKind.ARCHIVAL and d.keyword == ["số hóa"] and d.confidence_level == "02"
    proc, events = s.create(
        {
            "code": "000.00.14.H26-230303-0001",
            "kind": "procedure",
            "title": "Cấp hộ chiếu phổ thông",
            "maintenance": "05",
            "procedure_code": "1.001234",
            "procedure_name": "Cấp hộ chiếu phổ thông",
            "expected_components": ["Tờ khai", "Ảnh chân dung"],
        },
        by="staff1",
    )
    assert proc.reception_date == date(2023, 3, 3) and events[0].action == "created"
    assert world.objects.stat("dossiers/000.00.14.H26-230303-0001.json").size > 0
    bad = [
        ({"code": "000.00.14.H26-230303-001", "kind": "procedure"}, "malformed"),
        ({"code": f"{AGENCY}.2023.B1", "kind": "archival", "maintenance": "09"}, "not a known code"),
        ({"code": "000.00.14.H26-261231-0001", "kind": "procedure"}, "in the future"),
        (
            {"code": "000.00.14.H26-230303-0002", "kind": "procedure", "reception_date": "2023-03-04"},
            "differs",
        ),
        ({"code": code, "kind": "archival"}, "already exists"),
        ({"code": f"{AGENCY}.2023.B2", "kind": "archival", "mode": "04"}, "mode '04'"),
    ]
    for data, why in bad:
        with pytest.raises(DossierError, match=why):
            s.create({"title": "x", "maintenance": "01", **data}, by="staff1")


def test_assign_numbers_documents_and_moves_are_recorded(world: DossierWorld, tmp_path: Path) -> None:
    s = world.service
    a = _archival(s, "M1")
    b = _archival(s, "M2")
    d1 = add_document(world, "m1", date_issued="2022-02-01", pages=3, tmp=tmp_path)
    d2 = add_document(world, "m2", date_issued="2023-07-15", pages=5, tmp=tmp_path)
    d3 = add_document(world, "m3", date_issued=None, pages=1, tmp=tmp_path)
    out = s.assign(a, [d1.id, d2.id, d3.id], by="staff1")
    assert [m.stt for m in out.added] == [1, 2, 3] and out.retained == 3
    view = s.view(a)
    assert [e.doc_code for e in view.entries] == [f"{a}.0000001", f"{a}.0000002", f"{a}.0000003"]
    f = view.facts
    assert (f.start_date, f.end_date, f.total_doc, f.number_of_page) == (
        date(2022, 2, 1),
        date(2023, 7, 15),
        3,
        9,
    )
    assert s.store.document(d1.id).dossier_code == a  # type: ignore[union-attr]
    # moving d2 to b: a forgets it (its STT is not reused), b numbers it 1, both record the move
    moved = s.assign(b, [d2.id], by="staff2")
    assert moved.moved_from == {d2.id: a} and [e.action for e in moved.events] == ["moved"]
    assert [m.stt for m in s.get(a).ordered()] == [1, 3]
    assert s.get(b).members[0].stt == 1
    assert s.get(a).history[-1].action == "moved_out" and s.get(b).history[-1].detail["from"] == a
    d4 = add_document(world, "m4", tmp=tmp_path)
    assert s.assign(a, [d4.id], by="staff1").added[0].stt == 4
    assert s.assign(a, [d4.id], by="staff1").already == [d4.id]
    with pytest.raises(DossierError, match="not stored"):
        s.assign(a, ["0" * 64], by="staff1")
    with pytest.raises(DossierError, match="archival dossier holds documents"):
        s.assign(a, [d4.id], by="staff1", role=MemberRole.RESULT)


def test_create_adopts_documents_named_by_a_manifest(world: DossierWorld, tmp_path: Path) -> None:
    code = f"{AGENCY}.2023.W1"
    first = add_document(world, "w1", dossier=code, tmp=tmp_path)
    second = add_document(world, "w2", dossier=code, tmp=tmp_path)
    world.documents.refresh()
    dossier, events = world.service.create(
        {"code": code, "kind": "archival", "title": "Chờ", "maintenance": "04"}, by="staff1"
    )
    assert {m.doc_id for m in dossier.members} == {first.id, second.id}
    assert "assigned" in [e.action for e in events]


def test_retention_on_originals_and_disposal_needs_approval(services: Settings, tmp_path: Path) -> None:
    # a clock 20 years on, so a 10-year dossier of 2023 has ended
    w = make_world(services, today=date(2046, 6, 1))
    try:
        s = w.service
        code = _archival(s, "D1")
        doc = add_document(w, "d1", date_issued="2023-05-05", tmp=tmp_path, upload_copy=True)
        s.assign(code, [doc.id], by="staff1")
        key = original_key(doc.id)
        assert retention.bucket_has_lock(w.objects)
        assert retention.retained_until(w.objects, key) == date(2034, 1, 1)
        version = w.objects.list_versions(key)[0].version_id
        with pytest.raises(S3Error):  # governance mode: a plain delete of the version is refused
            w.objects.client.remove_object(w.objects.bucket, key, version_id=version)
        listed = disposal_list(s, 2046)
        assert [v.code for g in listed.groups for v in g.views] == [code]
        assert listed.groups[0].year == 2033 and listed.documents == 1
        with pytest.raises(DossierError, match="refused: no admin has approved"):
            dispose(s, code, by="admin1")
        assert w.objects.has_original(doc.id)
        with pytest.raises(DossierError, match="decision"):
            approve_disposal(s, code, "  ", by="admin1")
        approve_disposal(s, code, "15/QĐ-HĐXĐ", by="admin1")
        assert w.objects.list_keys("uploads/") == ["uploads/lo-dossier/d1.pdf"]
        events = dispose(s, code, by="admin1")
        assert not w.objects.has_original(doc.id) and w.objects.list_versions(key) == []
        assert w.objects.list_keys("uploads/") == []  # the uploaded copy goes too
        assert w.objects.list_artifacts(doc.id) == []
        assert events[-1].action == "disposal_done"
        after = s.get(code)
        assert (
            after.disposal is not None
            and after.disposal.decision == "15/QĐ-HĐXĐ"
            and after.disposal.disposed_at
        )
        assert disposal_list(s, 2046).dossiers == 0
        # permanent dossiers are never listed and get the far retention
        perm = f"{AGENCY}.2023.P1"
        s.create({"code": perm, "kind": "archival", "title": "Vĩnh viễn", "maintenance": "01"}, by="staff1")
        doc2 = add_document(w, "p1", tmp=tmp_path)
        s.assign(perm, [doc2.id], by="staff1")
        assert retention.retained_until(w.objects, original_key(doc2.id)) == retention.FOREVER
        with pytest.raises(DossierError, match="permanently"):
            approve_disposal(s, perm, "16/QĐ", by="admin1")
    finally:
        w.close()


def test_catalogue_csv_and_xml_have_every_field(world: DossierWorld, tmp_path: Path) -> None:
    s = world.service
    code = _archival(s, "C1", paper_file_code="LT01.K3.12", infor_sign="TCCB", description="Ghi chú: đủ")
    docs = [add_document(world, f"c{i}", number=f"{i}/QĐ-UBND", pages=i, tmp=tmp_path) for i in (1, 2)]
    other = add_document(world, "c3", number="7/CV-UBND", kind="Công văn", tmp=tmp_path)
    s.assign(code, [d.id for d in docs] + [other.id], by="staff1")
    views = s.views([code])
    out = tmp_path / "catalogue.csv"
    assert write_csv(views, out) == 4
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    file_row, *doc_rows = rows
    assert file_row["recordType"] == "file" and file_row["fileCode"] == code
    assert file_row["title"] == "Hồ sơ số hóa C1" and file_row["maintenance"] == "06"
    assert (file_row["totalDoc"], file_row["numberOfPage"], file_row["startDate"]) == ("3", "5", "03/03/2023")
    assert file_row["paperFileCode"] == "LT01.K3.12" and file_row["confidenceLevel"] == "02"
    assert [r["docCode"] for r in doc_rows] == [f"{code}.{i:07d}" for i in (1, 2, 3)]
    assert doc_rows[0]["typeName"] == "02" and doc_rows[2]["typeName"] == "22"
    assert doc_rows[0]["organName"] == "ỦY BAN NHÂN DÂN TỈNH LÀO CAI" and doc_rows[0]["language"] == "01"
    assert (doc_rows[1]["codeNumber"], doc_rows[1]["codeNotation"], doc_rows[1]["issuedDate"]) == (
        "2",
        "QĐ-UBND",
        "03/03/2023",
    )
    assert doc_rows[0]["mode"] == "02"  # an internal document is never exported as public (01)
    xml_out = tmp_path / "catalogue.xml"
    write_xml(views, xml_out, agency=AGENCY)
    root = ET.parse(xml_out).getroot()
    ns = {"c": XML_NAMESPACE}
    files = root.findall("c:file", ns)
    assert len(files) == 1
    assert [child.tag.split("}")[1] for child in files[0] if child.tag.split("}")[1] != "docs"] == list(
        FILE_FIELDS
    )
    xml_docs = files[0].findall("c:docs/c:doc", ns)
    assert len(xml_docs) == 3
    assert [c.tag.split("}")[1] for c in xml_docs[0]] == list(DOC_FIELDS)
    assert xml_docs[0].findtext("c:subject", namespaces=ns) == "Về việc số hóa hồ sơ"


def test_digitization_report_known_shares(services: Settings, tmp_path: Path) -> None:
    w = make_world(services)
    try:
        s = w.service
        # procedure 1.000001: 4 dossiers; all components in 3, a result in 2 (1 reused): complete 2
        comps = ["Tờ khai", "Ảnh"]
        plan = [
            ("0001", 2, True, True),
            ("0002", 2, True, False),
            ("0003", 2, False, False),
            ("0004", 1, False, False),
        ]
        for seq, n_comp, result, reused in plan:
            code = f"000.00.14.H26-240115-{seq}"
            spec = {"code": code, "kind": "procedure", "title": "Đăng ký", "maintenance": "05"}
            spec |= {"procedure_code": "1.000001", "procedure_name": "Đăng ký kết hôn"}
            s.create({**spec, "expected_components": comps}, by="staff1")
            for i in range(n_comp):
                doc = add_document(w, f"{seq}-{i}", tmp=tmp_path)
                s.assign(code, [doc.id], by="staff1", role=MemberRole.COMPONENT, component=comps[i])
            if result:
                doc = add_document(w, f"{seq}-r", tmp=tmp_path)
                s.assign(
                    code,
                    [doc.id],
                    by="staff1",
                    role=MemberRole.RESULT,
                    result=ResultInfo(permanent=True, reused=reused),
                )
        # another procedure and one outside the period
        s.create({"code": "000.00.14.H26-240220-0001", "kind": "procedure", "title": "x", "maintenance": "05",
                  "procedure_code": "2.000002"}, by="staff1")  # fmt: skip
        s.create({"code": "000.00.14.H26-231231-0001", "kind": "procedure", "title": "x", "maintenance": "05",
                  "procedure_code": "1.000001"}, by="staff1")  # fmt: skip
        rows = digitization_report(
            s.views(s.store.codes()), date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)
        )
        by = {r.procedure_code: r for r in rows}
        p1 = by["1.000001"]
        assert (p1.received, p1.components_digitized, p1.result_digitized, p1.fully_digitized) == (4, 3, 2, 2)
        # dossier 0003 has both components but no result; 0004 misses one
        assert p1.share_components == 0.75 and p1.share_result == 0.5 and p1.share_full == 0.5
        assert (p1.results, p1.results_reused, p1.share_reused) == (2, 1, 0.5)
        assert by["2.000002"].received == 1 and by["2.000002"].share_components == 0.0
        total = by[None]
        assert total.received == 5 and total.share_full == 0.4
    finally:
        w.close()


def test_dossiers_of_a_batch(world: DossierWorld, tmp_path: Path) -> None:
    s = world.service
    code = _archival(s, "B1")
    doc = add_document(world, "b1", tmp=tmp_path)
    loose = add_document(world, "b2", tmp=tmp_path)
    s.assign(code, [doc.id], by="staff1")
    files = [{"path": "b1.pdf", "document_id": doc.id}, {"path": "b2.pdf", "document_id": loose.id}]
    world.objects.put_report("lo-b", {"batch": "lo-b", "files": files})
    assert s.codes_of_batch("lo-b") == [code]
    with pytest.raises(DossierError, match="no report"):
        s.codes_of_batch("lo-none")
