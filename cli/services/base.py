"""What every local service offers to ``sohoa services up|down|status``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["LocalService", "ServiceStatus"]


@dataclass(frozen=True)
class ServiceStatus:
    """One line of ``sohoa services status``."""

    name: str
    address: str
    healthy: bool
    version: str = ""
    detail: str = ""
    managed: bool = True  # False when settings point at an external server


class LocalService(Protocol):
    """A service sohoa can install, start, stop and probe on loopback."""

    name: str

    def install(self) -> None:
        """Fetch and build what the service needs (cached)."""

    def start(self) -> None:
        """Start it unless it is already healthy, then wait for health (ServicesError on failure)."""

    def stop(self) -> bool:
        """Stop it; True if something was running."""

    def status(self) -> ServiceStatus:
        """Probe health and version."""
