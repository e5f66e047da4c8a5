"""Start, find and stop the system's ``pcscd``, for tests and benchmarks of the real PC/SC path.

pcscd runs as a daemon; it writes its pid to ``/run/pcscd/pcscd.pid`` and listens on
``/run/pcscd/pcscd.comm``. With Debian's ``vsmartcard-vpcd`` installed it offers the vpcd
readers that ``simulators.vpcd`` relays soft cards into. Starting pcscd needs root (or a
pcscd already running): ``PcscdUnavailableError`` says what is missing.

There is one pcscd per machine and each vpcd port takes one card: ``claim_pcscd`` makes
test runs (and benchmarks) on one machine take turns instead of pulling each other's cards.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

RUN_DIR = Path("/run/pcscd")
SOCKET = RUN_DIR / "pcscd.comm"
PID_FILE = RUN_DIR / "pcscd.pid"
VPCD_CONFIG = Path("/etc/reader.conf.d/vpcd")
START_TIMEOUT_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 5.0
_POLL_SECONDS = 0.05
CLAIM_FILE = Path("/tmp/sscard-pcscd.lock")  # noqa: S108 - shared by every user's runs on purpose
_claim: list[int] = []  # the open lock file, held until this process exits


class PcscdUnavailableError(RuntimeError):
    """pcscd is not running and cannot be started here; the message says why."""


def pcscd_pid() -> int | None:
    """The pid of the running pcscd, or None."""
    try:
        text = PID_FILE.read_bytes().decode("ascii", "ignore")
    except OSError:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())  # pcscd pads the file with NULs
    if not digits or not SOCKET.exists():
        return None
    try:
        os.kill(int(digits), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # running as another user: it exists
    return int(digits)


def ensure_pcscd(timeout: float = START_TIMEOUT_SECONDS) -> int:
    """Start pcscd (with the vpcd readers) unless it runs; returns its pid."""
    pid = pcscd_pid()
    if pid is not None:
        return pid
    binary = shutil.which("pcscd") or (
        "/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None
    )
    if binary is None:
        raise PcscdUnavailableError("pcscd is not installed (Debian: apt-get install pcscd)")
    if not VPCD_CONFIG.exists():
        raise PcscdUnavailableError(
            f"{VPCD_CONFIG} is missing: install vsmartcard-vpcd for the virtual readers"
        )
    if os.geteuid() != 0:
        raise PcscdUnavailableError(
            "pcscd is not running and only root can start it: run sudo pcscd "
            "(or, as root: source scripts/bootstrap.sh && sscard_ensure_pcscd)"
        )
    # pcscd forks into the background: give it no pipes of ours to hold open.
    returncode = subprocess.call(  # noqa: S603
        [binary],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if returncode != 0:
        raise PcscdUnavailableError(f"{binary} failed to start (exit {returncode})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = pcscd_pid()
        if pid is not None:
            return pid
        time.sleep(_POLL_SECONDS)
    raise PcscdUnavailableError(f"pcscd did not come up within {timeout:g} s (no {SOCKET})")


def stop_pcscd(timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Terminate the running pcscd and wait until it is gone (no-op when none runs)."""
    pid = pcscd_pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(_POLL_SECONDS)
    raise PcscdUnavailableError(f"pcscd (pid {pid}) did not stop within {timeout:g} s")


def claim_pcscd() -> None:
    """Wait until no other process on this machine uses pcscd's vpcd readers, then hold
    them until this process exits. Idempotent within a process."""
    if _claim:
        return
    fd = os.open(CLAIM_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _claim.append(fd)
