"""CLI commands, one module per capability; each exposes ``register(app)``."""

from __future__ import annotations

from types import ModuleType

from cli.commands import (
    archive_catalog,
    archive_package,
    demo,
    dossier,
    extract,
    ingest,
    ocr,
    review,
    search,
    services,
    sheets,
    web,
)

COMMAND_MODULES: list[ModuleType] = [
    services,
    ocr,
    extract,
    search,
    ingest,
    demo,
    web,
    dossier,
    archive_catalog,
    sheets,
    archive_package,
    review,
]
