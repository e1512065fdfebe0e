"""Stable codes shown to people: review reasons, error types, QA findings, audit actions and outcomes.

The pipeline and the audit log store codes (``so_ky_hieu.missing``, ``EmptyFileError``, ``low_dpi``,
``token_create``); this module turns them into the page's language. Today's free-text reasons
(``"so_ky_hieu: not found"``, ``"page 2 failed OCR"``) are mapped to the same codes, so both forms read
alike. An unknown code is shown as the code itself, never as a Python repr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from web.formats import local_date, local_time, zone
from web.i18n import LANGS, translate

__all__ = [
    "action_label",
    "detail_text",
    "error_label",
    "error_labels",
    "install_filters",
    "outcome_label",
    "qa_label",
    "reason_code",
    "reason_label",
]

# Legacy free-text reasons → (code, detail).
_LEGACY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<f>[a-z_]+): not found$"), "{f}.missing"),
    (re.compile(r"^(?P<f>[a-z_]+): low confidence (?P<d>[\d.]+)$"), "{f}.low_confidence"),
    (re.compile(r"^page (?P<d>\d+) failed OCR$"), "page.ocr_failed"),
    (re.compile(r"^same content as (?P<d>.+) in this batch$"), "duplicate.in_batch"),
    (re.compile(r"^already ingested in batch (?P<d>.+)$"), "duplicate.earlier_batch"),
)
# New-style reasons: "<field>.<code>", optionally followed by ": detail" or " detail".
_CODE = re.compile(r"^(?P<c>[a-z_]+\.[a-z_]+)(?:[: ]\s*(?P<d>.*))?$")


def _has(key: str) -> bool:
    return key in LANGS["vi"]


def reason_code(reason: str) -> tuple[str, str | None]:
    """``(code, detail)`` of a review reason in either form; an unrecognised text is its own code."""
    text = reason.strip()
    for pattern, code in _LEGACY:
        m = pattern.match(text)
        if m:
            return code.format(**m.groupdict()), m.groupdict().get("d")
    m = _CODE.match(text)
    if m:
        return m.group("c"), m.group("d") or None
    return text, None


def reason_label(lang: str, reason: str) -> str:
    """A review reason in ``lang``: ``so_ky_hieu.missing`` → ``Không tìm thấy số, ký hiệu``.

    A code with a label of its own uses it; otherwise ``<field>.<code>`` reads as the field's label and
    the code's (``trich_yeu.low_confidence`` → ``Trích yếu: độ tin cậy thấp``).
    """
    code, detail = reason_code(reason)
    head, _, what = code.partition(".")
    if _has(f"reason.{code}"):
        label = translate(lang, f"reason.{code}")
    elif what and _has(f"reason.{what}"):
        subject = translate(lang, f"field.{head}") if _has(f"field.{head}") else head
        label = f"{subject}: {translate(lang, f'reason.{what}')}"
    else:
        return reason
    return f"{label} ({detail})" if detail else label


def error_label(lang: str, error_type: str | None) -> str:
    """An error class name of ``sohoa.errors`` in ``lang`` (unknown names are shown as they are)."""
    if not error_type:
        return ""
    key = f"errtype.{error_type}"
    return translate(lang, key) if _has(key) else error_type


def error_labels(lang: str) -> dict[str, str]:
    """Every known error type's label in ``lang`` (for the batch page's script)."""
    return {k[len("errtype.") :]: translate(lang, k) for k in LANGS["vi"] if k.startswith("errtype.")}


def qa_label(lang: str, code: str) -> str:
    """A scan QA finding (``low_dpi``, ``blank_page``, ...) in ``lang``."""
    key = f"qa.{code}"
    return translate(lang, key) if _has(key) else code


def action_label(lang: str, action: str) -> str:
    """An audit action in ``lang``."""
    key = f"action.{action}"
    return translate(lang, key) if _has(key) else action


def outcome_label(lang: str, outcome: str) -> str:
    """An audit outcome in ``lang``."""
    key = f"outcome.{outcome}"
    return translate(lang, key) if _has(key) else outcome


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def detail_text(lang: str, detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An audit entry's details as ``(label, text)`` pairs: plain text, never a Python repr."""
    out = []
    for key, value in detail.items():
        label = translate(lang, f"detail.{key}") if _has(f"detail.{key}") else key
        prefix = _VALUE_LABELS.get(key)
        if prefix and isinstance(value, str) and _has(f"{prefix}.{value}"):
            value = translate(lang, f"{prefix}.{value}")  # an access level, a role, a sort order
        elif prefix and isinstance(value, list):
            value = [translate(lang, f"{prefix}.{v}") if _has(f"{prefix}.{v}") else v for v in value]
        out.append((label, _value(value)))
    return out


# Detail keys whose values are codes with labels of their own.
_VALUE_LABELS = {"level": "access", "clearance": "access", "access": "access", "role": "role",
                 "sort": "sort", "needs": "action", "error": "errtype", "split": "split",
                 "signature": "sigfilter"}  # fmt: skip


def install_filters(env: Environment, time_zone: str) -> None:
    """Jinja filters for codes and dates, in the language of the page being rendered."""
    zone(time_zone)  # an unknown zone stops the app at start, not on the first page

    def lang_of(context: Context) -> str:
        return str(context.get("lang") or "vi")

    env.filters["when"] = lambda value, seconds=False: local_time(value, time_zone, seconds=seconds)
    env.filters["day"] = local_date
    env.filters["reason"] = pass_context(lambda c, v: reason_label(lang_of(c), str(v)))
    env.filters["errtype"] = pass_context(lambda c, v: error_label(lang_of(c), v))
    env.filters["qa"] = pass_context(lambda c, v: qa_label(lang_of(c), str(v)))
    env.filters["action"] = pass_context(lambda c, v: action_label(lang_of(c), str(v)))
    env.filters["outcome"] = pass_context(lambda c, v: outcome_label(lang_of(c), str(v)))
    env.filters["details"] = pass_context(lambda c, v: detail_text(lang_of(c), v or {}))
