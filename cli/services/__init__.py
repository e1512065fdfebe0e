"""Local services for development, tests and the demo: real Elasticsearch, MinIO and Prefect on loopback.

``up`` installs what is missing (cached in ``~/.cache/sohoa``), starts each service with its data under
``$SOHOA_HOME`` and waits for health; ``down`` stops them; ``status`` probes them. A service whose
address in the settings is not loopback is external (production) and is never started here.
"""

from __future__ import annotations

import logging

from cli.services.base import LocalService, ServiceStatus
from cli.services.devca import DevSigning
from cli.services.elasticsearch import Elasticsearch
from cli.services.layout import Layout, ensure_local_env
from cli.services.minio import Minio
from cli.services.prefect_server import PrefectServer, prefect_env
from cli.services.system import poppler_status, tesseract_status
from cli.services.verapdf import VeraPdfInstall
from sohoa.settings import Settings, get_settings

__all__ = ["ServiceStatus", "down", "local_services", "prefect_env", "status", "up"]

log = logging.getLogger(__name__)


def local_services(settings: Settings) -> list[LocalService]:
    """The services in start order."""
    # veraPDF and the TEST signing certificate are installed, never started (archive copies, #17)
    return [
        Minio(settings),
        Elasticsearch(settings),
        PrefectServer(settings),
        VeraPdfInstall(settings),
        DevSigning(settings),
    ]


def up(settings: Settings | None = None) -> list[ServiceStatus]:
    """Install and start every local service; raise ServicesError naming the one that failed and its log."""
    settings = settings or get_settings()
    ensure_local_env(Layout.from_settings(settings))
    # Credentials may have just been generated: load them.
    get_settings.cache_clear()
    settings = get_settings() if settings is None else settings.model_copy(update=_fresh_credentials())
    for service in local_services(settings):
        service.install()
        service.start()
    get_settings.cache_clear()  # the TEST signing certificate may have just been recorded
    return status(settings.model_copy(update=_fresh_credentials()))


def _fresh_credentials() -> dict[str, object]:
    fresh = get_settings()
    return {"minio": fresh.minio, "web": fresh.web, "signing": fresh.signing}


def down(settings: Settings | None = None) -> list[str]:
    """Stop the local services; the names of those that were running."""
    settings = settings or get_settings()
    return [s.name for s in reversed(local_services(settings)) if s.stop()]


def status(settings: Settings | None = None) -> list[ServiceStatus]:
    """Health and version of every service and system program."""
    settings = settings or get_settings()
    return [*(s.status() for s in local_services(settings)), tesseract_status(), poppler_status()]
