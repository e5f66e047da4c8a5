"""``sscard-sim serial``'s server: a pty reader scripted by command lines."""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readers.card.session import SocialSecurityCardSession
from readers.connection import NoCardError
from readers.serial.backend import SerialReaderBackend
from simulators.card.state import save_card
from simulators.serial.serve import serve_serial

if TYPE_CHECKING:
    from tests.readers.serial.conftest import MakeCard

WAIT = 5.0  # seconds: a safety net against hangs, not a timing assertion


class Console:
    """Feeds command lines to the server and reads what it prints, line by line."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.printed: queue.Queue[str] = queue.Queue()
        self._partial = ""

    def commands(self) -> Iterator[str]:
        while (line := self.lines.get(timeout=WAIT)) is not None:
            yield line

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self.printed.put(line)
        return len(text)

    def flush(self) -> None:
        pass

    def say(self, line: str) -> str:
        self.lines.put(line)
        return self.printed.get(timeout=WAIT)


def test_the_server_prints_its_pty_and_obeys_commands(tmp_path: Path, make_card: MakeCard) -> None:
    card_file = tmp_path / "card.json"
    save_card(make_card("2.00", "T1"), card_file)
    console = Console()
    server = threading.Thread(
        target=serve_serial,
        args=(card_file,),
        kwargs={"commands": console.commands(), "out": console},
        daemon=True,
    )
    server.start()
    path = console.printed.get(timeout=WAIT)
    with SerialReaderBackend(path) as backend:
        with backend.connect(path) as connection:
            assert SocialSecurityCardSession(connection).read_card_info().generation == "2.00"
        assert console.say("remove") == "removed"
        with pytest.raises(NoCardError):
            backend.connect(path)
        assert console.say(f"insert {card_file}") == f"inserted {card_file}"
        with backend.connect(path) as connection:
            SocialSecurityCardSession(connection)
        assert console.say("remove") == "removed"
        assert console.say("remove") == "remove: the reader holds no card"
        assert console.say("fly") == "unknown command 'fly': insert FILE | remove | quit"
    console.lines.put("quit")
    server.join(WAIT)
    assert not server.is_alive()


def test_the_server_serves_until_stopped_once_commands_end() -> None:
    out, stop = io.StringIO(), threading.Event()
    stop.set()
    assert serve_serial(None, commands=[], out=out, stop=stop) == 0
    assert out.getvalue().startswith("/dev/")
