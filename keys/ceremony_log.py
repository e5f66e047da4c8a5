"""The ceremony log: an append-only JSON-lines file whose lines form a SHA-256 hash chain.

Each line is ``{"seq", "time", "event", "details", "prev"}`` where ``prev`` is the SHA-256
(hex) of the previous line's bytes (64 zeros for the first line), so removing, reordering
or editing a line breaks the chain at the next one. Details hold labels, versions,
algorithms, purposes and check values — never key material (the types allow no bytes).

A ceremony step is logged before it takes effect: ``step`` takes the log's lock, writes a
``begun`` line, runs the step while holding the lock (so two ceremonies on one store are
one after the other: a label and version cannot be taken twice, on a token either), and
writes ``done`` with what the step made, or ``failed`` with why (a wrong passphrase or
PIN included).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from keys.errors import CeremonyLogCorrupted

Detail = str | int | list[str]
GENESIS = "0" * 64


def _now() -> datetime:
    return datetime.now(UTC)


class CeremonyLog:
    """Appends ceremony steps to the log at ``path`` (created on first use)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = _now) -> None:
        self.path = path
        self._clock = clock

    def append(self, event: str, details: dict[str, Detail]) -> None:
        """Verify the chain so far, then append one line (on disk before returning)."""
        with self._locked() as fd:
            self._write(fd, event, details)

    @contextmanager
    def step(self, event: str, details: dict[str, Detail]) -> Iterator[dict[str, Detail]]:
        """Log ``event`` as begun, run the block holding the log's lock, then log it done
        (with what the block put in the yielded dict) or failed (with the error's kind)."""
        with self._locked() as fd:
            self._write(fd, event, {**details, "status": "begun"})
            outcome: dict[str, Detail] = {}
            try:
                yield outcome
            except BaseException as error:
                reason = getattr(error, "log_reason", type(error).__name__)
                failed = {**details, **outcome, "status": "failed", "reason": reason}
                self._write(fd, event, failed)
                raise
            self._write(fd, event, {**details, **outcome, "status": "done"})

    @contextmanager
    def _locked(self) -> Iterator[int]:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)

    def _write(self, fd: int, event: str, details: dict[str, Detail]) -> None:
        with open(fd, "rb", closefd=False) as file:
            file.seek(0)
            lines = file.read().splitlines()
        seq, prev = _verify_lines(lines)
        entry = {
            "seq": seq,
            "time": self._clock().isoformat(timespec="seconds"),
            "event": event,
            "details": details,
            "prev": prev,
        }
        os.write(fd, json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() + b"\n")
        os.fsync(fd)


def verify_log(path: Path) -> int:
    """Check the whole hash chain; the number of steps, or ``CeremonyLogCorrupted``."""
    seq, _ = _verify_lines(path.read_bytes().splitlines())
    return seq - 1


def _verify_lines(lines: list[bytes]) -> tuple[int, str]:
    """The next sequence number and the hash the next line must carry."""
    prev = GENESIS
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line)
            carried, seq = entry["prev"], entry["seq"]
        except (ValueError, KeyError, TypeError):
            raise CeremonyLogCorrupted(number, "not a log entry") from None
        if carried != prev or seq != number:
            raise CeremonyLogCorrupted(number, "does not chain to the line before it")
        prev = hashlib.sha256(line).hexdigest()
    return len(lines) + 1, prev
