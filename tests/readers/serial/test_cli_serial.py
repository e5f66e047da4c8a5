"""``sscard-sim serial`` serving a soft card on a pty, read by ``sscard-read read --serial``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from readers.cli import main as read_main
from simulators.cli import main as sim_main


def test_a_card_read_through_the_serial_simulator_matches_the_card_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    assert sim_main(["card", "create", "--out", str(card_file), "--seed", "9"]) == 0
    assert read_main(["read", "--card-file", str(card_file)]) == 0
    expected = capsys.readouterr().out

    with subprocess.Popen(
        [Path(sys.executable).parent / "sscard-sim", "serial", "--card", card_file],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdin is not None
        assert server.stdout is not None
        try:
            pty_path = server.stdout.readline().strip()
            assert pty_path.startswith("/dev/")
            assert read_main(["read", "--serial", pty_path]) == 0
            assert capsys.readouterr().out == expected
        finally:
            server.stdin.write("quit\n")
            server.stdin.flush()
        assert server.wait(timeout=10) == 0
