"""Insert, remove and swap soft cards in a running vpcd relay, by one-line text commands.

A FILE is a soft card (``sscard-sim card create``) or a soft PSAM (``sscard-sim psam
create``), told apart by the JSON document's ``"format"``: a terminal's set-up puts the
resident's card in slot 0 and its PSAM in slot 1.

``sscard-sim vpcd`` reads the commands from its standard input and, with ``--control
PATH``, from a Unix socket (one command per connection, one reply line back), so a demo or
a test can drive it from another process with ``send_command``::

    insert FILE    put the soft card or PSAM saved in FILE into the reader (it must be empty)
    remove         take the card out
    swap FILE      remove the card and insert the card or PSAM in FILE
    status         the reader and the card in it
    quit           stop the relay

Replies start with ``ok`` or ``error``.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from simulators.card.os import CardOS
from simulators.card.state import FORMAT as CARD_FORMAT
from simulators.card.state import CardStateError, card_from_json, read_json_document, saving_to
from simulators.psam_state import FORMAT as PSAM_FORMAT
from simulators.psam_state import psam_from_json
from simulators.vpcd import VpcdSlot

COMMANDS = ("insert", "remove", "swap", "status", "quit")
ACCEPT_POLL_SECONDS = 0.2


def load_chip(path: Path) -> CardOS:
    """The soft card or soft PSAM saved in ``path`` (CardStateError when it is neither).

    A card saves itself back to ``path`` after every change (PIN tries, writes), as
    ``load_card`` makes it; a PSAM keeps nothing to save.
    """
    source, document = read_json_document(path, "soft card or PSAM file")
    kind = document.get("format") if isinstance(document, dict) else None
    if kind == CARD_FORMAT:
        return card_from_json(document, source, on_change=saving_to(source))
    if kind == PSAM_FORMAT:
        return psam_from_json(document, source)
    raise CardStateError(
        source, f"neither a soft card ({CARD_FORMAT!r}) nor a soft PSAM ({PSAM_FORMAT!r}) file"
    )


class ControlPanel:
    """Runs text commands against one ``VpcdSlot``; ``stop`` is set by ``quit``."""

    def __init__(self, slot: VpcdSlot, *, load: Callable[[Path], CardOS] = load_chip) -> None:
        self.slot = slot
        self.stop = threading.Event()
        self._load = load
        self._lock = threading.Lock()
        self._card_file: Path | None = None

    def insert_file(self, path: Path) -> None:
        """Load the card or PSAM in ``path`` and insert it (ValueError/OSError on failure)."""
        card = self._load(path)
        self.slot.insert(card)
        self._card_file = path

    def handle(self, line: str) -> str:
        """One command line in, one reply line out."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return f"error {exc}"
        if not words:
            return "error empty command; commands: " + ", ".join(COMMANDS)
        command, arguments = words[0], words[1:]
        with self._lock:
            try:
                return self._run(command, arguments)
            except (ValueError, OSError) as exc:
                return f"error {exc}"

    def _run(self, command: str, arguments: list[str]) -> str:
        if command in ("insert", "swap"):
            if len(arguments) != 1:
                return f"error usage: {command} FILE"
            if command == "swap":
                self.slot.remove()
            self.insert_file(Path(arguments[0]))
            return f"ok {self.slot.reader}: inserted {arguments[0]}"
        if arguments:
            return f"error {command} takes no arguments"
        if command == "remove":
            if self.slot.remove() is None:
                return f"error {self.slot.reader} holds no card"
            self._card_file = None
            return f"ok {self.slot.reader}: removed"
        if command == "status":
            if self.slot.card is None:
                return f"ok {self.slot.reader}: empty"
            linked = "linked to pcscd" if self.slot.wait_connected(0) else "waiting for pcscd"
            return f"ok {self.slot.reader}: {self._card_file} ({linked})"
        if command == "quit":
            self.stop.set()
            return "ok stopping"
        return f"error unknown command {command!r}; commands: " + ", ".join(COMMANDS)


def serve_control_socket(path: Path, panel: ControlPanel) -> threading.Thread:
    """Answer commands on a Unix socket at ``path`` until ``panel.stop``; returns the thread."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(os.fspath(path))
    server.listen()
    server.settimeout(ACCEPT_POLL_SECONDS)

    def serve() -> None:
        with server:
            while not panel.stop.is_set():
                try:
                    client, _ = server.accept()
                except TimeoutError:
                    continue
                with client, client.makefile("rw", encoding="utf-8") as stream:
                    reply = panel.handle(stream.readline())
                    stream.write(reply + "\n")
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    thread = threading.Thread(target=serve, name="vpcd-control", daemon=True)
    thread.start()
    return thread


def send_command(path: Path, line: str, *, timeout: float = 10.0) -> str:
    """Send one command to a relay's control socket and return its reply line."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        client.connect(os.fspath(path))
        with client.makefile("rw", encoding="utf-8") as stream:
            stream.write(line.rstrip("\n") + "\n")
            stream.flush()
            return stream.readline().rstrip("\n")
