"""The local MinIO: the real server built from the Go module proxy at a pinned revision, binary cached."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from cli.services import _process
from cli.services.base import ServiceStatus
from cli.services.layout import Layout, ensure_local_env, host_port, is_loopback
from sohoa.errors import ServicesError
from sohoa.settings import Settings

log = logging.getLogger(__name__)

# What `@latest` resolved to when pinned; MinIO's release tags are not semver, so pin the pseudo-version.
MINIO_MODULE = "github.com/minio/minio"
MINIO_REVISION = "v0.0.0-20260212201848-7aac2a2c5b7c"
CONSOLE_PORT_OFFSET = 1


class Minio:
    """Install, start, stop and probe the local MinIO."""

    name = "minio"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.layout = Layout.from_settings(settings)
        self.host, self.port = host_port(settings.minio.endpoint, 9000)
        self.root = self.layout.home / "minio"
        self.binary = self.layout.cache / "minio" / MINIO_REVISION / "minio"
        self.managed = is_loopback(self.host)

    def install(self) -> None:
        """``go install`` the pinned revision into the cache (about 2.5 minutes cold, instant warm)."""
        if not self.managed or self.binary.is_file():
            return
        go = shutil.which("go") or (
            "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").is_file() else None
        )
        if go is None:
            raise ServicesError("minio: Go is needed to build the server (https://go.dev/doc/install)")
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        _process.run(
            [go, "install", f"{MINIO_MODULE}@{MINIO_REVISION}"],
            timeout=1200,
            env={**os.environ, "GOBIN": str(self.binary.parent), "CGO_ENABLED": "0"},
            what="minio: go install",
        )
        if not self.binary.is_file():
            raise ServicesError(f"minio: go install finished but {self.binary} is missing")

    def start(self) -> None:
        """Start MinIO unless it already answers; wait for /minio/health/live."""
        if not self.managed or self.status().healthy:
            return
        self.install()
        creds = ensure_local_env(self.layout)
        for d in ("data", "certs"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "MINIO_ROOT_USER": creds["SOHOA_MINIO__ACCESS_KEY"],
            "MINIO_ROOT_PASSWORD": creds["SOHOA_MINIO__SECRET_KEY"],
            "MINIO_BROWSER_REDIRECT": "off",
            "MINIO_UPDATE": "off",
        }
        argv = [
            str(self.binary),
            "server",
            str(self.root / "data"),
            "--address",
            f"{self.host}:{self.port}",
            "--console-address",
            f"{self.host}:{self.port + CONSOLE_PORT_OFFSET}",
            "--certs-dir",
            str(self.root / "certs"),
            "--quiet",
        ]
        log_file = self.layout.log(self.name)
        pid_file = self.layout.pid(self.name)
        _process.spawn(argv, log_file=log_file, pid_file=pid_file, env=env)
        _process.wait_until(
            lambda: self.status().healthy,
            name="MinIO",
            timeout=60,
            log_file=log_file,
            alive=lambda: _process.read_pid(pid_file) is not None,
        )

    def stop(self) -> bool:
        """Stop the local MinIO."""
        return _process.stop(self.layout.pid(self.name), name="MinIO")

    def status(self) -> ServiceStatus:
        """Liveness from /minio/health/live (200 with ``Server: MinIO``) and the binary's version."""
        addr = f"{self.host}:{self.port}"
        if not self.managed:
            return ServiceStatus(
                self.name, self.settings.minio.endpoint, False, detail="external", managed=False
            )
        live = _process.http_get(f"http://{addr}/minio/health/live")
        if live is None:
            return ServiceStatus(self.name, addr, False, detail="not answering")
        server = live.headers.get("Server", "")
        healthy = live.status == 200 and server.startswith("MinIO")
        return ServiceStatus(
            self.name,
            addr,
            healthy,
            self._version(),
            f"live {live.status}, Server: {server}; "
            f"console http://{self.host}:{self.port + CONSOLE_PORT_OFFSET}",
        )

    def _version(self) -> str:
        if not self.binary.is_file():
            return ""
        try:
            out = subprocess.run(  # noqa: S603
                [str(self.binary), "--version"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""
        first = out.splitlines()[0] if out else ""
        return f"{first.replace('minio version ', '')} @ {MINIO_REVISION}".strip()
