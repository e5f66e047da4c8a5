"""``sscard-read``'s conventions: help, --version, exit codes, -v, the PIN prompt, reader
choice, and the messages of failed reads. Through pcscd: ``pcsc/test_pcsc_cli.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from readers.card.errors import CardNotGenuine, PinBlocked, WrongPin
from readers.cli import cli
from readers.cli.failures import explain
from readers.cli.selection import choose_reader
from readers.cli.toolkit import Failure
from readers.connection import (
    CardRemovedError,
    CardResetError,
    NoCardError,
    ReaderTimeoutError,
    ReaderUnavailableError,
    ServiceUnavailableError,
    SharingViolationError,
)
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.population import generate_population, make_personalisation

SSCARD_READ = str(Path(sys.executable).parent / "sscard-read")
COMMANDS = ("list", "read", "trace", "watch", "doctor")
NO_PCSCD = {"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"}  # pcsc-lite's socket, moved away


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    """A 2.00 soft card of a synthetic resident (PIN 123456)."""
    resident = generate_population(1, seed=11, generations=("2.00",))[0]
    path = tmp_path / "card.json"
    save_card(SoftSocialSecurityCard.personalised(make_personalisation(resident)), path)
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), env=env)


def tries_left(card_file: Path) -> int:
    return int(json.loads(card_file.read_text())["pin"]["tries_left"])


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_of_every_command(command: str) -> None:
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: sscard-read {command}".rstrip())
    assert "-v, --verbose" in result.stdout
    assert "``" not in result.stdout


def test_help_shows_defaults_and_environment_variables() -> None:
    read = " ".join(invoke("read", "--help").stdout.split())
    assert "[default: pipe]" in read
    assert "[env var: SSCARD_READER]" in read
    assert "[env var: SSCARD_PSAM_READER]" in read
    assert "--pin alone asks for it without echo" in read
    assert "[env var: SSCARD_READER]" in invoke("watch", "--help").stdout
    assert "Exit status: 0 done, 1 failed" in invoke("--help").stdout


def test_every_option_of_every_command_has_help() -> None:
    for name in COMMANDS:
        command = cli.commands[name]
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"sscard-read {name} {param.opts[0]} has no help"


def test_version_is_the_package_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"sscard-read, version {version('sscard')}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["read", "--bogus"], "No such option '--bogus'"),
        (["read"], "say where the card is: --reader | --serial | --card-file"),
        (["trace"], "say where the card is"),
        (["read", "--card-file", "c.json", "--serial", "/dev/ttyS0"], "exclude each other"),
        (["read", "--card-file", "c.json", "--format", "xml"], "'xml' is not one of"),
        (["read", "--card-file", "c.json", "--psam-file", "p", "--psam-reader", "1"], "exclude"),
        (["list", "extra"], "unexpected extra argument"),
        (["watch", "--bogus"], "No such option"),
        (["doctor", "--bogus"], "No such option"),
        (["dance"], "No such command 'dance'"),
    ],
)
def test_a_mistake_in_the_command_line_exits_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Try 'sscard-read" in result.stderr


def test_a_read_that_cannot_be_done_exits_1_with_what_to_do(
    card_file: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.json"
    result = invoke("read", "--card-file", str(missing))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {missing}: cannot read: No such file or directory\n"
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format": ')
    result = invoke("trace", "--card-file", str(corrupt))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {corrupt}: not JSON")
    result = invoke("read", "--card-file", str(card_file), "--psam-file", str(missing))
    assert result.exit_code == 1
    assert f"{missing}: cannot read" in result.stderr
    result = invoke("read", "--card-file", str(card_file), "--photo-out", str(missing / "p.jpg"))
    assert result.exit_code == 1
    assert f"Error: {missing / 'p.jpg'}: No such file or directory" in result.stderr
    result = invoke("read", "--serial", str(tmp_path / "ttyUSB9"))
    assert result.exit_code == 1
    assert "ttyUSB9 is unavailable" in result.stderr
    result = invoke("read", "--serial", "nowhere://reader")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --serial nowhere://reader: invalid URL, protocol")
    for failed in ("read", "trace"):
        result = invoke(failed, "--card-file", str(card_file), "--pin", "999999")
        assert result.exit_code == 1
        assert result.stderr.endswith("(error -51): give the right PIN with --pin\n")
    assert "Traceback" not in result.output


def test_a_read_that_works_exits_0(card_file: Path) -> None:
    result = invoke("read", "--card-file", str(card_file), "--pin", "123456")
    assert result.exit_code == 0
    assert result.stdout.count("|") == 11
    result = invoke("trace", "--card-file", str(card_file))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith(" APDUs")


def test_an_environment_reader_yields_to_a_card_file_on_the_command_line(
    card_file: Path,
) -> None:
    result = invoke("read", "--card-file", str(card_file), env={"SSCARD_READER": "0", **NO_PCSCD})
    assert result.exit_code == 0, result.output
    result = invoke("read", "--card-file", str(card_file), "--reader", "0")
    assert result.exit_code == 2
    assert "--reader and --card-file exclude each other" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_logs_the_steps_before_or_after_the_subcommand(card_file: Path, where: str) -> None:
    read = ["read", "--card-file", str(card_file)]
    result = invoke(*(["-v", *read] if where == "before" else [*read, "-v"]))
    assert result.exit_code == 0
    assert "INFO readers.cli.read: card in Virtual Reader 0: ATR 3B 6D" in result.stderr
    assert "DEBUG" not in result.stderr
    assert "INFO" not in invoke(*read).stderr


def test_very_verbose_logs_the_apdus_with_personal_data_masked(card_file: Path) -> None:
    holder = json.loads(invoke("read", "--card-file", str(card_file), "--format", "json").stdout)
    result = invoke("-v", "read", "--card-file", str(card_file), "-v", "--pin", "123456")
    assert result.exit_code == 0
    log = result.stderr
    assert "DEBUG readers.cli.read: > 00 A4 04 00 0F" in log  # SELECT SSSE
    assert "DEBUG readers.cli.read: > 00 20 00 00 03 [3 bytes masked]" in log  # VERIFY
    assert "DEBUG readers.cli.read: < [32 bytes masked] 90 00" in log  # the name's record
    ssn, name = holder["holder"]["social_security_number"], holder["holder"]["name"]
    assert ssn in result.stdout
    assert ssn not in log
    assert name not in log
    assert ssn.encode().hex(" ").upper() not in log


def test_pin_without_a_value_and_no_terminal_says_to_pass_it(card_file: Path) -> None:
    result = invoke("read", "--card-file", str(card_file), "--pin")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: --pin was given without a value and there is no terminal to ask for it: "
        "pass --pin PIN\n"
    )
    assert tries_left(card_file) == 3
    # The real program with stdin on /dev/null: the same, at once, no traceback.
    process = subprocess.run(
        [SSCARD_READ, "trace", "--card-file", str(card_file), "--pin"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 2
    assert "no terminal to ask for it: pass --pin PIN" in process.stderr
    assert "Traceback" not in process.stderr


def test_pin_without_a_value_is_asked_for_on_a_terminal_without_echo(
    card_file: Path, run_in_terminal: Any
) -> None:
    command = [SSCARD_READ, "read", "--card-file", str(card_file), "--pin"]
    wrong = run_in_terminal(command, answers=[("PIN: ", "864209")])
    assert wrong.exit_code == 1
    assert "PIN: " in wrong.output
    assert "wrong PIN, 2 tries left (error -51)" in wrong.output
    assert "864209" not in wrong.output  # typed, never shown
    assert tries_left(card_file) == 2
    right = run_in_terminal(command, answers=[("PIN: ", "123456")])
    assert right.exit_code == 0, right.output
    assert "123456" not in right.output
    assert tries_left(card_file) == 3


READERS = ["Virtual PCD 00 00", "Virtual PCD 00 01", "ACS ACR1252 Dual Reader PICC 00 00"]


@pytest.mark.parametrize(
    ("choice", "reader"),
    [
        ("0", "Virtual PCD 00 00"),
        ("2", "ACS ACR1252 Dual Reader PICC 00 00"),
        ("PCD 00 01", "Virtual PCD 00 01"),
        ("pcd 00 01", "Virtual PCD 00 01"),
        ("acr1252", "ACS ACR1252 Dual Reader PICC 00 00"),
        ("virtual pcd 00 00", "Virtual PCD 00 00"),
    ],
)
def test_a_reader_is_chosen_by_number_or_a_part_of_its_name(choice: str, reader: str) -> None:
    assert choose_reader(READERS, choice) == reader


def test_a_full_name_chooses_its_reader_even_inside_a_longer_name() -> None:
    readers = ["Reader 0", "Reader 0 (contactless)"]
    assert choose_reader(readers, "reader 0") == "Reader 0"
    with pytest.raises(Failure, match="2 readers match 'reader'"):
        choose_reader(readers, "reader")


@pytest.mark.parametrize(
    ("choice", "problem"),
    [
        ("3", "there is no reader number 3"),
        ("PCD", "2 readers match 'PCD'"),
        ("Gemalto", "no reader matches 'Gemalto'"),
    ],
)
def test_a_wrong_reader_choice_fails_with_the_numbered_readers(choice: str, problem: str) -> None:
    with pytest.raises(Failure) as failed:
        choose_reader(READERS, choice, "--psam-reader")
    assert failed.value.exit_code == 1
    assert failed.value.message == (
        f"--psam-reader: {problem}. The readers present:\n"
        "  0: Virtual PCD 00 00\n"
        "  1: Virtual PCD 00 01\n"
        "  2: ACS ACR1252 Dual Reader PICC 00 00\n"
        "Give --psam-reader a reader's number or a part of its name only it has."
    )


def test_no_reader_at_all_says_how_to_get_one() -> None:
    with pytest.raises(Failure, match=r"no PC/SC reader is present\. Plug one in"):
        choose_reader([], "0")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (WrongPin(1), "wrong PIN, 1 tries left (error -51): give the right PIN with --pin"),
        (PinBlocked(), "PIN is blocked: unblock it at a service window (error -52)"),
        (CardNotGenuine("the card cannot authenticate itself"), "itself (error -21)"),
        (NoCardError("connect", pcsc_code="SCARD_E_NO_SMARTCARD"), "insert one and try again"),
        (
            CardRemovedError("transmit"),
            "the card was taken out during the read (transmit): put it back and read again",
        ),
        (CardResetError("transmit"), "reset the card during the read (transmit): read it again"),
        (ServiceUnavailableError("list readers"), "start it (sudo systemctl start pcscd.socket)"),
        (ReaderUnavailableError("connect"), "the reader is gone (connect): plug it back in"),
        (SharingViolationError("connect"), "holds the card for itself (connect): close it"),
        (ReaderTimeoutError("transmit"), "check its cable and power, then try again"),
        (FileNotFoundError(2, "No such file or directory", "/x.jpg"), "/x.jpg: No such file"),
        (ModuleNotFoundError("no smartcard", name="smartcard"), "install the project's [pcsc]"),
    ],
)
def test_each_failure_says_what_was_wrong_and_what_to_do(error: Exception, message: str) -> None:
    explained = explain(error)
    assert explained is not None
    assert message in explained
    assert "\n" not in explained
    assert "`" not in explained  # plain text, not Markdown


def test_an_unknown_error_is_left_to_show_as_a_bug() -> None:
    assert explain(ZeroDivisionError("division by zero")) is None


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["read", "--bogus"], 2, "Error: No such option '--bogus'"),
        (["list"], 1, "Error: pcscd is not reachable or refuses this user"),
        (["read", "--reader", "0"], 1, "Error: pcscd is not reachable"),
        (["watch", "--reader", "0"], 1, "Error: pcscd is not reachable"),
        (["doctor"], 1, "FAIL PC/SC service: no context: SCARD_E_NO_SERVICE"),
    ],
)
def test_the_real_program_exits_with_the_convention_when_pcscd_is_down(
    args: list[str], exit_code: int, message: str
) -> None:
    process = subprocess.run(
        [SSCARD_READ, *args],
        env={**os.environ, **NO_PCSCD},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == exit_code
    assert message in process.stdout + process.stderr
    assert "Traceback" not in process.stderr


def test_version_has_a_short_form() -> None:
    assert invoke("-V").stdout == f"sscard-read, version {version('sscard')}\n"


def test_trace_help_says_what_it_prints() -> None:
    shown = " ".join(invoke("trace", "--help").stdout.split())
    assert (
        "Read one card and print every APDU of the read, PIN and personal data masked. With a "
        'PSAM, its APDUs are printed too, each line starting "PSAM". The last line counts the '
        "APDUs." in shown
    )
    assert "A read's APDUs (PIN and personal data masked)." in invoke("--help").stdout


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_plain_text(command: str) -> None:
    shown = invoke(*command.split(), "--help").stdout
    assert "`" not in shown
    assert "-V, --version" in shown or command


def test_a_card_or_psam_file_larger_than_any_is_refused_in_one_line(
    card_file: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as file:
        file.truncate(4 * 1024**3)  # sparse: 4 GiB of zeros, as /dev/zero read for a while
    result = invoke("read", "--card-file", str(big))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {big}: not a soft card file: it holds 4,294,967,296 bytes, more than any "
        "soft card file (at most 1,048,576)\n",
    )
    result = invoke("trace", "--card-file", str(card_file), "--psam-file", str(big))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {big}: not a soft PSAM file: it holds 4,294,967,296 bytes, more than any "
        "soft PSAM file (at most 1,048,576)\n",
    )
    assert result.stdout == ""
    result = invoke("read", "--card-file", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {tmp_path}: not a soft card file: it is a directory, not a regular file\n",
    )


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_a_pipe_as_the_card_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "device":
        given = Path("/dev/zero")
    else:
        given = tmp_path / "fifo"
        os.mkfifo(given)
    process = subprocess.run(
        [SSCARD_READ, "read", "--card-file", str(given)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (process.returncode, process.stdout) == (1, "")
    assert process.stderr == (
        f"Error: {given}: not a soft card file: it is a {kind}, not a regular file\n"
    )
