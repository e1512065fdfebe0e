"""Corrections of extracted metadata, pure: validate a value, apply a save, merge a re-extraction.

No service here: :mod:`pipeline.revise` loads and stores documents around these. Every function returns a
new :class:`~sohoa.model.document.Document` and never mutates its argument.

Rules:

- a correction is recorded in ``Metadata.corrections`` with the value shown before it; the extracted field
  stays as it was read (confidence, page, box), so extracted and human values are never mixed;
- correcting ``so_ky_hieu`` also sets ``so`` and ``ky_hieu``; correcting ``loai_van_ban`` sets ``ma_loai``
  (Appendix III of Decree 30/2020/NĐ-CP), because search and facets read those;
- approving clears ``needs_review``;
- a re-extraction replaces extracted fields only: a corrected field keeps its correction. An approved
  document goes back to review only when a key field it did not correct now reads differently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pipeline.metadata.header import parse_date, valid_date
from pipeline.metadata.lexicon import DOC_TYPES, type_by_code, type_by_name
from pipeline.metadata.normalize import fold
from sohoa.errors import FieldValueError
from sohoa.model.document import FIELD_NAMES, KEY_FIELDS, AccessLevel, Document, Metadata
from sohoa.model.review import (
    Approval,
    Correction,
    FieldChange,
    FieldState,
    Provenance,
    Revision,
    RevisionAction,
    reason_field,
)
from sohoa.text import nfc

__all__ = [
    "DOCUMENT_FIELDS",
    "EDITABLE_FIELDS",
    "SECRECY",
    "URGENCY",
    "apply_changes",
    "current_value",
    "field_states",
    "merge_extraction",
    "normalize_value",
    "now",
]

#: fields kept on the document itself rather than in its metadata
DOCUMENT_FIELDS: tuple[str, ...] = ("dossier_code", "access_level")
#: everything a reviewer may set
EDITABLE_FIELDS: tuple[str, ...] = (*FIELD_NAMES, *DOCUMENT_FIELDS)
SECRECY: tuple[str, ...] = ("Mật", "Tối mật", "Tuyệt mật")
URGENCY: tuple[str, ...] = ("Khẩn", "Thượng khẩn", "Hỏa tốc")

# Decree 30: "<number>/<code>" or "<number>/<year>/<code>", code parts joined by hyphens (1340/QĐ-UBND,
# 88/2023/NĐ-CP, 215/SNgV-VP).
_NUMBER = re.compile(r"^(\d{1,6})(?:/(\d{4}))?/([A-Za-zĐđ0-9.]{1,20}(?:-[A-Za-zĐđ0-9.]{1,20}){0,5})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CODE = re.compile(r"^[\w][\w./\- ]{0,99}$", re.UNICODE)
_LIST_FIELDS = frozenset({"noi_nhan", "kinh_gui"})
_LONG_TEXT = frozenset({"trich_yeu"})


def now() -> str:
    """The current UTC time as stored in revisions (ISO 8601, seconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _text(name: str, raw: Any, limit: int) -> str:
    text = " ".join(nfc(str(raw)).split())
    if len(text) > limit:
        raise FieldValueError(name, f"longer than {limit} characters")
    return text


def _date(name: str, raw: Any) -> str:
    text = nfc(str(raw)).strip()
    if m := _ISO_DATE.match(text):
        y, mo, d = (int(g) for g in m.groups())
        date = valid_date(d, mo, y)
    else:
        found = parse_date(text)
        # The whole entry must be the date ("ngày 05 tháng 02 năm 2025", "05/02/2025"), not a phrase with one.
        date = (
            found[0]
            if found and not re.search(r"\d", fold(text)[: found[1]] + fold(text)[found[2] :])
            else None
        )
    if date is None:
        raise FieldValueError(name, "not a date: use YYYY-MM-DD, dd/mm/yyyy or “ngày dd tháng mm năm yyyy”")
    return date.isoformat()


def _number(name: str, raw: Any) -> str:
    text = re.sub(r"\s*([/-])\s*", r"\1", nfc(str(raw)).strip())
    text = re.sub(r"^(?:số|so)\s*:?\s*", "", text, flags=re.IGNORECASE)
    if not _NUMBER.match(text):
        raise FieldValueError(name, "not a số/ký hiệu: expected <số>/<ký hiệu> such as 1340/QĐ-UBND")
    return text


def _choice(name: str, raw: Any, choices: tuple[str, ...]) -> str:
    key = fold(str(raw))
    for c in choices:
        if fold(c) == key:
            return c
    raise FieldValueError(name, "must be one of: " + ", ".join(choices))


def normalize_value(name: str, raw: Any) -> Any:
    """The stored form of a value a person entered for field ``name``; None or "" clears the field.

    Raises:
        FieldValueError: the field is not editable or the value is not valid for it (the reason says why).
    """
    if name not in EDITABLE_FIELDS:
        raise FieldValueError(name, "not an editable field")
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        if name == "access_level":
            raise FieldValueError(name, "an access level is required")
        return None
    if name in _LIST_FIELDS:
        items = raw if isinstance(raw, list) else re.split(r"[;\n]", str(raw))
        return [_text(name, i, 300) for i in items if str(i).strip()] or None
    if isinstance(raw, (dict, list)):
        raise FieldValueError(name, "must be a single value")
    if name == "ngay_ban_hanh":
        return _date(name, raw)
    if name == "so_ky_hieu":
        return _number(name, raw)
    if name == "so":
        text = str(raw).strip()
        if not text.isdigit() or not 0 < int(text) < 1_000_000:
            raise FieldValueError(name, "must be a whole number from 1 to 999999")
        return int(text)
    if name == "loai_van_ban":
        t = type_by_name(str(raw))
        if t is None:
            raise FieldValueError(
                name, "not a document type of the list (Decree 30/2020/NĐ-CP, Appendix III)"
            )
        return t.name
    if name == "ma_loai":
        t = type_by_code(str(raw).strip())
        if t is None or t.code is None:
            raise FieldValueError(name, "not a type code of Appendix III (QĐ, TB, CV ...)")
        return t.code
    if name == "do_mat":
        return _choice(name, raw, SECRECY)
    if name == "do_khan":
        return _choice(name, raw, URGENCY)
    if name in ("dossier_code", "ma_ho_so"):
        text = _text(name, raw, 100)
        if not _CODE.match(text):
            raise FieldValueError(name, "letters, digits, “.”, “/”, “-” only")
        return text
    if name == "access_level":
        try:
            return AccessLevel(str(raw).strip().lower()).value
        except ValueError:
            raise FieldValueError(name, "must be public, internal or confidential") from None
    return _text(name, raw, 2000 if name in _LONG_TEXT else 300)


def current_value(document: Document, name: str) -> Any:
    """The value a reader sees now (a correction, else the extracted value; document fields as stored)."""
    if name == "dossier_code":
        return document.dossier_code
    if name == "access_level":
        return document.access_level.value
    return document.metadata.value(name)


def field_states(document: Document) -> dict[str, FieldState]:
    """Every editable field's current value with its provenance (extracted with confidence, or corrected)."""
    out = {}
    for name in EDITABLE_FIELDS:
        f = document.metadata.fields.get(name)
        c = document.metadata.corrections.get(name)
        extracted = f.value if f is not None else None
        if name in DOCUMENT_FIELDS:
            extracted = None
        out[name] = FieldState(
            value=current_value(document, name),
            provenance=Provenance.CORRECTED if c is not None else Provenance.EXTRACTED,
            confidence=f.confidence if f is not None and f.value is not None else None,
            page=f.page if f is not None else None,
            box=f.box if f is not None else None,
            extracted=extracted,
            corrected_by=c.by if c else None,
            corrected_at=c.at if c else None,
            previous=c.previous if c else None,
        )
    return out


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    """Fields that follow from others a person set (unless they set those too)."""
    out = dict(values)
    number = values.get("so_ky_hieu")
    if "so_ky_hieu" in values and number is not None:
        num, _, code = number.partition("/")
        out.setdefault("so", int(num))
        out.setdefault("ky_hieu", code)
    if values.get("loai_van_ban") is not None:
        t = type_by_name(values["loai_van_ban"])
        if t is not None and t.code is not None:
            out.setdefault("ma_loai", t.code)
    return out


def apply_changes(
    document: Document,
    values: Mapping[str, Any],
    *,
    by: str,
    at: str,
    approve: bool = False,
    action: RevisionAction = RevisionAction.CORRECT,
) -> Document:
    """The document after a person's save: corrections recorded, optionally approved, one more version.

    Values equal to what is shown already are no change. A save that changes nothing and does not
    approve returns ``document`` itself (no new version).

    Raises:
        FieldValueError: the first invalid value (nothing is applied).
    """
    normalized = {name: normalize_value(name, raw) for name, raw in values.items()}
    # Only a value that changes drags its dependent fields along.
    direct = {name: value for name, value in normalized.items() if current_value(document, name) != value}
    changes = {
        name: FieldChange(before=current_value(document, name), after=value)
        for name, value in _derived(direct).items()
        if current_value(document, name) != value
    }
    if not changes and not approve:
        return document
    version = document.version + 1
    meta = document.metadata
    corrections = dict(meta.corrections)
    doc_updates: dict[str, Any] = {}
    for name, change in changes.items():
        corrections[name] = Correction(
            value=change.after, by=by, at=at, previous=change.before, version=version
        )
        if name == "dossier_code":
            doc_updates["dossier_code"] = change.after
        elif name == "access_level":
            doc_updates["access_level"] = AccessLevel(change.after)
    meta_updates: dict[str, Any] = {"corrections": corrections}
    if approve:
        meta_updates["approval"] = Approval(by=by, at=at, version=version)
        meta_updates["needs_review"] = False
    revision = Revision(
        version=version,
        action=RevisionAction.APPROVE if approve and not changes else action,
        by=by,
        at=at,
        changes=changes,
        approved=approve,
    )
    return document.model_copy(
        update={
            **doc_updates,
            "metadata": meta.model_copy(update=meta_updates),
            "version": version,
            "history": [*document.history, revision],
        }
    )


def merge_extraction(document: Document, fresh: Metadata, *, at: str, engine: str) -> Document:
    """The document after a re-extraction: new extracted fields, every correction and approval kept.

    Review after the merge: reasons about corrected fields are dropped (a person set them). An approved
    document needs review again only when a key field it did not correct now reads differently
    (reason ``<field>.changed_on_reextraction``); otherwise the new extraction's reasons apply.
    Returns ``document`` itself when nothing a reader sees, nor the review verdict, changes.
    """
    old = document.metadata
    corrected = set(old.corrections)
    merged = fresh.model_copy(update={"corrections": dict(old.corrections), "approval": old.approval})
    if old.approval is not None:
        keys = KEY_FIELDS if fresh.language != "en" else ("ngay_ban_hanh", "co_quan_ban_hanh", "trich_yeu")
        reasons = [
            f"{name}.changed_on_reextraction"
            for name in keys
            if name not in corrected and fresh.value(name) != old.value(name)
        ]
    else:
        reasons = [r for r in fresh.reasons if reason_field(r) not in corrected]
    merged = merged.model_copy(update={"reasons": reasons, "needs_review": bool(reasons)})
    changes = {
        name: FieldChange(before=old.value(name), after=merged.value(name))
        for name in FIELD_NAMES
        if old.value(name) != merged.value(name)
    }
    # stamps too: a document stored before they were kept gets them from a re-extraction
    same_fields = (
        merged.fields == old.fields and merged.language == old.language and merged.stamps == old.stamps
    )
    if same_fields and merged.needs_review == old.needs_review and merged.reasons == old.reasons:
        return document
    version = document.version + 1
    revision = Revision(
        version=version, action=RevisionAction.REEXTRACT, by="sohoa reextract", at=at, changes=changes,
        engine=engine,
    )  # fmt: skip
    return document.model_copy(
        update={"metadata": merged, "version": version, "history": [*document.history, revision]}
    )


#: the type list shown to reviewers, in Appendix III order
TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in DOC_TYPES)
__all__ += ["TYPE_NAMES"]
