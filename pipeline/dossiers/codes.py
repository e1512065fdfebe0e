"""Dossier codes and code-list values: parsing and validating, with messages a clerk can act on.

Pure functions; "today" is passed in, never read, so a test fixes it. Every refusal is a
:class:`~sohoa.errors.DossierError` (an input error: exit code 3 in the CLI, 400 on the web).

- Procedure dossier code (TT 01/2018/TT-VPCP Art. 19): ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``, e.g.
  ``000.00.14.H26-230303-0001``; the ``YYMMDD`` inside must be a real date, not in the future.
- Archival ``fileCode`` (TT 05/2025): the agency identifier + the year formed + the dossier number/notation,
  written by the configured format (default ``{agency}.{year}.{number}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sohoa.errors import DossierError
from sohoa.model.codelists import code_list
from sohoa.model.dossier import is_dossier_code
from sohoa.settings import DossierSettings

__all__ = [
    "CodeRules",
    "FileCode",
    "ProcedureCode",
    "check_code",
    "looks_like_procedure_code",
    "make_file_code",
    "parse_file_code",
    "parse_procedure_code",
]

_PROCEDURE = re.compile(code_list("procedure_code").pattern or "")


class ProcedureCode(NamedTuple):
    """The parts of a procedure dossier code."""

    unit: str
    received: date
    sequence: int


class FileCode(NamedTuple):
    """The parts of an archival fileCode."""

    agency: str
    year: int
    number: str


@dataclass(frozen=True)
class CodeRules:
    """How this agency writes archival fileCodes (from ``settings.dossier``)."""

    agency_id: str = "000.00.00.H00"
    file_code_format: str = "{agency}.{year}.{number}"
    number_pattern: str = r"[A-Za-z0-9][A-Za-z0-9-]{0,39}"

    @classmethod
    def from_settings(cls, settings: DossierSettings) -> CodeRules:
        """The rules of ``settings.dossier``."""
        return cls(settings.agency_id, settings.file_code_format, settings.number_pattern)

    def file_code_regex(self) -> re.Pattern[str]:
        """The fileCode as a regular expression with named groups agency, year and number."""
        parts = re.split(r"(\{agency\}|\{year\}|\{number\})", self.file_code_format)
        groups = {
            "{agency}": f"(?P<agency>{re.escape(self.agency_id)})",
            "{year}": r"(?P<year>\d{4})",
            "{number}": f"(?P<number>{self.number_pattern})",
        }
        return re.compile("^" + "".join(groups.get(p, re.escape(p)) for p in parts) + "$")


def looks_like_procedure_code(code: str) -> bool:
    """Whether ``code`` has the shape of a procedure dossier code (its date not checked)."""
    return bool(_PROCEDURE.match(code.strip()))


def parse_procedure_code(code: str, *, today: date) -> ProcedureCode:
    """The unit, reception date and sequence of a procedure dossier code.

    Raises:
        DossierError: not of the form ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``, an impossible date, a date
            after ``today``, or sequence 0000.
    """
    m = _PROCEDURE.match(code.strip())
    if not m:
        raise DossierError(
            f"procedure dossier code {code!r} is malformed: expected V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX, "
            "e.g. 000.00.14.H26-230303-0001 (unit code, reception date, 4-digit sequence)"
        )
    yymmdd = m["date"]
    try:
        received = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError as e:
        raise DossierError(
            f"procedure dossier code {code!r}: {yymmdd} is not a real date (YYMMDD): {e}"
        ) from e
    if received > today:
        raise DossierError(
            f"procedure dossier code {code!r}: reception date {received:%d/%m/%Y} is in the future"
        )
    if int(m["seq"]) == 0:
        raise DossierError(f"procedure dossier code {code!r}: the sequence of the day starts at 0001")
    return ProcedureCode(m["unit"], received, int(m["seq"]))


def parse_file_code(code: str, rules: CodeRules, *, today: date) -> FileCode:
    """The agency, year and number/notation of an archival fileCode.

    Raises:
        DossierError: it does not follow the configured format, names another agency, or has a year in
            the future or before 1900.
    """
    if not is_dossier_code(code):
        raise DossierError(
            f"fileCode {code!r} is malformed: use at most 100 letters, digits, '.', '-' or '_', "
            "starting with a letter or digit"
        )
    m = rules.file_code_regex().match(code)
    if not m:
        example = rules.file_code_format.format(agency=rules.agency_id, year=today.year, number="01")
        raise DossierError(
            f"fileCode {code!r} is malformed: expected {rules.file_code_format} with agency "
            f"{rules.agency_id}, e.g. {example}"
        )
    year = int(m["year"])
    if not 1900 <= year <= today.year:
        raise DossierError(f"fileCode {code!r}: year {year} is not between 1900 and {today.year}")
    return FileCode(m["agency"], year, m["number"])


def make_file_code(rules: CodeRules, year: int, number: str, *, today: date) -> str:
    """The fileCode of the dossier ``number`` formed in ``year`` (validated like any fileCode)."""
    code = rules.file_code_format.format(agency=rules.agency_id, year=year, number=number)
    parse_file_code(code, rules, today=today)
    return code


def check_code(list_name: str, value: str | None, *, field: str, required: bool = True) -> str | None:
    """``value`` if it is a code of the list ``list_name``; a clear refusal otherwise.

    Raises:
        DossierError: missing while required, or not in the list.
    """
    if value is None or value == "":
        if required:
            raise DossierError(f"{field} is required")
        return None
    codes = code_list(list_name)
    if value not in codes:
        known = ", ".join(f"{c} {codes.label(c)}" for c in codes.choices())
        raise DossierError(f"{field} {value!r} is not a known code ({known})")
    return value
