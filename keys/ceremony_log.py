"""The ceremony log: an append-only JSON-lines file whose lines form a SHA-256 hash chain.

Each line is ``{"seq", "time", "event", "details", "prev"}`` where ``prev`` is the SHA-256
(hex) of the previous line's bytes (64 zeros for the first line), so removing, reordering
or editing a line breaks the chain at the next one. Details hold labels, versions,
algorithms, purposes and check values — never key material (the types allow no bytes).

Lines written while the store is open also carry ``mac``: the store's own MAC
(``KeyStore.log_mac``, a key that never leaves the store) over the line without it. Someone
who can edit the file but cannot open the store cannot edit a line or recompute the chain
after it unseen. Anchors (``anchor``: the head's place and hash under the store's MAC,
kept elsewhere) find a cut tail too.

A ceremony step is logged before it takes effect: ``step`` takes the log's lock; once
the store is open, a ``begun`` line; the step runs while holding the lock (so two
ceremonies on one store are one after the other: a label and version cannot be taken
twice, on a token either); then ``done`` with what the step made, or ``failed`` with why.
Every line carries the store's MAC but a ``failed`` line of a step whose store could not
be opened (a wrong passphrase or PIN): a log whose MACs were stripped is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from keys.errors import AnchorRefused, CeremonyLogCorrupted
from keys.files import UnfitFile, check_opened, read_bounded

Detail = str | int | list[str]
GENESIS = "0" * 64
# A step's lines are about 400 bytes: this is hundreds of thousands of ceremonies.
MAX_LOG_BYTES = 256 * 1024 * 1024
# An anchor line is about 170 bytes.
MAX_ANCHORS_BYTES = 16 * 1024 * 1024
_HASH = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]+")
Signer = Callable[[bytes], bytes]
T = TypeVar("T")


class Step:
    """A ceremony step in progress: what it made (``details``), the store's MAC once the
    store is open (``opened``), and what to close after its last line (``keep``)."""

    def __init__(self, begin: Callable[[Signer], None]) -> None:
        self.details: dict[str, Detail] = {}
        self.sign: Signer | None = None
        self.resources = ExitStack()
        self._begin = begin

    def opened(self, sign: Signer) -> None:
        """The store is open: the step is logged as begun, under the store's MAC, before
        it does anything."""
        self.sign = sign
        self._begin(sign)

    def keep(self, resource: AbstractContextManager[T]) -> T:
        """Enter ``resource`` until the step's last line is written (an open store)."""
        return self.resources.enter_context(resource)


def _now() -> datetime:
    return datetime.now(UTC)


class CeremonyLog:
    """Appends ceremony steps to the log at ``path`` (created on first use)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = _now) -> None:
        self.path = path
        self._clock = clock

    def append(self, event: str, details: dict[str, Detail], sign: Signer | None = None) -> None:
        """Verify the chain so far, then append one line (on disk before returning)."""
        with self._locked() as fd:
            self._write(fd, event, details, sign)

    @contextmanager
    def step(self, event: str, details: dict[str, Detail]) -> Iterator[Step]:
        """Log ``event`` as begun, run the block holding the log's lock, then log it done
        (with what the block put in ``Step.details``) or failed (with the error's kind)."""
        with self._locked() as fd:
            step = Step(lambda sign: self._write(fd, event, {**details, "status": "begun"}, sign))
            with step.resources:
                try:
                    yield step
                except BaseException as error:
                    failed = {**details, **step.details, "status": "failed"}
                    self._write(fd, event, {**failed, "reason": type(error).__name__}, step.sign)
                    raise
                self._write(fd, event, {**details, **step.details, "status": "done"}, step.sign)

    @contextmanager
    def _locked(self) -> Iterator[int]:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            check_opened(self.path, fd, MAX_LOG_BYTES, "ceremony log")
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)

    def _write(self, fd: int, event: str, details: dict[str, Detail], sign: Signer | None) -> None:
        with open(fd, "rb", closefd=False) as file:
            file.seek(0)
            lines = file.read().splitlines()
        seq, prev = _verify_lines(lines)
        entry: dict[str, object] = {
            "seq": seq,
            "time": self._clock().isoformat(timespec="seconds"),
            "event": event,
            "details": details,
            "prev": prev,
        }
        if sign is not None:
            entry["mac"] = sign(_canonical(entry)).hex()
        os.write(fd, _canonical(entry) + b"\n")
        os.fsync(fd)


