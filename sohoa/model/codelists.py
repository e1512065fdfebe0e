"""The archival code lists (TT 05/2025 maintenance, mode, language, format, confidence level, document type).

Each list is a data file in ``sohoa/model/codes/`` that names its source and says whether that source is
the official text or a second-hand summary, so a change of rule is a data change. This module only reads
them; nothing here decides what a code means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CODES_DIR", "Code", "CodeList", "code_list"]

CODES_DIR = Path(__file__).resolve().parent / "codes"


@dataclass(frozen=True)
class Code:
    """One entry of a code list."""

    code: str
    vi: str
    en: str
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        """The label in ``lang`` (Vietnamese unless ``en``)."""
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class CodeList:
    """A code list with where it comes from."""

    name: str
    field: str
    source: str
    provenance: str
    codes: dict[str, Code]
    pattern: str | None = None

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def label(self, code: str | None, lang: str = "vi") -> str:
        """The label of a code, or the code itself when the list does not have it."""
        if code is None:
            return ""
        entry = self.codes.get(code)
        return entry.label(lang) if entry else code

    def choices(self) -> list[str]:
        """The codes in order."""
        return sorted(self.codes)


@cache
def code_list(name: str) -> CodeList:
    """The code list ``name``, read once from its data file.

    Names: ``maintenance``, ``mode``, ``language``, ``format``, ``confidence_level``, ``document_type``,
    ``procedure_code``.

    Raises:
        KeyError: there is no data file of that name.
    """
    path = CODES_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no code list {name!r} in {CODES_DIR}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    codes = {
        code: Code(code, entry["vi"], entry["en"], {k: v for k, v in entry.items() if k not in ("vi", "en")})
        for code, entry in raw["codes"].items()
    }
    return CodeList(
        name=raw["name"],
        field=raw["field"],
        source=raw["source"],
        provenance=raw["provenance"],
        codes=codes,
        pattern=raw.get("pattern"),
    )
