"""A window's two readers through the real pcscd: the resident's genuine 3.00 card in
"Virtual PCD 00 00", the terminal's PSAM in "Virtual PCD 00 01" relayed by ``sscard-sim
vpcd --slot 1`` from a soft PSAM file; ``sscard-read read/trace`` use both at once (the
card's transaction stays held while the PSAM answers on its own connection)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from readers.cli import main as read_main
from simulators.card.os import CardOS
from simulators.card.personalisation import CardPersonalisation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.population import generate_population, make_personalisation
from simulators.province import SyntheticProvince, create_synthetic_province
from simulators.psam import SoftPsam
from simulators.psam_keys import psam_keys_from_store
from simulators.psam_state import save_psam
from simulators.vpcd import READER_NAMES
from simulators.vpcd_control import send_command

CARD_READER, PSAM_READER = READER_NAMES
JIANGSU_TERMINAL = "320500000001"
GUANGDONG_TERMINAL = "440100000001"
PIN = "123456"
WaitForCard = Callable[..., int]


@dataclass(frozen=True)
class Window:
    """What the tests share: a genuine card's data and two provinces' PSAM files."""

    personalisation: CardPersonalisation
    card: Callable[[], SoftSocialSecurityCard]
    jiangsu_psam: Path
    guangdong_psam: Path


@pytest.fixture(scope="module")
def window(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Window]:
    directory = tmp_path_factory.mktemp("window")
    jiangsu = create_synthetic_province(directory, "320000")
    guangdong = create_synthetic_province(directory, "440000")
    psam_files = []
    for province, terminal in ((jiangsu, JIANGSU_TERMINAL), (guangdong, GUANGDONG_TERMINAL)):
        keys = psam_keys_from_store(province.store, province.transport)
        psam_files.append(directory / f"psam-{terminal}.json")
        save_psam(SoftPsam.with_keys(keys, terminal), psam_files[-1])
    resident = generate_population(1, seed=61, generations=("3.00",))[0]
    p = make_personalisation(resident)

    def genuine_card(province: SyntheticProvince = jiangsu) -> SoftSocialSecurityCard:
        return province.factory().personalised_card(p)

    yield Window(p, genuine_card, *psam_files)
    jiangsu.close()
    guangdong.close()


@pytest.fixture
def psam_relay(
    pcscd: int, window: Window, tmp_path: Path, wait_for_card: WaitForCard
) -> Iterator[Path]:
    """``sscard-sim vpcd --slot 1`` with Jiangsu's PSAM file; its control socket."""
    control = tmp_path / "psam.sock"
    command = [sys.executable, "-m", "simulators.cli", "vpcd", "--slot", "1"]
    process = subprocess.Popen(
        [*command, "--card", str(window.jiangsu_psam), "--control", str(control)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_card(PSAM_READER, present=True)
        yield control
    finally:
        process.communicate("quit\n", timeout=10)
        assert process.returncode == 0
        wait_for_card(PSAM_READER, present=False)


def test_read_checks_the_card_with_the_psam_in_the_second_reader(
    window: Window,
    psam_relay: Path,
    insert: Callable[[CardOS], int],
    wait_for_card: WaitForCard,
    capsys: pytest.CaptureFixture[str],
) -> None:
    insert(window.card())
    read = ["read", "--reader", CARD_READER, "--psam-reader", PSAM_READER]
    assert read_main(read) == 0
    captured = capsys.readouterr()
    fields = captured.out.strip().split("|")
    p = window.personalisation
    assert fields[1] == p.social_security_number  # withheld by a 3.00 card without a PSAM
    assert fields[2] == p.card_number
    assert fields[4] == p.name
    assert fields[9] == JIANGSU_TERMINAL
    assert "WARNING" not in captured.err

    first = wait_for_card(PSAM_READER, present=True)
    reply = send_command(psam_relay, f"swap {window.guangdong_psam}")
    assert reply == f"ok {PSAM_READER}: inserted {window.guangdong_psam}"
    assert wait_for_card(PSAM_READER, present=True) >> 16 > first >> 16
    assert read_main(read) == 1
    captured = capsys.readouterr()
    assert "error -21" in captured.err
    assert "does not match the card's region" in captured.err
    assert captured.out == ""  # never shown as a resident


def exchanges(trace: str, label: str) -> list[tuple[str, str]]:
    """(command, response) pairs of the lines labelled ``label`` ("" for the card)."""
    lines = [line for line in trace.splitlines() if line.startswith((f"{label}> ", f"{label}< "))]
    return [
        (command.split(" ", 1)[1], response.split(" ", 1)[1])
        for command, response in zip(lines[::2], lines[1::2], strict=True)
    ]


def cryptogram_after(pairs: list[tuple[str, str]], command_prefix: str) -> str:
    """The first answer with data from the command starting ``command_prefix`` on (on T=0
    it comes from GET RESPONSE), without its status word."""
    start = next(i for i, (command, _) in enumerate(pairs) if command.startswith(command_prefix))
    answer = next(r for _, r in pairs[start:] if r.endswith("90 00") and r != "90 00")
    return answer.removesuffix(" 90 00")


def check_trace(out: str) -> None:
    card, psam = exchanges(out, ""), exchanges(out, "PSAM")
    assert psam[0][0].startswith("00 A4 04 00 06 D1 56 00 00 05")  # the PSAM application
    assert not any("masked" in command + response for command, response in psam)
    # The cryptograms show in clear: the card's INTERNAL AUTHENTICATE answer is the one
    # the PSAM computed, and EXTERNAL AUTHENTICATE carries the PSAM's RKSSSE cryptogram.
    # INIT FOR CIPHER P1: two diversification levels, key type 8 (IRK) or 9 (RKSSSE).
    assert cryptogram_after(card, "00 88") == cryptogram_after(psam, "BF DE 48")
    read_cryptogram = cryptogram_after(psam, "BF DE 49")
    assert any(command.startswith(f"00 82 00 0A 10 {read_cryptogram}") for command, _ in card)
    # PIN and holder data are masked as without a PSAM.
    assert ("00 20 00 00 03 [3 bytes masked]", "90 00") in card
    holder = [response for command, response in card if command.startswith("00 B2 09 30")]
    assert holder
    assert all("masked" in response for response in holder)
    assert out.splitlines()[-1] == f"# {len(card)} APDUs to the card, {len(psam)} to the PSAM"


def test_trace_shows_the_psam_apdus_labelled_with_cryptograms_in_clear(
    window: Window,
    psam_relay: Path,
    insert: Callable[[CardOS], int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    insert(window.card())
    trace = ["trace", "--reader", CARD_READER, "--psam-reader", PSAM_READER, "--pin", PIN]
    assert read_main(trace) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {PSAM_READER} (PSAM): ATR 3B 6A")
    check_trace(out)


def test_trace_with_a_psam_file_needs_no_pcscd(
    window: Window, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card_file = tmp_path / "card.json"
    save_card(window.card(), card_file)
    trace = ["trace", "--card-file", str(card_file), "--psam-file", str(window.jiangsu_psam)]
    assert read_main([*trace, "--pin", PIN]) == 0
    check_trace(capsys.readouterr().out)
