"""Dossier pages and API on the real MinIO and Elasticsearch: create/edit, fill, clearance, catalogue
export, filters, audited moves, disposal approval rights, upload into a dossier.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest

from storage.dossier_index import DossierIndex
from tests.web.conftest import PASSWORD, WebWorld, csrf_from, login, page_png

pytestmark = pytest.mark.services

AGENCY = "000.00.00.H00"  # the default agency identifier
CODE = f"{AGENCY}.2023.HC-01"
PROC = "000.00.00.H00-230303-0001"


def _basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


@pytest.fixture(scope="module", autouse=True)
def _drop_dossier_index(world: WebWorld) -> Iterator[None]:
    yield
    DossierIndex(world.index.client, prefix=world.index.prefix).drop()


def _signed_in(world: WebWorld, name: str) -> tuple[object, str]:
    c = world.client()
    assert login(c, name).status_code == 303
    return c, csrf_from(c.get("/dossiers/new" if name != "clerk1" else "/search").text)


def _create_form(c: object, token: str, **values: str) -> object:
    data = {"csrf_token": token, "kind": "archival", "maintenance": "04", "mode": "02", **values}
    return c.post("/dossiers/new", data=data, follow_redirects=False)  # type: ignore[attr-defined]


def test_staff_create_fill_and_view_a_dossier(world: WebWorld) -> None:
    c, token = _signed_in(world, "staff1")
    bad = _create_form(c, token, code="HS-khong-hop-le", title="Sai mã")
    assert bad.status_code == 400 and "malformed" in bad.text
    r = _create_form(c, token, code=CODE, title="Hồ sơ cấp hộ chiếu công vụ", keyword="hộ chiếu, công vụ")
    assert r.status_code == 303 and r.headers["location"] == f"/dossiers/{CODE}"
    ids = f"{world.docs['qd'].id}\n{world.docs['public'].id}"
    r = c.post(
        f"/dossiers/{CODE}/documents", data={"csrf_token": token, "doc_ids": ids}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    page = c.get(f"/dossiers/{CODE}").text
    assert "Hồ sơ cấp hộ chiếu công vụ" in page and "hộ chiếu; công vụ" in page
    assert f"{CODE}.0000001" in page and f"{CODE}.0000002" in page
    assert 'id="total-doc">2<' in page and 'id="number-of-page">3<' in page  # 2 + 1 pages
    assert "05/01/2022" in page and "03/03/2023" in page  # derived start and end dates
    # the document's own page now names the dossier, and search filters by it
    hits = c.get(f"/api/search?dossier={CODE}", headers=_basic("admin1")).json()
    assert {h["id"] for h in hits["hits"]} == {world.docs["qd"].id, world.docs["public"].id}
    assert CODE in hits["facets"]["dossier_code"]


def test_clearance_hides_documents_and_restricted_dossiers(world: WebWorld) -> None:
    viewer, _ = _signed_in(world, "viewer1")  # cleared for public only
    r = viewer.get(f"/dossiers/{CODE}")  # mode 02 (restricted use) is above a public clearance
    assert r.status_code == 404
    c, token = _signed_in(world, "staff1")
    public = f"{AGENCY}.2022.CK-01"
    assert _create_form(c, token, code=public, title="Công khai", mode="01").status_code == 303
    ids = f"{world.docs['xss'].id}\n{world.docs['secret'].id}"
    # staff are cleared for internal: the confidential document does not exist for them
    r = c.post(
        f"/dossiers/{public}/documents", data={"csrf_token": token, "doc_ids": ids}, follow_redirects=False
    )
    assert r.status_code == 400 and "not stored" in r.text
    admin, admin_token = _signed_in(world, "admin1")
    r = admin.post(
        f"/dossiers/{public}/documents",
        data={"csrf_token": admin_token, "doc_ids": ids},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = viewer.get(f"/dossiers/{public}").text
    assert "thư mời" in page and "<script>alert(1)" not in page and "zebraquartz" not in page
    assert "1 văn bản ở mức truy cập" in page


def test_catalogue_export_from_the_page(world: WebWorld) -> None:
    c, _ = _signed_in(world, "staff1")
    r = c.get(f"/dossiers/{CODE}/catalogue.csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["recordType"] for row in rows] == ["file", "doc", "doc"]
    assert rows[0]["title"] == "Hồ sơ cấp hộ chiếu công vụ" and rows[0]["totalDoc"] == "2"
    assert rows[1]["docCode"] == f"{CODE}.0000001" and rows[1]["organName"] == "ỦY BAN NHÂN DÂN TỈNH LÀO CAI"
    x = c.get(f"/dossiers/{CODE}/catalogue.xml")
    root = ET.fromstring(x.content)
    assert root.tag.endswith("catalogue") and len(root[0].findall("{*}docs/{*}doc")) == 2
    clerk, _ = _signed_in(world, "clerk1")
    assert clerk.get(f"/dossiers/{CODE}/catalogue.csv", follow_redirects=False).status_code == 403


def test_list_filters_and_api(world: WebWorld) -> None:
    staff = _basic("staff1")
    c = world.client()
    r = c.post(
        "/api/dossiers",
        json={"code": PROC, "kind": "procedure", "title": "Cấp hộ chiếu", "maintenance": "05",
              "procedure_code": "1.001", "expected_components": ["Tờ khai", "Ảnh"]},
        headers=staff,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    bad = c.post("/api/dossiers", json={"code": "000.00.00.H00-231301-0001", "kind": "procedure",
                                         "title": "x", "maintenance": "05"}, headers=staff)  # fmt: skip
    assert bad.status_code == 400 and "not a real date" in bad.json()["error"]
    body = {
        "doc_ids": [world.docs["xss"].id],
        "role": "result",
        "result": {"permanent": True, "reused": True},
    }
    r = c.post(f"/api/dossiers/{PROC}/documents", json=body, headers=staff)
    assert r.status_code == 200 and r.json()["added"][0]["stt"] == 1
    got = c.get(f"/api/dossiers/{PROC}", headers=staff).json()
    assert got["documents"][0]["docCode"] == f"{PROC}.0000001" and got["derived"]["has_result"] is True
    assert got["derived"]["components_missing"] == ["Tờ khai", "Ảnh"] and got["derived"]["complete"] is False
    put = c.put(f"/api/dossiers/{PROC}/documents/{world.docs['xss'].id}/result",
                json={"valid_until": "2030-12-31", "reused": True}, headers=staff)  # fmt: skip
    assert put.status_code == 200, put.text
    got = c.get(f"/api/dossiers/{PROC}", headers=staff).json()
    assert got["documents"][0]["result"] == {"valid_until": "2030-12-31", "permanent": False, "reused": True}
    listed = c.get("/api/dossiers?kind=procedure", headers=staff).json()
    assert [d["code"] for d in listed["dossiers"]] == [PROC]
    assert c.get("/api/dossiers?complete=true&kind=procedure", headers=staff).json()["total"] == 0
    page = c.get("/dossiers?kind=archival&year=2023", headers=staff).text
    assert CODE in page and PROC not in page
    page = c.get("/dossiers?q=ho+chieu", headers=staff).text  # accent-free words of the title
    assert CODE in page and PROC in page
    assert "Còn thiếu: Tờ khai; Ảnh" in c.get(f"/dossiers/{PROC}", headers=staff).text


def test_moving_a_document_is_audited(world: WebWorld) -> None:
    other = f"{AGENCY}.2023.HC-02"
    c = world.client()
    staff = _basic("staff1")
    spec = {"code": other, "kind": "archival", "title": "Khác", "maintenance": "06"}
    assert c.post("/api/dossiers", json=spec, headers=staff).status_code == 201
    r = c.post(f"/api/dossiers/{other}/documents", json={"doc_ids": [world.docs["qd"].id]}, headers=staff)
    assert r.json()["moved_from"] == {world.docs["qd"].id: CODE}
    assert (
        c.delete(f"/api/dossiers/{other}/documents/{world.docs['qd'].id}", headers=staff).status_code == 200
    )
    assert c.get(f"/api/dossiers/{other}", headers=staff).json()["documents"] == []
    moves = [e for e in world_audit(world, "dossier") if e.outcome == "moved"]
    assert (
        moves
        and moves[0].user == "staff1"
        and moves[0].detail["from"] == CODE
        and moves[0].detail["to"] == other
    )


def test_staff_edit_typed_fields_only(world: WebWorld) -> None:
    c, token = _signed_in(world, "staff1")
    form = c.get(f"/dossiers/{PROC}/edit").text
    assert "Cấp hộ chiếu" in form
    data = {"csrf_token": token, "title": "Cấp hộ chiếu phổ thông", "maintenance": "04", "mode": "01",
            "language": "01", "confidence_level": "02", "expected_components": "Tờ khai\nẢnh"}  # fmt: skip
    r = c.post(f"/dossiers/{PROC}/edit", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    got = c.get(f"/api/dossiers/{PROC}").json()["fields"]
    assert got["title"] == "Cấp hộ chiếu phổ thông" and got["maintenance"] == "04"
    assert got["reception_date"] == "2023-03-03"  # never lost by an edit
    bad = c.post(f"/dossiers/{PROC}/edit", data={**data, "maintenance": "00"}, follow_redirects=False)
    assert bad.status_code == 400 and "maintenance &#39;00&#39; is not a known code" in bad.text
    assert any(e.outcome == "edited" for e in world_audit(world, "dossier"))


def test_disposal_rights(world: WebWorld) -> None:
    c, token = _signed_in(world, "staff1")
    r = c.post(
        f"/dossiers/{CODE}/disposal/approve",
        data={"csrf_token": token, "decision": "1/QĐ"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    admin, admin_token = _signed_in(world, "admin1")
    r = admin.post(
        f"/dossiers/{CODE}/disposal/execute", data={"csrf_token": admin_token}, follow_redirects=False
    )
    assert r.status_code == 400 and "refused" in r.text
    r = admin.post(f"/dossiers/{CODE}/disposal/approve", data={"csrf_token": admin_token, "decision": "1/QĐ"},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 400 and "runs until" in r.text  # a 30-year dossier of 2023
    assert "Danh sách hồ sơ hết thời hạn bảo quản" in admin.get("/archive/disposal?year=2030").text
    assert any(e.outcome == "refused" for e in world_audit(world, "disposal"))


def test_upload_into_a_dossier_names_it_in_the_manifest(world: WebWorld) -> None:
    c, token = _signed_in(world, "staff1")
    before = len(world.launched.calls)
    r = c.post(
        f"/dossiers/{CODE}/upload",
        data={"csrf_token": token},
        files=[("files", ("to-khai.png", page_png(["Tờ khai"]), "image/png"))],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    batch = world.launched.calls[before]["batch_id"]
    manifest = world.store.get_bytes(f"uploads/{batch}/manifest.csv").decode()
    assert manifest.splitlines()[1].startswith(f"to-khai.png,{CODE}")


def test_digitization_page_and_csv(world: WebWorld) -> None:
    staff = _basic("staff1")
    c = world.client()
    page = c.get("/archive/digitization?from=2023-01-01&to=2023-12-31", headers=staff).text
    assert "1.001" in page and "Tổng" in page
    r = c.get("/archive/digitization.csv", headers=staff)
    assert r.content.startswith(b"\xef\xbb\xbf") and "share_full" in r.content.decode("utf-8-sig")


def world_audit(world: WebWorld, action: str) -> list:  # type: ignore[type-arg]
    from web.audit import AuditLog

    return AuditLog(world.db_path).entries(action=action, limit=200)
