"""``sscard-sim serial``: a simulated window reader on a pty, until stopped.

It prints the pty's path (open it with ``SerialReaderBackend(path)``), then reads
commands, one a line, from ``commands`` until it ends: ``insert FILE`` (a soft card file),
``remove``, ``quit``. After the commands end it serves on until ``stop`` or Ctrl-C.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from simulators.card.state import load_card
from simulators.serial.engine import SerialReaderSimulator
from simulators.serial.pty_reader import PtySerialReader


def serve_serial(
    card_file: Path | None,
    *,
    commands: Iterable[str] = sys.stdin,
    out: TextIO = sys.stdout,
    stop: threading.Event | None = None,
) -> int:
    """Serve a reader holding ``card_file`` (or empty); the exit status."""
    card = load_card(card_file) if card_file is not None else None
    with PtySerialReader(SerialReaderSimulator(card)) as reader:
        print(reader.path, file=out, flush=True)
        try:
            if _run_commands(reader, commands, out):
                (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass
    return 0


def _run_commands(reader: PtySerialReader, commands: Iterable[str], out: TextIO) -> bool:
    """Apply each command line; False when told to quit."""
    for line in commands:
        verb, _, argument = line.strip().partition(" ")
        if verb == "quit":
            return False
        try:
            message = _apply(reader, verb, argument.strip())
        except (ValueError, OSError) as exc:  # CardStateError is a ValueError
            message = f"{verb}: {exc}"
        if message:
            print(message, file=out, flush=True)
    return True


def _apply(reader: PtySerialReader, verb: str, argument: str) -> str:
    if not verb:
        return ""
    if verb == "remove":
        reader.remove()
        return "removed"
    if verb == "insert" and argument:
        reader.insert(load_card(Path(argument)))
        return f"inserted {argument}"
    return f"unknown command {verb!r}: insert FILE | remove | quit"
