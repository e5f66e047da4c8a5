"""``sscard-read list/read/trace/doctor`` through pcscd; ``sscard-sim vpcd`` on command."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from readers.cli import main as read_main
from simulators.card.os import CardOS
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.vpcd import READER_NAMES, VpcdSlot
from simulators.vpcd_control import send_command

READER = READER_NAMES[0]
WaitForCard = Callable[..., int]


def test_list_shows_the_vpcd_readers(pcscd: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert read_main(["list"]) == 0
    assert capsys.readouterr().out.splitlines() == list(READER_NAMES)


def test_read_by_reader_name_prints_the_pipe_string_and_json(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
    capsys: pytest.CaptureFixture[str],
) -> None:
    card = make_card(41)
    insert(card)
    assert read_main(["read", "--reader", READER]) == 0
    pipe = capsys.readouterr().out.strip().split("|")
    assert pipe[5] == card.atr[4:].hex().upper()
    assert read_main(["read", "--reader", READER, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["card"]["atr"] == card.atr.hex().upper()


def test_trace_masks_the_pin_and_holder_data(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
    capsys: pytest.CaptureFixture[str],
) -> None:
    insert(make_card(42))
    assert read_main(["trace", "--reader", READER, "--pin", "123456"]) == 0
    out = capsys.readouterr().out
    assert "00 20 00 00 03 [3 bytes masked]" in out
    assert "12 34 56" not in out
    holder_answers = [
        answer
        for command, answer in zip(out.splitlines(), out.splitlines()[1:], strict=False)
        if command.startswith("> 00 B2") and command.split()[4] == "30"
    ]
    assert holder_answers
    assert all("masked" in answer for answer in holder_answers)


def test_doctor_reports_pcscd_readers_and_the_vpcd_driver(
    pcscd: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert read_main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "ok   PC/SC service" in out
    assert READER in out
    assert "libifdvpcd.so" in out


@pytest.fixture
def card_files(tmp_path: Path, make_card: Callable[[int], SoftSocialSecurityCard]) -> list[Path]:
    files = [tmp_path / "a.json", tmp_path / "b.json"]
    for seed, path in enumerate(files, start=43):
        save_card(make_card(seed), path)
    return files


@pytest.fixture
def sim_vpcd(
    pcscd: int, tmp_path: Path, card_files: list[Path], wait_for_card: WaitForCard
) -> Iterator[Path]:
    control = tmp_path / "control.sock"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.cli",
            "vpcd",
            "--card",
            str(card_files[0]),
            "--control",
            str(control),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield control
    finally:
        assert process.stdin is not None
        process.communicate("quit\n", timeout=10)
        assert process.returncode == 0
        wait_for_card(READER, present=False)


def test_sim_vpcd_runs_a_card_file_and_swaps_cards_on_command(
    sim_vpcd: Path, card_files: list[Path], wait_for_card: WaitForCard
) -> None:
    first = wait_for_card(READER, present=True)
    assert send_command(sim_vpcd, "status").startswith(f"ok {READER}: ")
    assert send_command(sim_vpcd, f"swap {card_files[1]}").startswith("ok")
    second = wait_for_card(READER, present=True, after=first)
    assert second >> 16 > first >> 16
    assert read_main(["read", "--reader", READER]) == 0
    assert send_command(sim_vpcd, "remove") == f"ok {READER}: removed"
    assert send_command(sim_vpcd, "remove").startswith("error")
    assert send_command(sim_vpcd, "dance").startswith("error unknown command")
