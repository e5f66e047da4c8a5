"""Fixtures every test package shares."""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

import pytest

MissingService = Callable[[str], NoReturn]


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def missing_service() -> MissingService:
    """``missing_service(reason)`` when a system service a test needs is not there.

    Under CI=true the suite promises to test the real thing (pcscd, PostgreSQL, SoftHSM2),
    so a missing service fails the test; on a developer's machine the test is skipped.
    """
    return _missing


@dataclass(frozen=True)
class TerminalRun:
    """What a program run on a terminal showed (stdout and stderr together), and its exit."""

    output: str
    exit_code: int


def _run_in_terminal(
    argv: Sequence[str],
    *,
    answers: Sequence[tuple[str, str]] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> TerminalRun:
    """Run ``argv`` with stdin, stdout and stderr on a new pseudo-terminal, as a person
    would; each ``(prompt, text)`` of ``answers`` is typed once ``prompt`` has shown."""
    primary, secondary = os.openpty()
    process = subprocess.Popen(
        list(argv),
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**os.environ, **(env or {}), "COLUMNS": "100"},
        start_new_session=True,
    )
    os.close(secondary)
    shown = b""
    answered = 0  # how much of ``shown`` the answers given so far have seen
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # EIO: every copy of the terminal's other side is closed
                    break
                if not chunk:
                    break
                shown += chunk
            if pending and pending[0][0].encode() in shown[answered:]:
                os.write(primary, pending.pop(0)[1].encode() + b"\n")
                answered = len(shown)
            elif not ready and process.poll() is not None:
                break
        else:
            process.kill()
            pytest.fail(f"{argv} did not end within {timeout} s; it showed {shown!r}")
        return TerminalRun(shown.decode("utf-8", "replace"), process.wait(timeout))
    finally:
        os.close(primary)


RunInTerminal = Callable[..., TerminalRun]


@pytest.fixture
def run_in_terminal() -> RunInTerminal:
    """``run_in_terminal(argv, answers=[("PIN: ", "123456")])``: a run on a real pty."""
    return _run_in_terminal
