"""Running ``cardsvc`` as an operator does: in-process (click's runner, fast), as a real
process (exit statuses as a shell sees them), or on a terminal (a pseudo-terminal, for
progress bars and hidden prompts); and databases of its own, empty or seeded."""

from __future__ import annotations

import itertools
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from cardsvc.cli import cli
from tests.cardsvc.conftest import AUDIT_SECRET, POSTGRES_SERVER, TOKEN_SECRET, MissingService

# The service's secrets (a PostgreSQL database refuses the demo ones) and a cheap Argon2id:
# ``seed`` hashes 36 clerks' passwords.
ENVIRONMENT = {
    "CARDSVC_TOKEN_SECRET": TOKEN_SECRET,
    "CARDSVC_AUDIT_SECRET": AUDIT_SECRET.decode(),
    "CARDSVC_PASSWORD_TIME_COST": "1",
    "CARDSVC_PASSWORD_MEMORY_COST_KIB": "64",
}
_numbers = itertools.count(1)
# A terminal's control sequences (colours, cursor moves), removed from what it showed.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def invoke(url: str, *args: str, stdin: str | None = None, **environment: str) -> Result:
    """``cardsvc ARGS`` in this process, on the database at ``url``."""
    return CliRunner().invoke(
        cli,
        list(args),
        env={**ENVIRONMENT, "CARDSVC_DATABASE_URL": url, **environment},
        input=stdin,
    )


def no_traceback(result: Result) -> None:
    """The command ended as designed: an exit status, no exception escaping it."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def run(url: str, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``cardsvc ARGS`` as a process of its own, as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cardsvc.cli", *args],
        env={**os.environ, **ENVIRONMENT, "CARDSVC_DATABASE_URL": url, **environment},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@dataclass
class OnTerminal:
    status: int
    terminal: str  # what the terminal showed (standard error, input's echo), as text
    stdout: str


def on_terminal(
    url: str, args: Sequence[str], *, typed: Sequence[tuple[str, str]] = (), stdin_too: bool = False
) -> OnTerminal:
    """``cardsvc ARGS`` with standard error (and with ``stdin_too`` standard input) on a
    pseudo-terminal; ``typed``: (what to wait for on the terminal, the line to type then)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cardsvc.cli", *args],
        env={**os.environ, **ENVIRONMENT, "CARDSVC_DATABASE_URL": url, "COLUMNS": "120"},
        stdin=follower if stdin_too else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        start_new_session=True,  # no controlling terminal: prompts use standard input
    )
    os.close(follower)
    shown = b""
    pending = list(typed)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process closed its end
                break
            if not chunk:
                break
            shown += chunk
        if pending and pending[0][0].encode() in shown:
            os.write(leader, (pending.pop(0)[1] + "\n").encode())
        if process.poll() is not None and not ready:
            break
    assert process.stdout is not None
    with process.stdout:
        stdout = process.stdout.read().decode()
    status = process.wait(timeout=60)
    os.close(leader)
    return OnTerminal(status, _ESCAPES.sub("", shown.decode(errors="replace")), stdout)


@contextmanager
def new_database(kind: str, place: str, missing_service: MissingService) -> Iterator[str]:
    """The URL of a database nobody has made a schema in: a SQLite file not yet there
    (in the folder ``place``), or a new PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{place}/cardsvc-{next(_numbers)}.db"
        return
    name = f"sscard_cli_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # any connection failure: skip locally, fail on CI
        admin.dispose()
        missing_service(f"PostgreSQL is unreachable at {POSTGRES_SERVER}: {exc}")
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
