"""veraPDF, the reference PDF/A validator (greenfield CLI, run on a JVM), one call for many files.

The JVM takes seconds to start, so :func:`validate` checks a list of files in one call. Exit code 0 means
all compliant and 1 means some are not; a file it cannot parse gives another code, still with a JSON
report. A call that fails as a whole is split until the file that breaks it stands alone, so one file
never costs the others their verdicts; a file without a result is never taken as compliant.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sohoa.errors import ArchiveError, MissingDependencyError
from sohoa.model.archive import PdfaCheck, RuleFailure

__all__ = ["VeraPdf", "validate"]

log = logging.getLogger(__name__)

MAIN_CLASS = "org.verapdf.apps.GreenfieldCliWrapper"


@dataclass(frozen=True)
class VeraPdf:
    """Where veraPDF is installed: its jar folder (``lib/*.jar``) and the Java to run it with."""

    lib_dir: Path
    java: Path
    version: str = ""
    heap: str = "768m"

    def check(self) -> None:
        """Raise MissingDependencyError (with install advice) when Java or the jars are missing."""
        if not self.java.is_file():
            raise MissingDependencyError(f"veraPDF: Java not found at {self.java}; install Java 17+")
        if not any(self.lib_dir.glob("greenfield-apps-*.jar")):
            raise MissingDependencyError(
                f"veraPDF: not installed in {self.lib_dir}; run `sohoa services up` (fetches it with Maven)"
            )


@lru_cache(maxsize=4)
def java_major(java: Path) -> int:
    """The Java's major version (0 when it cannot be told), asked once per process."""
    try:
        out = subprocess.run(  # noqa: S603 - fixed argument list
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r'version "(\d+)', out.stderr + out.stdout)
    return int(m.group(1)) if m else 0


def _jvm_options(tool: VeraPdf) -> list[str]:
    opts = [
        f"-Xmx{tool.heap}",
        "-XX:+UseSerialGC",
        # C1 only: a validation run is short, and full JIT warm-up costs more than it saves (about half
        # the wall time of a 20-file call on a loaded 2-core machine)
        "-XX:TieredStopAtLevel=1",
    ]
    if java_major(tool.java) >= 19:
        # a class-data archive of veraPDF's classes, made by the first run: start-up about 40 % faster
        opts += [
            "-XX:+AutoCreateSharedArchive",
            f"-XX:SharedArchiveFile={tool.lib_dir.parent / 'verapdf.jsa'}",
        ]
    return opts


def _checks(job: dict[str, Any], validator: str) -> PdfaCheck:
    results = job.get("validationResult") or []
    if isinstance(results, dict):
        results = [results]
    if not results:
        return PdfaCheck(
            compliant=False, validator=validator, error=str(job.get("taskException", "no result"))
        )
    failures: list[RuleFailure] = []
    compliant = True
    profile = ""
    for r in results:
        profile = r.get("profileName", profile)
        compliant = compliant and bool(r.get("compliant")) and r.get("jobEndStatus", "normal") == "normal"
        for rule in (r.get("details") or {}).get("ruleSummaries", []):
            if rule.get("ruleStatus") == "FAILED" or rule.get("status") == "failed":
                failures.append(
                    RuleFailure(
                        clause=str(rule.get("clause", "")),
                        test=int(rule.get("testNumber", 0)),
                        description=str(rule.get("description", ""))[:500],
                        failed_checks=int(rule.get("failedChecks", 0)),
                    )
                )
    return PdfaCheck(
        compliant=compliant and not failures, profile=profile, validator=validator, failures=failures
    )


def validate(
    tool: VeraPdf, paths: Sequence[Path], *, flavour: str = "2b", timeout: float = 600.0
) -> dict[Path, PdfaCheck]:
    """Validate ``paths`` against PDF/A ``flavour`` in one JVM; a verdict for every path.

    When that call fails as a whole (the JVM crashed, ran out of memory or time, or wrote no readable
    report), the files are validated again in two halves, and so on down to the file that fails
    alone: it is reported as not compliant with the error, and the others keep their own verdicts.
    Each retry gets its share of ``timeout`` (at least a minute).

    Raises:
        MissingDependencyError: veraPDF or Java is not installed.
    """
    if not paths:
        return {}
    tool.check()
    try:
        return _validate_once(tool, paths, flavour=flavour, timeout=timeout)
    except ArchiveError as e:
        if len(paths) == 1:
            log.warning("veraPDF: %s: %s", paths[0].name, e.message)
            return {paths[0]: PdfaCheck(compliant=False, validator="veraPDF", error=e.message)}
        log.warning(
            "veraPDF: a call on %d files failed (%s); validating them in halves", len(paths), e.message
        )
    half = len(paths) // 2
    share = max(60.0, timeout / 2)
    out = validate(tool, paths[:half], flavour=flavour, timeout=share)
    out.update(validate(tool, paths[half:], flavour=flavour, timeout=share))
    return out


def _run(argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run the veraPDF JVM (the one place it is started, so tests can inject faults here)."""
    return subprocess.run(argv, capture_output=True, timeout=timeout, env=env, check=False)  # noqa: S603


def _validate_once(
    tool: VeraPdf, paths: Sequence[Path], *, flavour: str, timeout: float
) -> dict[Path, PdfaCheck]:
    """One JVM call on ``paths``.

    Raises:
        MissingDependencyError: Java cannot be run.
        ArchiveError: veraPDF timed out, crashed, or wrote no readable report.
    """
    argv = [
        str(tool.java),
        *_jvm_options(tool),
        "-cp",
        str(tool.lib_dir / "*"),
        MAIN_CLASS,
        "--flavour",
        flavour,
        "--format",
        "json",
        "--maxfailuresdisplayed",
        "3",
        *(str(p) for p in paths),
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(tool.lib_dir)}
    try:
        done = _run(argv, env, timeout)
    except subprocess.TimeoutExpired as e:
        raise ArchiveError(f"veraPDF: timed out after {timeout:.0f} s on {len(paths)} files") from e
    except OSError as e:
        raise MissingDependencyError(f"veraPDF: cannot run {tool.java}: {e}") from e
    # 0: all compliant, 1: some not; other codes (7: a file could not be parsed) still come with a
    # report for the files it could read, and the others have no result, so they count as failed
    try:
        report = json.loads(done.stdout)["report"]
    except (ValueError, KeyError) as e:
        raise ArchiveError(
            f"veraPDF failed (exit {done.returncode}): {done.stderr.decode(errors='replace')[-1500:]}"
        ) from e
    if done.returncode not in (0, 1):
        log.warning("veraPDF: exit %d on %d files: %s", done.returncode, len(paths), done.stderr[-300:])
    versions = report.get("buildInformation", {}).get("releaseDetails", [])
    validator = "veraPDF " + next((v["version"] for v in versions if v.get("id") == "core"), tool.version)
    by_name = {str(Path(j["itemDetails"]["name"])): j for j in report.get("jobs", [])}
    out: dict[Path, PdfaCheck] = {}
    for p in paths:
        job = by_name.get(str(p))
        out[p] = (
            _checks(job, validator)
            if job is not None
            else PdfaCheck(compliant=False, validator=validator, error="veraPDF reported nothing for it")
        )
        log.info("veraPDF: %s: %s", p.name, "compliant" if out[p].compliant else "NOT compliant")
    return out
