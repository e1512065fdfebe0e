"""An E-ARK CSIP 2.1 / SIP package (ZIP) of one dossier: METS, EAD, PREMIS, SHA-256 of every file.

Layout (the package folder is named by its OBJID)::

    <id>/METS.xml                                      root METS (profile E-ARK SIP)
    <id>/metadata/descriptive/ead.xml                  TT 05 dossier and document fields
    <id>/metadata/preservation/premis.xml              fixity of every file, events, agents
    <id>/representations/rep-pdfa/METS.xml
    <id>/representations/rep-pdfa/data/<fileCode>.<STT>.pdf         the signed archive copies
    <id>/representations/rep-original/METS.xml
    <id>/representations/rep-original/data/<fileCode>.<STT>.<ext>   the originals as received

Two representations of the same records, as E-ARK intends: the preservation copy and the source.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from pipeline.archive.ead import ead_xml
from pipeline.archive.naming import archive_file_name, original_file_name
from pipeline.archive.premis import PremisFile, premis_xml
from sohoa.digest import sha256_file
from sohoa.model.package import PackageInput

__all__ = ["SipFile", "SipResult", "write_sip"]

log = logging.getLogger(__name__)

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
_M, _X, _C, _S = (f"{{{ns}}}" for ns in (METS_NS, XLINK_NS, CSIP_NS, SIP_NS))
SOFTWARE = "sohoa"
CONTENT_TYPE = "TT05/2025/TT-BNV"
SCHEMAS = Path(__file__).parent / "schemas"
DOCUMENTATION = """sohoa E-ARK SIP / Gói tin E-ARK SIP của sohoa

representations/rep-pdfa: the signed PDF/A-2b archive copies, named <fileCode>.<STT>.pdf (TT 05/2025 Art. 8);
representations/rep-original: the originals as received, with the same names and their own extensions;
metadata/descriptive/ead.xml: EAD 2002 with the TT 05/2025 dossier and document fields (by TT 05 name);
metadata/preservation/premis.xml: PREMIS 3, SHA-256 of every file, events (ingestion, OCR, signing...);
every file also carries its SHA-256 in the METS that lists it.

rep-pdfa: bản sao lưu trữ PDF/A-2b đã ký số; rep-original: bản gốc; ead.xml: trường dữ liệu theo TT 05/2025;
premis.xml: mã kiểm tra SHA-256 và các sự kiện bảo quản.
"""


@dataclass(frozen=True)
class SipFile:
    """One file written into the package."""

    path: str  # relative to the package folder
    sha256: str
    size: int
    mime: str


@dataclass(frozen=True)
class SipResult:
    """What was written."""

    zip_path: Path
    package_id: str
    files: tuple[SipFile, ...]


def _mets_root(obj_id: str, label: str, created: str, agency: str) -> ET.Element:
    root = ET.Element(
        _M + "mets",
        {
            "OBJID": obj_id,
            "LABEL": label,
            "TYPE": "Text",
            _C + "CONTENTINFORMATIONTYPE": "MIXED",
            "PROFILE": SIP_PROFILE,
            f"{{{XSI_NS}}}schemaLocation": (
                f"{METS_NS} http://www.loc.gov/standards/mets/mets.xsd "
                f"{XLINK_NS} http://www.loc.gov/standards/mets/xlink.xsd "
                f"{CSIP_NS} https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd "
                f"{SIP_NS} https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd"
            ),
        },
    )
    hdr = ET.SubElement(
        root,
        _M + "metsHdr",
        {"CREATEDATE": created, "LASTMODDATE": created, "RECORDSTATUS": "NEW", _C + "OAISPACKAGETYPE": "SIP"},
    )
    agent = ET.SubElement(hdr, _M + "agent", {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"})
    ET.SubElement(agent, _M + "name").text = SOFTWARE
    ET.SubElement(agent, _M + "note", {_C + "NOTETYPE": "SOFTWARE VERSION"}).text = "0.1.0"
    if agency:
        sub = ET.SubElement(hdr, _M + "agent", {"ROLE": "ARCHIVIST", "TYPE": "ORGANIZATION"})
        ET.SubElement(sub, _M + "name").text = agency
    return root


def _grp(parent: ET.Element, gid: str, use: str) -> ET.Element:
    # every root file group names its content type (CSIP63 as eark-validator checks it)
    return ET.SubElement(
        parent,
        _M + "fileGrp",
        {
            "ID": gid,
            "USE": use,
            _C + "CONTENTINFORMATIONTYPE": "OTHER",
            _C + "OTHERCONTENTINFORMATIONTYPE": CONTENT_TYPE,
        },
    )


def _file_el(parent: ET.Element, fid: str, f: SipFile, href: str, created: str) -> None:
    el = ET.SubElement(
        parent,
        _M + "file",
        {
            "ID": fid,
            "MIMETYPE": f.mime,
            "SIZE": str(f.size),
            "CREATED": created,
            "CHECKSUM": f.sha256,
            "CHECKSUMTYPE": "SHA-256",
        },
    )
    ET.SubElement(el, _M + "FLocat", {"LOCTYPE": "URL", _X + "type": "simple", _X + "href": href})


def _write(tree: ET.Element, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(tree).write(path, encoding="utf-8", xml_declaration=True)


def _representation(
    folder: Path, obj_id: str, name: str, files: list[tuple[SipFile, str]], created: str, agency: str
) -> None:
    """The representation's own METS: its data files with checksums, one structMap."""
    root = _mets_root(f"{obj_id}/{name}", name, created, agency)
    sec = ET.SubElement(root, _M + "fileSec", {"ID": f"filesec-{name}"})
    grp = ET.SubElement(sec, _M + "fileGrp", {"ID": f"grp-{name}-data", "USE": "Data"})
    for i, (f, href) in enumerate(files, 1):
        _file_el(grp, f"file-{name}-{i:05d}", f, href, created)
    smap = ET.SubElement(
        root, _M + "structMap", {"ID": f"struct-{name}", "TYPE": "PHYSICAL", "LABEL": "CSIP"}
    )
    top = ET.SubElement(smap, _M + "div", {"ID": f"div-{name}", "LABEL": f"{obj_id}/{name}"})
    data = ET.SubElement(top, _M + "div", {"ID": f"div-{name}-data", "LABEL": "Data"})
    for i in range(1, len(files) + 1):
        ET.SubElement(data, _M + "fptr", {"FILEID": f"file-{name}-{i:05d}"})
    _write(root, folder / "METS.xml")


