"""The local Prefect server (``prefect server start``), SQLite under the data folder, analytics off."""

from __future__ import annotations

import json
import os
import sys

from cli.services import _process
from cli.services.base import ServiceStatus
from cli.services.layout import Layout, host_port, is_loopback
from sohoa.settings import Settings


def prefect_env(settings: Settings) -> dict[str, str]:
    """Environment every Prefect process of sohoa needs: home in the data folder, API, no telemetry."""
    return {
        "PREFECT_HOME": str(settings.home / "prefect"),
        "PREFECT_API_URL": settings.prefect.api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }


class PrefectServer:
    """Start, stop and probe the local Prefect server."""

    name = "prefect"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.layout = Layout.from_settings(settings)
        self.host, self.port = host_port(settings.prefect.api_url, 4200)
        self.managed = is_loopback(self.host)

    def install(self) -> None:
        """Prefect comes with the Python package; nothing to fetch."""

    def start(self) -> None:
        """Start the server unless it already answers; wait for /api/health."""
        if not self.managed or self.status().healthy:
            return
        env = {**os.environ, **prefect_env(self.settings)}
        env.pop("PREFECT_API_URL")  # the server itself must not point at an API
        (self.settings.home / "prefect").mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]
        log_file = self.layout.log(self.name)
        pid_file = self.layout.pid(self.name)
        _process.spawn(argv, log_file=log_file, pid_file=pid_file, env=env)
        _process.wait_until(
            lambda: self.status().healthy,
            name="Prefect server",
            timeout=120,
            log_file=log_file,
            alive=lambda: _process.read_pid(pid_file) is not None,
        )

    def stop(self) -> bool:
        """Stop the local Prefect server."""
        return _process.stop(self.layout.pid(self.name), name="Prefect server")

    def status(self) -> ServiceStatus:
        """Health from /api/health and the server version from /api/admin/version."""
        addr = f"{self.host}:{self.port}"
        api = self.settings.prefect.api_url.rstrip("/")
        if not self.managed:
            return ServiceStatus(self.name, api, False, detail="external", managed=False)
        health = _process.http_get(f"{api}/health")
        if health is None or health.status != 200:
            return ServiceStatus(self.name, addr, False, detail="not answering")
        version = _process.http_get(f"{api}/admin/version")
        v = json.loads(version.body) if version is not None and version.status == 200 else ""
        return ServiceStatus(self.name, addr, True, str(v), f"API {api}, UI http://{addr}")
