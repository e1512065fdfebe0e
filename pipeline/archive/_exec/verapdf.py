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
import queue
import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sohoa.errors import ArchiveError, MissingDependencyError
from sohoa.model.archive import PdfaCheck, RuleFailure

__all__ = ["VeraPdf", "VeraPdfServer", "validate"]

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


def _argv(tool: VeraPdf, flavour: str, *rest: str) -> list[str]:
    return [
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
        *rest,
    ]


def _env(tool: VeraPdf) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(tool.lib_dir)}


def _verdicts(report: dict[str, Any], paths: Sequence[Path], tool: VeraPdf) -> dict[Path, PdfaCheck]:
    """A verdict for each of ``paths`` from one veraPDF JSON report (no result: not compliant)."""
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


def _validate_once(
    tool: VeraPdf, paths: Sequence[Path], *, flavour: str, timeout: float
) -> dict[Path, PdfaCheck]:
    """One JVM call on ``paths``.

    Raises:
        MissingDependencyError: Java cannot be run.
        ArchiveError: veraPDF timed out, crashed, or wrote no readable report.
    """
    argv = _argv(tool, flavour, *(str(p) for p in paths))
    try:
        done = _run(argv, _env(tool), timeout)
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
    return _verdicts(report, paths, tool)


class VeraPdfServer:
    """One resident veraPDF JVM, given files as they are made; their verdicts when all are in.

    veraPDF's own ``--servermode`` (what its ``--processes`` option runs each child in): a path a line
    on stdin, and for each the name of a file holding its JSON report a line on stdout. So the JVM
    starts while the first copies are being made, and validates each while the next is made, instead
    of one call at the end that waits for the JVM's start and then for every file in turn.

    Whatever the JVM leaves without a report (it died, or a file took longer than ``timeout``) is
    validated again with :func:`validate`, which isolates a file that breaks it: one bad file never
    costs the others their verdicts.
    """

    def __init__(self, tool: VeraPdf, *, work: Path, flavour: str = "2b", timeout: float = 600.0) -> None:
        self.tool, self.work, self.flavour, self.timeout = tool, work, flavour, timeout
        self._submitted: list[Path] = []
        self._done: dict[Path, PdfaCheck] = {}
        self._gone = False  # the JVM ended (its reader said so)
        self._reports: queue.Queue[str | None] = queue.Queue()
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> VeraPdfServer:
        self.tool.check()
        self.work.mkdir(parents=True, exist_ok=True)
        argv = _argv(self.tool, self.flavour, "--servermode")
        argv.insert(1, f"-Djava.io.tmpdir={self.work}")  # its report files go to our scratch folder
        try:
            self._proc = _start(argv, _env(self.tool), self.work / "verapdf-stderr.log")
        except OSError as e:
            raise MissingDependencyError(f"veraPDF: cannot run {self.tool.java}: {e}") from e
        threading.Thread(target=self._read, args=(self._proc,), daemon=True, name="verapdf-reports").start()
        return self

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self._reports.put(line.decode(errors="replace").strip())
        self._reports.put(None)  # the JVM is gone

    def submit(self, path: Path) -> None:
        """Queue ``path`` for validation (returns at once)."""
        self._submitted.append(path)
        proc = self._proc
        if self._gone or proc is None or proc.stdin is None or proc.poll() is not None:
            return  # validated in a batch by results()
        if "\n" in str(path) or "\r" in str(path):
            return  # not a line of the protocol: validated in a batch by results()
        try:
            proc.stdin.write(f"{path}\n".encode())
            proc.stdin.flush()
        except OSError:
            log.warning("veraPDF: the resident JVM is gone; %s is validated at the end", path.name)

    def results(self) -> dict[Path, PdfaCheck]:
        """The verdict of every file submitted so far, waiting for those not done yet."""
        out = self._done
        wanted = {str(p): p for p in self._submitted}
        while len(out) < len(wanted) and not self._gone:
            try:
                line = self._reports.get(timeout=self.timeout)
            except queue.Empty:
                log.warning("veraPDF: no report in %.0f s; stopping the resident JVM", self.timeout)
                self._gone = True
                break
            if line is None:
                self._gone = True
                break
            report_file = Path(line)
            if not line.endswith(".xml") or not report_file.is_file():
                continue  # not a report line
            try:
                report = json.loads(report_file.read_text(encoding="utf-8") or "{}").get("report", {})
            except ValueError:
                report = {}
            finally:
                report_file.unlink(missing_ok=True)
            names = [str(Path(j["itemDetails"]["name"])) for j in report.get("jobs", [])]
            done = [wanted[n] for n in names if n in wanted and wanted[n] not in out]
            out.update(_verdicts(report, done, self.tool))
        missing = [p for p in self._submitted if p not in out]
        if missing:
            self._stop()
            log.warning(
                "veraPDF: %d files without a report from the resident JVM; validating them again",
                len(missing),
            )
            out.update(validate(self.tool, missing, flavour=self.flavour, timeout=self.timeout))
        return dict(out)

    def _stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __exit__(self, *exc: object) -> None:
        self._stop()
        for left in self.work.glob("tempReport*.xml"):
            left.unlink(missing_ok=True)


def _start(argv: list[str], env: dict[str, str], stderr: Path) -> subprocess.Popen[bytes]:
    """Start the resident veraPDF JVM (the one place it is started, so tests can inject faults here)."""
    with stderr.open("wb") as err:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - fixed argument list
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env
        )
