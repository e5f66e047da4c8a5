"""``sscard-read list/read/trace/doctor`` through pcscd; ``sscard-sim vpcd`` on command."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from readers.cli import cli as read_cli
from readers.cli import main as read_main
from simulators.card.os import CardOS
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.population import generate_population
from simulators.vpcd import READER_NAMES, VpcdSlot
from simulators.vpcd_control import send_command

READER = READER_NAMES[0]
SSCARD_READ = str(Path(sys.executable).parent / "sscard-read")
WaitForCard = Callable[..., int]
RunInTerminal = Callable[..., Any]


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


# --- readers chosen by number or by a part of the name; failures that say what to do ---


def test_read_by_reader_number_or_a_part_of_its_name(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
    capsys: pytest.CaptureFixture[str],
) -> None:
    card = make_card(46)
    insert(card)
    pipes = []
    for choice in ("0", "pcd 00 00", "Virtual PCD 00 00"):
        assert read_main(["read", "--reader", choice]) == 0
        pipes.append(capsys.readouterr().out)
    assert pipes[0] == pipes[1] == pipes[2]
    [resident] = generate_population(1, seed=46, generations=("2.00",))  # make_card(46)'s
    assert pipes[0].split("|")[1] == resident.social_security_number


def test_read_takes_the_reader_from_the_environment(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
) -> None:
    insert(make_card(47))
    result = CliRunner().invoke(read_cli, ["read"], env={"SSCARD_READER": "PCD 00 00"})
    assert result.exit_code == 0, result.output
    assert result.stdout.count("|") == 11


READER_LIST = "  0: Virtual PCD 00 00\n  1: Virtual PCD 00 01\n"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--reader", "PCD"], "--reader: 2 readers match 'PCD'"),
        (["--reader", "7"], "--reader: there is no reader number 7"),
        (["--reader", "0", "--psam-reader", "omnikey"], "--psam-reader: no reader matches"),
    ],
)
def test_a_wrong_reader_choice_exits_1_and_lists_the_readers(
    pcscd: int, args: list[str], problem: str
) -> None:
    process = subprocess.run(
        [SSCARD_READ, "read", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert process.returncode == 1
    assert process.stderr.startswith(f"Error: {problem}")
    assert f"The readers present:\n{READER_LIST}Give " in process.stderr


def test_an_empty_reader_exits_1_saying_to_insert_a_card(
    pcscd: int, wait_for_card: WaitForCard, capsys: pytest.CaptureFixture[str]
) -> None:
    wait_for_card(READER_NAMES[1], present=False)
    assert read_main(["read", "--reader", "1"]) == 1
    assert capsys.readouterr().err == (
        "Error: no card in reader 'Virtual PCD 00 01': insert one and try again\n"
    )


def test_a_card_pulled_mid_read_exits_1_saying_to_read_again(
    pcscd: int,
    wait_for_card: WaitForCard,
    make_card: Callable[[int], SoftSocialSecurityCard],
    capsys: pytest.CaptureFixture[str],
) -> None:
    read_binary = bytes.fromhex("00B0")  # the photo: the read's last part
    pulling = VpcdSlot(0, fault=lambda apdu: apdu.startswith(read_binary))
    try:
        wait_for_card(READER, present=False)
        pulling.insert(make_card(48))
        wait_for_card(READER, present=True)
        assert read_main(["read", "--reader", "0"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("Error: the card was taken out during the read (")
        assert err.endswith("): put it back and read again\n")
    finally:
        pulling.close()
    wait_for_card(READER, present=False)


def test_list_on_a_terminal_is_a_numbered_table(pcscd: int, run_in_terminal: RunInTerminal) -> None:
    shown = run_in_terminal([SSCARD_READ, "list"])
    assert shown.exit_code == 0
    rows = [line for line in shown.output.splitlines() if "Virtual PCD" in line]
    assert [" ".join(row.strip("│┃ ").split()) for row in rows] == [
        "0 │ Virtual PCD 00 00",
        "1 │ Virtual PCD 00 01",
    ]
    assert "reader" in shown.output.splitlines()[1]


# --- sscard-read watch: the backend's event stream, live, until Ctrl-C ---


class Watch:
    """``sscard-read watch`` as a subprocess; its output lines as they come."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [SSCARD_READ, "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, event: str) -> str:
        """The next line showing ``event`` (after its time), skipping others; 30 s at most."""
        while True:
            try:
                line = self.lines.get(timeout=30)
            except queue.Empty:
                pytest.fail(f"watch showed no {event!r} within 30 s; it showed {self.seen}")
            self.seen.append(line)
            if line.split(" ", 1)[1].startswith(event):
                return line

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: its exit status and stderr."""
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=30)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.process.returncode, err


def test_watch_shows_insertions_and_removals_live_until_ctrl_c(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
) -> None:
    watch = Watch()
    try:
        watch.expect(f"reader added: {READER_NAMES[0]}")
        watch.expect(f"reader added: {READER_NAMES[1]}")
        card = make_card(49)
        counter = insert(card)
        inserted = watch.expect(f"card inserted: {READER}")
        slot.remove()
        removed = watch.expect(f"card removed: {READER}")
    finally:
        exit_code, err = watch.interrupt()
    assert re.fullmatch(r"\d\d:\d\d:\d\d card inserted: .*", inserted)
    assert inserted.endswith(
        f"card inserted: {READER}, event {counter}, ATR {card.atr.hex(' ').upper()}"
    )
    assert removed.endswith(f"card removed: {READER}, event {counter}")
    assert exit_code == 0
    assert err == "sscard-read: watching every PC/SC reader; Ctrl-C stops\n"


def test_watch_of_one_reader_shows_only_its_events(
    slot: VpcdSlot,
    insert: Callable[[CardOS], int],
    make_card: Callable[[int], SoftSocialSecurityCard],
    wait_for_card: WaitForCard,
) -> None:
    watch = Watch("--reader", "pcd 00 01")
    other = VpcdSlot(1)
    try:
        watch.expect(f"reader added: {READER_NAMES[1]}")
        insert(make_card(50))  # slot 0: not shown
        slot.remove()
        wait_for_card(READER, present=False)
        other.insert(make_card(51))
        watch.expect(f"card inserted: {READER_NAMES[1]}")
        other.remove()
        watch.expect(f"card removed: {READER_NAMES[1]}")
    finally:
        other.close()
        exit_code, err = watch.interrupt()
    assert exit_code == 0
    assert err == f"sscard-read: watching {READER_NAMES[1]}; Ctrl-C stops\n"
    assert all(READER_NAMES[0] not in line for line in watch.seen)
    assert [line.split(" ", 1)[1].split(":")[0] for line in watch.seen] == [
        "reader added",
        "card inserted",
        "card removed",
    ]
