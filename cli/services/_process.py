"""Background processes with pid files and logs under the data folder, and small HTTP probes.

Only the local-services code uses this; production runs its services elsewhere.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sohoa.errors import ServicesError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpReply:
    """Status, headers and body of a probe."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def http_get(url: str, *, timeout: float = 3.0) -> HttpReply | None:
    """GET a URL; None when nothing answers. HTTP error statuses are replies, not failures."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - loopback URLs we build
            return HttpReply(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return HttpReply(e.code, dict(e.headers or {}), e.read() if e.fp else b"")
    except (urllib.error.URLError, OSError, TimeoutError):
        return None


def read_pid(pid_file: Path) -> int | None:
    """The pid in a pid file, if that process is alive."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    # A zombie child of ours still answers kill(0); treat it as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return None
    except OSError:
        pass
    return pid


def spawn(
    argv: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    env: Mapping[str, str],
    cwd: Path | None = None,
) -> int:
    """Start a detached process (own session), output appended to log_file, pid written to pid_file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed argument lists
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    pid_file.write_text(f"{proc.pid}\n")
    log.info("started %s (pid %d), log %s", Path(argv[0]).name, proc.pid, log_file)
    return proc.pid


def stop(pid_file: Path, *, name: str, timeout: float = 30.0) -> bool:
    """SIGTERM the process group in pid_file, SIGKILL after timeout. True if something was stopped."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    log.info("stopping %s (pid %d)", name, pid)
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_pid(pid_file) is None:
            break
        time.sleep(0.2)
    else:
        log.warning("%s did not stop in %.0f s: killing it", name, timeout)
        _signal_group(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def wait_until(
    check: Callable[[], bool],
    *,
    name: str,
    timeout: float,
    log_file: Path,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll check() until it is true; ServicesError naming the log on timeout or exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if alive is not None and not alive():
            raise ServicesError(f"{name} exited during start-up; see its log: {log_file}\n{tail(log_file)}")
        time.sleep(0.5)
    raise ServicesError(
        f"{name} was not healthy after {timeout:.0f} s; see its log: {log_file}\n{tail(log_file)}"
    )


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log yet)"


def run(argv: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None, what: str) -> str:
    """Run a set-up command to completion; ServicesError with its output when it fails."""
    log.info("%s: %s", what, " ".join(argv))
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument lists
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env) if env else None,
            check=False,
        )
    except FileNotFoundError as e:
        raise ServicesError(f"{what}: {argv[0]} is not installed") from e
    except subprocess.TimeoutExpired as e:
        raise ServicesError(f"{what}: timed out after {timeout:.0f} s") from e
    if done.returncode != 0:
        raise ServicesError(
            f"{what} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return done.stdout
