"""PREMIS 3 preservation metadata of a package: every file with its SHA-256, the events, the agents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from sohoa.model.package import PackageEvent

__all__ = ["PREMIS_NS", "PremisFile", "premis_xml"]

PREMIS_NS = "http://www.loc.gov/premis/v3"
_P = f"{{{PREMIS_NS}}}"


@dataclass(frozen=True)
class PremisFile:
    """One file of the package as PREMIS describes it."""

    identifier: str  # its path in the package
    sha256: str
    size: int
    mime: str
    original_name: str
    events: Sequence[PackageEvent] = ()


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, _P + tag)
    if text is not None:
        el.text = text
    return el


def premis_xml(files: Sequence[PremisFile], agents: Sequence[tuple[str, str]]) -> bytes:
    """The PREMIS document; ``agents`` are (name, type) pairs, e.g. ("sohoa 0.1.0", "software")."""
    ET.register_namespace("premis", PREMIS_NS)
    root = ET.Element(_P + "premis", {"version": "3.0"})
    for f in files:
        obj = _sub(root, "object", None)
        obj.set("{http://www.w3.org/2001/XMLSchema-instance}type", "premis:file")
        oid = _sub(obj, "objectIdentifier")
        _sub(oid, "objectIdentifierType", "local")
        _sub(oid, "objectIdentifierValue", f.identifier)
        ch = _sub(obj, "objectCharacteristics")
        fx = _sub(ch, "fixity")
        _sub(fx, "messageDigestAlgorithm", "SHA-256")
        _sub(fx, "messageDigest", f.sha256)
        _sub(ch, "size", str(f.size))
        fmt = _sub(_sub(ch, "format"), "formatDesignation")
        _sub(fmt, "formatName", f.mime)
        if f.original_name:
            _sub(obj, "originalName", f.original_name)
    n = 0
    for f in files:
        for e in f.events:
            n += 1
            ev = _sub(root, "event")
            eid = _sub(ev, "eventIdentifier")
            _sub(eid, "eventIdentifierType", "local")
            _sub(eid, "eventIdentifierValue", f"event-{n:05d}")
            _sub(ev, "eventType", e.type)
            _sub(ev, "eventDateTime", e.at)
            if e.detail:
                _sub(_sub(ev, "eventDetailInformation"), "eventDetail", e.detail)
            _sub(_sub(ev, "eventOutcomeInformation"), "eventOutcome", e.outcome)
            la = _sub(ev, "linkingAgentIdentifier")
            _sub(la, "linkingAgentIdentifierType", "local")
            _sub(la, "linkingAgentIdentifierValue", e.agent)
            lo = _sub(ev, "linkingObjectIdentifier")
            _sub(lo, "linkingObjectIdentifierType", "local")
            _sub(lo, "linkingObjectIdentifierValue", f.identifier)
    for name, kind in agents:
        ag = _sub(root, "agent")
        aid = _sub(ag, "agentIdentifier")
        _sub(aid, "agentIdentifierType", "local")
        _sub(aid, "agentIdentifierValue", name)
        _sub(ag, "agentName", name)
        _sub(ag, "agentType", kind)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