def _canonical(entry: dict[str, object]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()


def anchor(path: Path, sign: Signer) -> str:
    """A checkpoint of the log's head (its place and hash) under the store's MAC: one line
    to keep where the log's writers cannot write."""
    lines = _read_log(path)
    seq, head = _verify_lines(lines)
    content = {"seq": seq - 1, "head": head}
    return json.dumps({**content, "mac": sign(_canonical(dict(content))).hex()})


@dataclass(frozen=True)
class Anchor:
    """One checkpoint read back from an anchors file: the log had ``seq`` lines, the last
    of SHA-256 ``head``; ``mac`` is the store's over both. ``where`` names it for people
    ("anchors.jsonl line 3")."""

    seq: int
    head: str
    mac: str
    where: str


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors in ``path``, as ``anchor`` lines appended to it (blank lines skipped).

    ``UnfitFile`` naming the file when it is not an anchors file: not a regular file, too
    large, not text, no anchor in it, or a line that is not an anchor (its number given).
    """
    raw = read_bounded(path, MAX_ANCHORS_BYTES, "anchors file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnfitFile(path, "anchors file", "it is not text") from None
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            anchors.append(_parse_anchor(line, path, number))
    if not anchors:
        raise UnfitFile(path, "anchors file", "it holds no anchor (anchor-log appends one a line)")
    return anchors


def _parse_anchor(line: str, path: Path, number: int) -> Anchor:
    try:
        held = json.loads(line)
    except ValueError:
        held = None
    if (
        isinstance(held, dict)
        and set(held) == {"seq", "head", "mac"}
        and type(held["seq"]) is int
        and held["seq"] >= 0
        and isinstance(held["head"], str)
        and _HASH.fullmatch(held["head"])
        and isinstance(held["mac"], str)
        and _HEX.fullmatch(held["mac"])
    ):
        return Anchor(held["seq"], held["head"], held["mac"], f"{path} line {number}")
    raise UnfitFile(
        path,
        "anchors file",
        f"line {number} is not an anchor (anchor-log writes lines of seq, head and mac)",
    )


def verify_log(path: Path, sign: Signer | None = None, anchors: Sequence[Anchor] = ()) -> int:
    """Check the whole chain (and, given the store's MAC, every line's MAC and every
    anchor); the number of lines.

    ``AnchorRefused`` for an anchor this store did not make (the anchors file's fault, not
    the log's); ``CeremonyLogCorrupted`` for a log that is damaged, altered, or shorter than
    an anchor says it was.
    """
    lines = _read_log(path)
    seq, _ = _verify_lines(lines)
    if sign is None:
        return seq - 1
    for number, line in enumerate(lines, start=1):
        entry = json.loads(line)
        mac = entry.pop("mac", None)
        if mac is None:
            if entry["details"].get("status") != "failed":
                raise CeremonyLogCorrupted(number, "its MAC is missing: the line was rewritten")
        elif not hmac.compare_digest(mac, sign(_canonical(entry)).hex()):
            raise CeremonyLogCorrupted(number, "its MAC does not match: the line was edited")
    for held in anchors:
        content = _canonical({"seq": held.seq, "head": held.head})
        if not hmac.compare_digest(held.mac, sign(content).hex()):
            raise AnchorRefused(held.where)
    heads = [hashlib.sha256(line).hexdigest() for line in lines]
    for held in anchors:
        if held.seq > len(lines):
            raise CeremonyLogCorrupted(held.seq, "the log was cut after it was anchored")
        if held.seq > 0 and heads[held.seq - 1] != held.head:
            raise CeremonyLogCorrupted(held.seq, "the anchored line was rewritten")
    return seq - 1


def _read_log(path: Path) -> list[bytes]:
    return read_bounded(path, MAX_LOG_BYTES, "ceremony log").splitlines()


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
