"""The catalogue (mục lục hồ sơ) of dossiers and their documents with the TT 05/2025 field names and codes.

One row (CSV) or element (XML) per dossier and per document. Dates are written ``DD/MM/YYYY`` as TT 05
asks; codes are the code lists' codes. The CSV is UTF-8 with a BOM so a spreadsheet opens Vietnamese
intact; the XML is UTF-8.

Fields that TT 05 lists but sohoa cannot fill honestly are still columns (so the layout is TT 05's), left
empty, and named in :data:`NOT_APPLICABLE` with the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from sohoa.model.codelists import code_list
from sohoa.model.document import AccessLevel
from sohoa.model.dossier import DossierEntry, DossierKind, DossierView, MemberRole
from sohoa.text import facet_key

__all__ = [
    "CSV_COLUMNS",
    "DOC_FIELDS",
    "FILE_FIELDS",
    "NOT_APPLICABLE",
    "XML_NAMESPACE",
    "catalogue_rows",
    "catalogue_xml",
    "doc_row",
    "file_row",
    "write_csv",
    "view_json",
    "write_xml",
]

XML_NAMESPACE = "urn:sohoa:catalogue:tt05-2025"

#: dossier (hồ sơ) fields of TT 05, in its order, then sohoa's procedure-dossier fields
FILE_FIELDS: tuple[str, ...] = (
    "fileCode",
    "title",
    "maintenance",
    "mode",
    "language",
    "startDate",
    "endDate",
    "keyword",
    "totalDoc",
    "numberOfPaper",
    "numberOfPage",
    "format",
    "inforSign",
    "confidenceLevel",
    "paperFileCode",
    "description",
    # sohoa: what a procedure dossier adds (TT 01/2018, TT 01/2023)
    "fileKind",
    "procedureCode",
    "procedureName",
    "receptionDate",
)
#: document (tài liệu, EAD_doc) fields of TT 05, then sohoa's
DOC_FIELDS: tuple[str, ...] = (
    "docId",
    "docCode",
    "fileCode",
    "docOrdinal",
    "maintenance",
    "typeName",
    "codeNumber",
    "codeNotation",
    "issuedDate",
    "organName",
    "subject",
    "language",
    "numberOfPage",
    "keyword",
    "mode",
    "confidenceLevel",
    "autograph",
    "format",
    "description",
    # sohoa
    "typeNameText",
    "signer",
    "role",
    "component",
    "validUntil",
    "permanent",
    "reused",
    "sourceFile",
)
#: one CSV for both levels: the record type, then the dossier columns, then the document columns
CSV_COLUMNS: tuple[str, ...] = ("recordType", *FILE_FIELDS, *(f for f in DOC_FIELDS if f not in FILE_FIELDS))

#: TT 05 fields exported empty, and why
NOT_APPLICABLE: dict[str, str] = {
    "doc.keyword": "sohoa extracts no per-document keywords; the dossier's keywords are in its own row",
    "doc.autograph": "bút tích (handwritten annotations of leaders) is not detected in scans",
    "doc.typeName": "written only for the types whose TT 05 code is in sohoa/model/codes/document_type.json "
    "(02, 22, 32 are known second-hand); the type as read is always in typeNameText",
    "doc.language": "written only for languages in sohoa/model/codes/language.json (01 Tiếng Việt is known)",
    "file.numberOfPaper": "sheets (tờ) of the paper dossier are counted by staff, not derived from scans; "
    "empty unless typed",
}

_ISO_LANGUAGE = {
    str(c.extra.get("iso")): c.code for c in code_list("language").codes.values() if c.extra.get("iso")
}
_TYPE_KEYS = {k: c.code for c in code_list("document_type").codes.values() for k in c.extra.get("keys", [])}
_ACCESS_MODE = {AccessLevel.PUBLIC: "01", AccessLevel.INTERNAL: "02", AccessLevel.CONFIDENTIAL: "03"}


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def file_row(view: DossierView) -> dict[str, str]:
    """The catalogue fields of a dossier."""
    d, f = view.dossier, view.facts
    procedure = d.kind is DossierKind.PROCEDURE
    return {
        "fileCode": d.code,
        "title": d.title,
        "maintenance": d.maintenance,
        "mode": d.mode,
        "language": d.language,
        "startDate": _d(f.start_date),
        "endDate": _d(f.end_date),
        "keyword": "; ".join(d.keyword),
        "totalDoc": str(f.total_doc),
        "numberOfPaper": _s(d.number_of_paper),
        "numberOfPage": str(f.number_of_page),
        "format": _s(d.format),
        "inforSign": _s(d.infor_sign),
        "confidenceLevel": d.confidence_level,
        "paperFileCode": _s(d.paper_file_code),
        "description": _s(d.description),
        "fileKind": d.kind.value,
        "procedureCode": _s(d.procedure_code) if procedure else "",
        "procedureName": _s(d.procedure_name) if procedure else "",
        "receptionDate": _d(d.reception_date) if procedure else "",
    }


def doc_row(view: DossierView, entry: DossierEntry) -> dict[str, str]:
    """The catalogue fields of one document of a dossier."""
    d, m, doc = view.dossier, entry.member, entry.document
    type_text = doc.loai_van_ban if doc else None
    result = m.result
    mode = d.mode
    if doc is not None and _ACCESS_MODE[doc.access_level] > mode:
        mode = _ACCESS_MODE[doc.access_level]  # a document is never exported as more open than it is
    return {
        "docId": m.doc_id,
        "docCode": entry.doc_code,
        "fileCode": d.code,
        "docOrdinal": str(m.stt),
        "maintenance": d.maintenance,
        "typeName": _TYPE_KEYS.get(facet_key(type_text), "") if type_text else "",
        "codeNumber": _s(doc.so) if doc else "",
        "codeNotation": _s(doc.ky_hieu) if doc else "",
        "issuedDate": _d(doc.ngay_ban_hanh) if doc else "",
        "organName": _s(doc.co_quan_ban_hanh) if doc else "",
        "subject": _s(doc.trich_yeu) if doc else "",
        "language": _ISO_LANGUAGE.get(doc.language, "") if doc else "",
        "numberOfPage": str(doc.page_count) if doc else "",
        "keyword": "",
        "mode": mode,
        "confidenceLevel": d.confidence_level,
        "autograph": "",
        "format": _s(d.format),
        "description": "" if doc else "document no longer stored",
        "typeNameText": _s(type_text),
        "signer": _s(doc.nguoi_ky) if doc else "",
        "role": m.role.value,
        "component": _s(m.component),
        "validUntil": _d(result.valid_until) if result else "",
        "permanent": _s(result.permanent) if result and m.role is MemberRole.RESULT else "",
        "reused": _s(result.reused) if result and m.role is MemberRole.RESULT else "",
        "sourceFile": doc.source_file if doc else "",
    }


def view_json(view: DossierView) -> dict[str, Any]:
    """A dossier as JSON: its fields, derived facts and documents with docCode, STT and metadata."""
    return {
        "fileCode": view.code,
        "kind": view.dossier.kind.value,
        "fields": view.dossier.model_dump(mode="json", exclude={"members", "history"}),
        "derived": view.facts.model_dump(mode="json"),
        "documents": [
            {
                "stt": e.member.stt,
                "docCode": e.doc_code,
                "docId": e.member.doc_id,
                "role": e.member.role.value,
                "component": e.member.component,
                "result": e.member.result.model_dump(mode="json") if e.member.result else None,
                "metadata": e.document.model_dump(mode="json") if e.document else None,
            }
            for e in view.entries
        ],
    }


def catalogue_rows(views: Iterable[DossierView]) -> Iterator[tuple[str, dict[str, str]]]:
    """``("file", row)`` for each dossier followed by ``("doc", row)`` for each of its documents."""
    for view in views:
        yield "file", file_row(view)
        for entry in view.entries:
            yield "doc", doc_row(view, entry)


def write_csv(views: Iterable[DossierView], out: Path | io.TextIOBase | Any) -> int:
    """Write the catalogue as CSV (UTF-8 with BOM, one header); returns the rows written.

    Args:
        views: The dossiers, loaded.
        out: A path, or a text stream opened with ``newline=""``.
    """
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            return write_csv(views, f)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for kind, row in catalogue_rows(views):
        writer.writerow({"recordType": kind, **row})
        n += 1
    return n


def catalogue_xml(views: Iterable[DossierView], *, agency: str | None = None) -> ET.ElementTree[ET.Element]:
    """The catalogue as an XML tree: ``<catalogue><file>…<doc>…</doc></file></catalogue>``."""
    root = ET.Element("catalogue", {"xmlns": XML_NAMESPACE, "standard": "TT 05/2025/TT-BNV"})
    root.set("generated", datetime.now(UTC).isoformat(timespec="seconds"))
    if agency:
        root.set("agency", agency)
    for view in views:
        el = ET.SubElement(root, "file")
        for name, value in file_row(view).items():
            ET.SubElement(el, name).text = value
        docs = ET.SubElement(el, "docs")
        for entry in view.entries:
            doc_el = ET.SubElement(docs, "doc")
            for name, value in doc_row(view, entry).items():
                ET.SubElement(doc_el, name).text = value
    ET.indent(root)
    return ET.ElementTree(root)


def write_xml(views: Iterable[DossierView], out: Path | Any, *, agency: str | None = None) -> int:
    """Write the catalogue as UTF-8 XML; returns the number of dossiers written.

    Args:
        views: The dossiers, loaded.
        out: A path or a binary stream.
        agency: The agency identifier, written on the root element.
    """
    views = list(views)
    tree = catalogue_xml(views, agency=agency)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return len(views)