def write_sip(pkg: PackageInput, out: Path, *, work: Path) -> SipResult:
    """Write ``pkg`` as an E-ARK SIP ZIP at ``out`` (built in ``work``, which is removed afterwards)."""
    for prefix, uri in (
        ("mets", METS_NS),
        ("xlink", XLINK_NS),
        ("csip", CSIP_NS),
        ("sip", SIP_NS),
        ("xsi", XSI_NS),
    ):
        ET.register_namespace(prefix, uri)
    d = pkg.dossier
    obj_id = pkg.package_id
    base = work / obj_id
    shutil.rmtree(base, ignore_errors=True)
    written: list[SipFile] = []
    reps: dict[str, list[tuple[SipFile, str]]] = {"rep-pdfa": [], "rep-original": []}
    premis_files: list[PremisFile] = []
    ead_docs = []
    for doc in pkg.documents:
        for rep, src, name, mime in (
            ("rep-pdfa", doc.archive_copy, archive_file_name(d.file_code, doc.stt), "application/pdf"),
            (
                "rep-original",
                doc.original,
                original_file_name(d.file_code, doc.stt, doc.original_name),
                doc.original_mime,
            ),
        ):
            rel = f"representations/{rep}/data/{name}"
            dest = base / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            sha, size = sha256_file(dest)
            f = SipFile(rel, sha, size, mime)
            written.append(f)
            reps[rep].append((f, f"data/{name}"))
            events = doc.events if rep == "rep-original" else [e for e in doc.events if e.type != "ingestion"]
            premis_files.append(
                PremisFile(rel, sha, size, mime, doc.original_name if rep == "rep-original" else "", events)
            )
            if rep == "rep-pdfa":
                ead_docs.append((doc, rel))
    ead_path = base / "metadata/descriptive/ead.xml"
    ead_path.parent.mkdir(parents=True, exist_ok=True)
    ead_path.write_bytes(ead_xml(d, ead_docs))
    premis_path = base / "metadata/preservation/premis.xml"
    premis_path.parent.mkdir(parents=True, exist_ok=True)
    agents = [(SOFTWARE, "software")] + ([(d.agency, "organization")] if d.agency else [])
    premis_path.write_bytes(premis_xml(premis_files, agents))
    for rep, files in reps.items():
        _representation(base / "representations" / rep, obj_id, rep, files, pkg.created, d.agency)
    doc_rel = "documentation/package-description.txt"
    (base / "documentation").mkdir(parents=True, exist_ok=True)
    (base / doc_rel).write_text(DOCUMENTATION, encoding="utf-8")
    schema_rels = []
    (base / "schemas").mkdir(parents=True, exist_ok=True)
    for xsd in sorted(SCHEMAS.glob("*.xsd")):
        shutil.copyfile(xsd, base / "schemas" / xsd.name)
        schema_rels.append(f"schemas/{xsd.name}")
    # the root METS: metadata files, documentation, schemas, one pointer per representation METS
    root = _mets_root(obj_id, d.title or d.file_code, pkg.created, d.agency)
    meta_files = {}
    for key, rel, mdtype in (
        ("ead", "metadata/descriptive/ead.xml", "EAD"),
        ("premis", "metadata/preservation/premis.xml", "PREMIS"),
    ):
        sha, size = sha256_file(base / rel)
        meta_files[key] = (rel, mdtype, sha, size)
        written.append(SipFile(rel, sha, size, "text/xml"))
    dmd = ET.SubElement(root, _M + "dmdSec", {"ID": "dmd-ead", "CREATED": pkg.created, "STATUS": "CURRENT"})
    amd = ET.SubElement(root, _M + "amdSec", {"ID": "amd-1"})
    digi = ET.SubElement(amd, _M + "digiprovMD", {"ID": "digiprov-premis", "STATUS": "CURRENT"})
    for parent, key in ((dmd, "ead"), (digi, "premis")):
        rel, mdtype, sha, size = meta_files[key]
        ET.SubElement(
            parent,
            _M + "mdRef",
            {
                "LOCTYPE": "URL",
                _X + "type": "simple",
                _X + "href": rel,
                "MDTYPE": mdtype,
                "MIMETYPE": "text/xml",
                "SIZE": str(size),
                "CREATED": pkg.created,
                "CHECKSUM": sha,
                "CHECKSUMTYPE": "SHA-256",
            },
        )
    sec = ET.SubElement(root, _M + "fileSec", {"ID": "filesec-root"})
    plain: dict[str, list[str]] = {"Documentation": [doc_rel], "Schemas": schema_rels}
    plain_ids: dict[str, list[str]] = {}
    for use, rels in plain.items():
        grp = _grp(sec, f"grp-{use.lower()}", use)
        for n, rel in enumerate(rels, 1):
            sha, size = sha256_file(base / rel)
            mime = "text/plain" if rel.endswith(".txt") else "application/xml"
            f = SipFile(rel, sha, size, mime)
            written.append(f)
            fid = f"file-{use.lower()}-{n:03d}"
            _file_el(grp, fid, f, rel, pkg.created)
            plain_ids.setdefault(use, []).append(fid)
    rep_ids = {}
    for rep in reps:
        rel = f"representations/{rep}/METS.xml"
        sha, size = sha256_file(base / rel)
        f = SipFile(rel, sha, size, "application/xml")
        written.append(f)
        grp = _grp(sec, f"grp-{rep}", f"Representations/{rep}")
        _file_el(grp, f"file-{rep}-mets", f, rel, pkg.created)
        rep_ids[rep] = f"grp-{rep}"
    smap = ET.SubElement(root, _M + "structMap", {"ID": "struct-root", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = ET.SubElement(smap, _M + "div", {"ID": "div-root", "LABEL": obj_id})
    ET.SubElement(
        top,
        _M + "div",
        {"ID": "div-metadata", "LABEL": "Metadata", "DMDID": "dmd-ead", "ADMID": "digiprov-premis"},
    )
    for use, fids in plain_ids.items():
        div = ET.SubElement(top, _M + "div", {"ID": f"div-{use.lower()}", "LABEL": use})
        for fid in fids:
            ET.SubElement(div, _M + "fptr", {"FILEID": fid})
    # eark-validator wants a "Representations" division pointing at the representation file groups
    # (CSIP103/104) besides one division per representation METS (CSIP106...)
    reps_div = ET.SubElement(top, _M + "div", {"ID": "div-representations", "LABEL": "Representations"})
    for gid in rep_ids.values():
        ET.SubElement(reps_div, _M + "fptr", {"FILEID": gid})
    for rep, gid in rep_ids.items():
        div = ET.SubElement(top, _M + "div", {"ID": f"div-{rep}", "LABEL": f"Representations/{rep}"})
        ET.SubElement(
            div,
            _M + "mptr",
            {
                "LOCTYPE": "URL",
                _X + "type": "simple",
                _X + "href": f"representations/{rep}/METS.xml",
                _X + "title": gid,
            },
        )
    _write(root, base / "METS.xml")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in sorted(base.rglob("*")):
            if p.is_file():
                z.write(p, f"{obj_id}/{p.relative_to(base).as_posix()}")
    tmp.replace(out)
    shutil.rmtree(base, ignore_errors=True)
    log.info("package %s: %d documents, %d files -> %s", obj_id, len(pkg.documents), len(written), out)
    return SipResult(out, obj_id, tuple(written))
