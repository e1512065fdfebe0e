"""veraPDF, fetched from Maven Central with its dependencies and cached like Elasticsearch.

``install`` writes a one-dependency POM (``org.verapdf.apps:greenfield-apps``) into the cache and runs
``mvn dependency:copy-dependencies``, so the CLI's classpath is one folder of jars:
``~/.cache/sohoa/verapdf/<version>/lib``. It is a program, not a server: start and stop do nothing.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from cli.services import _process
from cli.services.base import ServiceStatus
from cli.services.layout import Layout
from sohoa.errors import ServicesError
from sohoa.settings import Settings

__all__ = ["VeraPdfInstall", "verapdf_lib"]

log = logging.getLogger(__name__)

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.sohoa</groupId>
  <artifactId>verapdf-cli</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.verapdf.apps</groupId>
      <artifactId>greenfield-apps</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def verapdf_lib(settings: Settings) -> Path:
    """The folder of veraPDF's jars for the configured version."""
    return settings.cache_dir / "verapdf" / settings.archive.verapdf_version / "lib"


class VeraPdfInstall:
    """``sohoa services up`` step: veraPDF's jars in the cache."""

    name = "verapdf"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.layout = Layout.from_settings(settings)
        self.lib = verapdf_lib(settings)

    def install(self) -> None:
        """Fetch greenfield-apps and its dependencies with Maven, once per version."""
        version = self.settings.archive.verapdf_version
        if (self.lib / f"greenfield-apps-{version}.jar").is_file():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ServicesError("verapdf: Maven (mvn) is needed to fetch veraPDF: apt-get install maven")
        root = self.lib.parent
        root.mkdir(parents=True, exist_ok=True)
        (root / "pom.xml").write_text(POM.format(version=version))
        partial = root / "lib.part"
        shutil.rmtree(partial, ignore_errors=True)
        _process.run(
            [
                mvn,
                "-q",
                "-B",
                "-U",
                "-f",
                str(root / "pom.xml"),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={partial}",
            ],
            timeout=900,
            what="verapdf: download from Maven Central",
        )
        if not (partial / f"greenfield-apps-{version}.jar").is_file():
            raise ServicesError(f"verapdf: Maven finished but greenfield-apps-{version}.jar is missing")
        shutil.rmtree(self.lib, ignore_errors=True)
        partial.replace(self.lib)
        log.info("verapdf: installed %s in %s", version, self.lib)

    def start(self) -> None:
        """Nothing runs: veraPDF is started per validation."""

    def stop(self) -> bool:
        """Nothing runs."""
        return False

    def status(self) -> ServiceStatus:
        """Whether the jars are there."""
        version = self.settings.archive.verapdf_version
        ok = (self.lib / f"greenfield-apps-{version}.jar").is_file()
        detail = f"{len(list(self.lib.glob('*.jar')))} jars in {self.lib}" if ok else "not installed"
        return ServiceStatus(self.name, "-", ok, version if ok else "", detail)
