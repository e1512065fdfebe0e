"""EAD 2002 descriptive metadata of a dossier package, carrying the TT 05/2025 dossier and document fields.

The standard EAD elements hold what they are made for (unitid, unittitle, unitdate, origination,
physdesc, langmaterial); every TT 05 field is also listed under its TT 05 element name in an ``odd``
definition list, so nothing is lost in the mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from sohoa.model.package import PackageDocument, PackageDossier

__all__ = ["EAD_NS", "ead_xml"]

EAD_NS = "urn:isbn:1-931666-22-9"
_E = f"{{{EAD_NS}}}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _E + tag, attrs)
    if text is not None:
        el.text = text
    return el


def _fields(parent: ET.Element, fields: dict[str, object]) -> None:
    odd = _sub(parent, "odd", type="TT05-2025")
    lst = _sub(odd, "list", type="deflist")
    for name, value in fields.items():
        if value is None or value == "" or value == []:
            continue
        item = _sub(lst, "defitem")
        _sub(item, "label", name)
        _sub(item, "item", "; ".join(value) if isinstance(value, list) else str(value))


def ead_xml(dossier: PackageDossier, documents: Sequence[tuple[PackageDocument, str]]) -> bytes:
    """The EAD of a dossier; ``documents`` pairs each document with its archive copy's path in the package."""
    ET.register_namespace("", EAD_NS)
    root = ET.Element(_E + "ead")
    header = _sub(root, "eadheader")
    _sub(header, "eadid", dossier.file_code)
    _sub(_sub(_sub(header, "filedesc"), "titlestmt"), "titleproper", dossier.title or dossier.file_code)
    arch = _sub(root, "archdesc", level="file")
    did = _sub(arch, "did")
    _sub(did, "unitid", dossier.file_code, type="fileCode")
    if dossier.paper_file_code:
        _sub(did, "unitid", dossier.paper_file_code, type="paperFileCode")
    _sub(did, "unittitle", dossier.title)
    if dossier.start_date or dossier.end_date:
        span = f"{dossier.start_date or ''}/{dossier.end_date or ''}"
        _sub(did, "unitdate", span, normal=span)
    if dossier.agency:
        _sub(_sub(did, "origination"), "corpname", dossier.agency)
    _sub(_sub(did, "langmaterial"), "language", "Tiếng Việt", langcode="vie")
    pages = sum(d.number_of_page for d, _ in documents)
    _sub(_sub(did, "physdesc"), "extent", f"{pages} trang", unit="pages")
    _fields(
        arch,
        {
            "fileCode": dossier.file_code,
            "title": dossier.title,
            "maintenance": dossier.maintenance,
            "mode": dossier.mode,
            "language": dossier.language,
            "startDate": dossier.start_date,
            "endDate": dossier.end_date,
            "keyword": dossier.keyword,
            "totalDoc": len(documents),
            "numberOfPaper": dossier.number_of_paper,
            "numberOfPage": pages,
            "format": dossier.format,
            "inforSign": dossier.infor_sign,
            "confidenceLevel": dossier.confidence_level,
            "paperFileCode": dossier.paper_file_code,
            "description": dossier.description,
        },
    )
    dsc = _sub(arch, "dsc")
    for doc, href in documents:
        c = _sub(dsc, "c", level="item", id=f"doc-{doc.stt:07d}")
        cdid = _sub(c, "did")
        _sub(cdid, "unitid", doc.doc_code, type="docCode")
        _sub(cdid, "unittitle", doc.subject or doc.original_name)
        if doc.issued_date:
            _sub(cdid, "unitdate", doc.issued_date, normal=doc.issued_date)
        if doc.organ_name:
            _sub(_sub(cdid, "origination"), "corpname", doc.organ_name)
        _sub(_sub(cdid, "physdesc"), "extent", f"{doc.number_of_page} trang", unit="pages")
        _sub(cdid, "dao", href=href)
        _fields(
            c,
            {
                "docId": doc.doc_id,
                "docCode": doc.doc_code,
                "docOrdinal": doc.stt,
                "typeName": doc.type_name,
                "codeNumber": doc.code_number,
                "codeNotation": doc.code_notation,
                "issuedDate": doc.issued_date,
                "organName": doc.organ_name,
                "subject": doc.subject,
                "signer": doc.signer,
                "language": doc.language,
                "numberOfPage": doc.number_of_page,
                "mode": doc.mode,
                "maintenance": doc.maintenance,
                "confidenceLevel": doc.confidence_level,
                "description": doc.description,
            },
        )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
