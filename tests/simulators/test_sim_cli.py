"""``sscard-sim``'s conventions (help, --version, exit codes, progress) and the holder and
key files it refuses, with the text a person sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from cardsvc.kit.text import TextRefusedError, checked_text
from keys.cli import main as keys_main
from readers.cli import main as read_main
from simulators.card.records import holder_name
from simulators.cli import cards as cards_cli
from simulators.cli import cli
from simulators.population import MAX_POPULATION, SyntheticResident, iter_population

SSCARD_SIM = str(Path(sys.executable).parent / "sscard-sim")
COMMANDS = (
    "card", "card create", "population", "population-csv", "province", "province create",
    "psam", "psam create", "vpcd", "serial",
)  # fmt: skip
COMMUNITY = "320102001001"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_line(text: str) -> str:
    return " ".join(text.split())


def province(out: Path, code: str = "320000") -> dict[str, Path]:
    result = invoke("province", "create", "--out", str(out), "--code", code)
    assert result.exit_code == 0, result.output
    return {
        "store": out / f"keys-{code}.json",
        "passphrase": out / f"keys-{code}.passphrase",
        "transport": out / f"keys-{code}.transport-key",
    }


def _command(path: str) -> click.Command:
    command: click.Command = cli
    for name in path.split():
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_of_every_command(command: str) -> None:
    result = invoke(*command.split(), "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: sscard-sim {command}".rstrip())
    assert "``" not in result.stdout


def test_help_shows_defaults_and_every_option_has_help() -> None:
    assert "[default: 3.00]" in one_line(invoke("card", "create", "--help").stdout)
    assert "[default: 320000]" in one_line(invoke("province", "create", "--help").stdout)
    assert "[default: T0]" in one_line(invoke("population", "--help").stdout)
    assert "[default: 2013]" in one_line(invoke("population-csv", "--help").stdout)
    vpcd = invoke("vpcd", "--help").stdout
    assert "  sscard-read read --reader 0 --psam-reader 1\n" in vpcd  # examples kept as lines
    for path in COMMANDS:
        for param in _command(path).params:
            if isinstance(param, click.Option):
                assert param.help, f"sscard-sim {path} {param.opts[0]} has no help"


def test_version_is_the_package_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"sscard-sim, version {version('sscard')}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["card", "create"], "Missing option '--out'"),
        (["card", "create", "--out", "c.json", "--generation", "4.00"], "'4.00' is not one of"),
        (["card", "create", "--out", "c.json", "--birth-date", "1990-02-30"], "not a date"),
        (["card", "create", "--out", "c.json", "--keys", "k.json"], "--keys needs"),
        (["card", "create", "--out", "c.json", "--register-csv", "d"], "needs --community"),
        (["population", "0", "--out", "d"], "0 is not in the range x>=1"),
        (["population-csv", "5", "--out", "d"], "Missing option '--community'"),
        (["province", "create", "--out", "d", "--code", "32"], "not a known GB/T 2260"),
        (["psam", "create", "--out", "p.json", "--transport-key-file", "t"], "'--terminal'"),
        (
            [
                "psam",
                "create",
                "--out",
                "p",
                "--terminal",
                "320500000001",
                "--transport-key-file",
                "t",
            ],
            "give the PSAM keys with one of --keys (a key store) or --export",
        ),
        (["vpcd", "--slot", "2"], "2 is not in the range 0<=x<=1"),
        (["serial", "--bogus"], "No such option '--bogus'"),
    ],
)
def test_a_mistake_in_the_command_line_exits_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in one_line(result.stderr)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_work_that_cannot_be_done_exits_1_and_says_why(tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    assert invoke("card", "create", "--out", str(card)).exit_code == 0
    result = invoke("card", "create", "--out", str(card))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {card} exists; use --force to overwrite it\n",
    )
    result = invoke("card", "create", "--out", str(tmp_path / "x.json"), "--photo", "/no.jpg")
    assert (result.exit_code, result.stderr) == (1, "Error: /no.jpg: No such file or directory\n")
    cards = tmp_path / "cards"
    assert invoke("population", "2", "--out", str(cards)).exit_code == 0
    result = invoke("population", "2", "--out", str(cards))
    assert result.exit_code == 1
    assert f"{cards} already holds 2 card files; use an empty directory" in result.stderr
    result = invoke("population-csv", "2", "--out", str(card), "--community", COMMUNITY)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {card} is a file, and --out names a directory\n"
    keys = province(tmp_path / "p")
    result = invoke("province", "create", "--out", str(tmp_path / "p"))
    assert result.exit_code == 1
    assert "already holds a key store of province 320000" in result.stderr
    wrong = tmp_path / "wrong.passphrase"
    wrong.write_text("not this store's\n")
    psam = ["psam", "create", "--out", str(tmp_path / "psam.json"), "--terminal", "320500000001"]
    result = invoke(
        *psam,
        *("--keys", str(keys["store"]), "--passphrase-file", str(wrong)),
        *("--transport-key-file", str(keys["transport"])),
    )
    assert result.exit_code == 1
    assert result.stderr.endswith(": check --passphrase-file is this store's\n")
    result = invoke(
        *psam, "--export", str(tmp_path / "none.json"), "--transport-key-file", str(wrong)
    )
    assert result.exit_code == 1
    assert f"{tmp_path / 'none.json'}: cannot read" in result.stderr
    result = invoke("vpcd", "--card", str(tmp_path / "none.json"))
    assert result.exit_code == 1
    assert result.stderr.endswith(f"{tmp_path / 'none.json'}: cannot read: No such file or "
                                  "directory\n")  # fmt: skip
    result = invoke("serial", "--card", str(tmp_path / "none.json"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "psam.json").exists()


def test_serial_quits_on_command_with_0(tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    assert invoke("card", "create", "--out", str(card)).exit_code == 0
    process = subprocess.run(
        [SSCARD_SIM, "serial", "--card", str(card)],
        input="quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 0
    assert process.stdout.startswith("/dev/pts/")


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["card", "create", "--out", "c.json", "--seed", "1"], 0, "wrote c.json: generation 3.00"),
        (["card", "create", "--out", "/proc/c.json"], 1, "Error: cannot write /proc/c.json:"),
        (["card", "create", "--out", "c.json", "--region", "999999"], 2, "Error: Invalid value"),
    ],
)
def test_the_real_program_exits_with_the_convention(
    args: list[str], exit_code: int, message: str, tmp_path: Path
) -> None:
    process = subprocess.run(
        [SSCARD_SIM, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert process.returncode == exit_code
    assert message in process.stderr
    assert "Traceback" not in process.stderr


def test_verbose_before_or_after_the_subcommand_logs_the_seed(tmp_path: Path) -> None:
    for args in (["-v", "card", "create"], ["card", "create", "-v"]):
        result = invoke(*args, "--out", str(tmp_path / f"{len(args[0])}.json"), "--seed", "77")
        assert result.exit_code == 0
        assert "INFO simulators.cli.cards: synthetic resident of seed 77" in result.stderr


# --- what a card cannot hold, and one region rule for cards and provinces ---


def test_a_name_the_card_cannot_encode_is_refused_naming_the_field(tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    result = invoke("card", "create", "--out", str(card), "--name", "吉𠮷")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for --name: '𠮷' (U+20BB7) cannot be written on a card: cards "
        "keep names in GBK, which has no such character; give the name as the issuer writes "
        "it\n"
    )
    assert "codec" not in result.stderr
    assert not card.exists()


@pytest.mark.parametrize(
    ("name", "generation", "message"),
    [
        ("张" * 16, "1.00", "the name is 32 GBK bytes and a 1.00 card holds 30"),
        ("张" * 26, "3.00", "the name is 52 GBK bytes and does not fit a 3.00 card: it holds 50"),
        ("  ", "2.00", "a name cannot be empty"),
    ],
)
def test_a_name_too_long_for_the_generation_is_refused(
    tmp_path: Path, name: str, generation: str, message: str
) -> None:
    card = tmp_path / "card.json"
    result = invoke(
        "card", "create", "--out", str(card), "--name", name, "--generation", generation
    )
    assert result.exit_code == 2
    assert f"Error: Invalid value for --name: {message}" in result.stderr
    assert not card.exists()


def test_a_long_name_fits_a_card_with_the_name_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = tmp_path / "card.json"
    name = "买买提·艾力·阿不都热合曼·吐尔逊"  # 33 GBK bytes: tags 09 and 4E
    assert invoke("card", "create", "--out", str(card), "--name", name).exit_code == 0
    assert read_main(["read", "--card-file", str(card)]) == 0
    assert capsys.readouterr().out.split("|")[4] == name


@pytest.mark.parametrize("code", ["999999", "990000"])
def test_province_and_card_region_codes_follow_the_same_rule(tmp_path: Path, code: str) -> None:
    refused = f"{code} is not a known GB/T 2260 region code"
    card = invoke("card", "create", "--out", str(tmp_path / "c.json"), "--region", code)
    assert (card.exit_code, refused in card.stderr) == (2, True)
    made = invoke("province", "create", "--out", str(tmp_path / "p"), "--code", code)
    assert (made.exit_code, refused in made.stderr) == (2, True)
    assert "Invalid value for '--code'" in made.stderr
    assert not (tmp_path / "p").exists()


def test_a_province_code_is_of_a_province(tmp_path: Path) -> None:
    made = invoke("province", "create", "--out", str(tmp_path / "p"), "--code", "320500")
    assert made.exit_code == 2
    assert made.stderr.endswith(
        "Error: Invalid value for '--code': 320500 is 江苏省苏州市, not a province: a "
        "province's code ends in 0000 (320000 for 江苏省)\n"
    )
    assert province(tmp_path / "gd", "440000")["store"].exists()


# --- psam create --export with the province's own transport key file ---


def _export(files: dict[str, Path], transport: str, out: Path) -> None:
    store = ["--store", str(files["store"]), "--passphrase-file", str(files["passphrase"])]
    assert keys_main([*store, "export-psam", "--transport", transport, "--out", str(out)]) == 0


def test_psam_from_an_export_under_the_provinces_transport_key(tmp_path: Path) -> None:
    files = province(tmp_path / "p")
    export = tmp_path / "psam-keys.json"
    _export(files, "factory-tk", export)
    psam, card = tmp_path / "psam.json", tmp_path / "card.json"
    result = invoke(
        *("psam", "create", "--out", str(psam), "--terminal", "320500000001"),
        *("--export", str(export), "--transport-key-file", str(files["transport"])),
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {psam}: PSAM for terminal 320500000001, 6 keys\n"
    keys = ["--keys", str(files["store"]), "--passphrase-file", str(files["passphrase"])]
    keys += ["--transport-key-file", str(files["transport"])]
    assert invoke("card", "create", "--out", str(card), *keys).exit_code == 0
    assert read_main(["read", "--card-file", str(card), "--psam-file", str(psam)]) == 0


def test_psam_from_an_export_under_another_transport_key_says_which_to_use(
    tmp_path: Path,
) -> None:
    files = province(tmp_path / "p")
    store = ["--store", str(files["store"]), "--passphrase-file", str(files["passphrase"])]
    assert keys_main([*store, "generate", "--label", "tk", "--algorithm", "SM4",
                      "--purpose", "TK"]) == 0  # fmt: skip
    export = tmp_path / "psam-keys.json"
    _export(files, "tk", export)
    tk_kcv = json.loads(export.read_text())["transport"]["kcv"]
    psam = tmp_path / "psam.json"
    result = invoke(
        *("psam", "create", "--out", str(psam), "--terminal", "320500000001"),
        *("--export", str(export), "--transport-key-file", str(files["transport"])),
    )
    assert result.exit_code == 1
    message = one_line(result.stderr)
    assert message.startswith(
        f"Error: {export} was not wrapped under the transport key in {files['transport']}: "
        f"the transport key does not match the export's: it is wrapped under transport key "
        f"tk v1 (SM4, 16 bytes, KCV {tk_kcv}); the file holds AES-256 key KCV "
    )
    assert "sscard-keys export-psam --transport LABEL" in message
    assert "factory-tk in a store of sscard-sim province create" in message
    assert "16 bytes, got 32" not in message
    assert not psam.exists()


def test_the_transport_key_file_is_the_format_province_create_writes(tmp_path: Path) -> None:
    files = province(tmp_path / "p")
    text = files["transport"].read_text(encoding="ascii")
    assert len(text) == 65
    assert text.endswith("\n")
    assert bytes.fromhex(text)  # 64 hex digits
    assert files["transport"].stat().st_mode & 0o777 == 0o600


# --- progress on a terminal, plain lines on a pipe ---


def test_population_shows_progress_on_a_terminal(tmp_path: Path, run_in_terminal: Any) -> None:
    shown = run_in_terminal([SSCARD_SIM, "population", "40", "--out", str(tmp_path / "c")])
    assert shown.exit_code == 0
    assert "cards" in shown.output
    assert "40/40" in shown.output
    assert "100%" in shown.output
    assert shown.output.rstrip().endswith(f"wrote 40 cards to {tmp_path / 'c'}")
    csv = [SSCARD_SIM, "population-csv", "30", "--out", str(tmp_path / "csv")]
    shown = run_in_terminal([*csv, "--community", COMMUNITY])
    assert shown.exit_code == 0
    assert "residents.csv" in shown.output
    assert "30/30" in shown.output


def test_population_piped_prints_only_what_it_wrote(tmp_path: Path) -> None:
    process = subprocess.run(
        [SSCARD_SIM, "population", "40", "--out", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    assert process.returncode == 0
    assert process.stdout == ""
    assert process.stderr == f"wrote 40 cards to {tmp_path / 'c'}\n"
    assert len(list((tmp_path / "c").glob("card-*.json"))) == 40


# --- a name the pipe string can carry, and the other holder text ---


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("张|三", "a name cannot hold '|': it separates the fields of the ministry's pipe string"),
        ("a\x01b", "the name holds U+0001, a control character: a name holds only visible"),
        ("张\t三", "the name holds U+0009, a control character"),
        ("张\n三", "the name holds U+000A, a control character"),
        ("张\u200b三", "the name holds U+200B ZERO WIDTH SPACE, an invisible format character"),
        (
            "\u202e张三",
            "the name holds U+202E RIGHT-TO-LEFT OVERRIDE, an invisible format character",
        ),
        ("张\u2028三", "the name holds U+2028 LINE SEPARATOR, a line separator"),
        ("张\ue000三", "the name holds U+E000, a private-use character"),
    ],
)
def test_a_name_that_would_break_the_pipe_string_is_refused(
    tmp_path: Path, name: str, message: str
) -> None:
    card = tmp_path / "card.json"
    result = invoke("card", "create", "--out", str(card), "--name", name)
    assert result.exit_code == 2, result.output
    assert f"Error: Invalid value for --name: {message}" in result.stderr
    assert result.stderr.count("\n") == 4  # usage, "Try", a blank line, the error
    assert not card.exists()


def test_a_name_is_trimmed_as_the_card_holds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = tmp_path / "card.json"
    assert invoke("card", "create", "--out", str(card), "--name", " 张 三\u3000").exit_code == 0
    assert read_main(["read", "--card-file", str(card)]) == 0
    assert capsys.readouterr().out.split("|")[4] == "张 三"  # inner spaces kept, ends trimmed
    assert read_main(["read", "--card-file", str(card), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["holder"]["name"] == "张 三"


def test_the_name_rule_refuses_what_cardsvc_refuses_in_any_text() -> None:
    """Every character of the Basic Multilingual Plane inside a name: the card's rule and
    cardsvc's text rule agree on which are control or invisible characters."""
    for code in range(0x10000):
        ch = chr(code)
        if ch == "|":
            continue
        try:
            checked_text(f"张{ch}三", max_length=30)
            service_refuses = False
        except TextRefusedError as refused:
            service_refuses = refused.code == "control_characters"
        try:
            holder_name(f"张{ch}三")
            card_refuses = False
        except ValueError:
            card_refuses = True
        assert card_refuses == service_refuses, f"U+{code:04X}"


@pytest.mark.parametrize("code", ["3201|0200101", "32010200100", "32010200100x", "1\n2"])
def test_a_community_code_is_twelve_digits(tmp_path: Path, code: str) -> None:
    card = tmp_path / "card.json"
    made = invoke("card", "create", "--out", str(card), "--register-csv", str(tmp_path / "r"),
                  "--community", code)  # fmt: skip
    assert made.exit_code == 2, made.output
    assert "Invalid value for '--community':" in made.stderr
    assert "is not a community station's unified code: 12 digits" in one_line(made.stderr)
    csv = invoke("population-csv", "3", "--out", str(tmp_path / "p"), "--community", code)
    assert csv.exit_code == 2
    assert "is not a community station's unified code" in one_line(csv.stderr)
    assert list(tmp_path.iterdir()) == []


# --- files: a missing directory is not made, what is read is bounded ---


def test_a_missing_directory_is_refused_not_made(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    keys = province(tmp_path / "p")
    for args, path in [
        (["card", "create", "--out"], missing / "card.json"),
        (["psam", "create", "--terminal", "320500000001", "--keys", str(keys["store"]),
          "--passphrase-file", str(keys["passphrase"]),
          "--transport-key-file", str(keys["transport"]), "--out"], missing / "psam.json"),
        (["population", "2", "--out"], missing / "cards"),
        (["population-csv", "2", "--community", COMMUNITY, "--out"], missing / "csv"),
        (["province", "create", "--out"], missing / "province"),
        (["card", "create", "--out", str(tmp_path / "c.json"), "--community", COMMUNITY,
          "--register-csv"], missing / "register"),
    ]:  # fmt: skip
        result = invoke(*args, str(path))
        assert (result.exit_code, result.stderr) == (
            1,
            f"Error: cannot write {path}: the directory {missing} does not exist; make it "
            "first, or give a path in an existing directory\n",
        )
        assert not missing.exists()
    assert not (tmp_path / "c.json").exists()


def test_population_and_province_make_their_own_directory(tmp_path: Path) -> None:
    assert invoke("population", "2", "--out", str(tmp_path / "cards")).exit_code == 0
    assert len(list((tmp_path / "cards").glob("card-*.json"))) == 2
    made = invoke("population-csv", "2", "--out", str(tmp_path / "csv"), "--community", COMMUNITY)
    assert made.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["cards.csv", "residents.csv"]


def test_province_create_leaves_just_its_three_files(tmp_path: Path) -> None:
    keys = province(tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "keys-320000.json",
        "keys-320000.passphrase",
        "keys-320000.transport-key",
    ]
    # The store still takes ceremonies: its lock file comes back with the first.
    store = ["--store", str(keys["store"]), "--passphrase-file", str(keys["passphrase"])]
    assert keys_main([*store, "generate", "--label", "x", "--algorithm", "SM4",
                      "--purpose", "IRK"]) == 0  # fmt: skip


def _oversized(path: Path, size: int) -> Path:
    with path.open("wb") as file:
        file.truncate(size)  # sparse: the size, without the disk
    return path


def test_input_files_of_a_size_no_such_file_has_are_refused(tmp_path: Path) -> None:
    keys = province(tmp_path / "p")
    big = _oversized(tmp_path / "big", 5 * 1024 * 1024)
    psam = ["psam", "create", "--out", str(tmp_path / "psam.json"), "--terminal", "320500000001"]
    cases = [
        (
            [*psam, "--keys", str(keys["store"]), "--passphrase-file", str(keys["passphrase"]),
             "--transport-key-file", str(big)],
            f"Error: {big} is not a transport key file: it holds 5,242,880 bytes, more than any "
            "transport key file (at most 4,096)\n",
        ),
        (
            [*psam, "--keys", str(keys["store"]), "--passphrase-file", str(big),
             "--transport-key-file", str(keys["transport"])],
            f"Error: {big} is not a passphrase file: it holds 5,242,880 bytes, more than any "
            "passphrase file (at most 4,096)\n",
        ),
        (
            [*psam, "--export", str(big), "--transport-key-file", str(keys["transport"])],
            f"Error: {big}: not a PSAM key export: it holds 5,242,880 bytes, more than any "
            "PSAM key export (at most 1,048,576)\n",
        ),
        (
            ["card", "create", "--out", str(tmp_path / "c.json"), "--photo", str(big)],
            f"Error: --photo {big}: 5242880 bytes, and a card holds a photo of at most 16384 "
            "bytes (16 KiB): make it smaller\n",
        ),
        (
            ["vpcd", "--card", str(big)],
            f"Error: {big}: not a soft card or PSAM file: it holds 5,242,880 bytes, more than "
            "any soft card or PSAM file (at most 1,048,576)\n",
        ),
        (
            ["card", "create", "--out", str(tmp_path / "c.json"), "--photo", str(tmp_path)],
            f"Error: --photo {tmp_path}: it is a directory, not a regular file; give a JPEG "
            "file\n",
        ),
    ]  # fmt: skip
    for args, message in cases:
        result = invoke(*args)
        assert (result.exit_code, result.stderr) == (1, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "p"]


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_a_pipe_given_as_a_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    """The real program, as the reviewer ran it: /dev/zero would be read for ever, a pipe
    with no writer would be waited on for ever."""
    if kind == "device":
        given = Path("/dev/zero")
    else:
        given = tmp_path / "fifo"
        os.mkfifo(given)
    keys = province(tmp_path / "p")
    process = subprocess.run(
        [SSCARD_SIM, "psam", "create", "--out", str(tmp_path / "psam.json"),
         "--terminal", "320500000001", "--keys", str(keys["store"]),
         "--passphrase-file", str(keys["passphrase"]), "--transport-key-file", str(given)],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert process.returncode == 1
    assert process.stderr == (
        f"Error: {given} is not a transport key file: it is a {kind}, not a regular file\n"
    )
    assert not (tmp_path / "psam.json").exists()


# --- population: streamed, and bounded ---


def test_population_writes_each_card_as_it_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "cards"
    made = []

    def checked(count: int, **kwargs: Any) -> Iterator[SyntheticResident]:
        for index, resident in enumerate(iter_population(count, **kwargs), start=1):
            # Before resident N is made, card N-1 is on disk: nothing is held back.
            assert sorted(p.name for p in out.glob("card-*.json")) == [
                f"card-{n:02d}.json" for n in range(1, index)
            ]
            made.append(resident)
            yield resident

    monkeypatch.setattr(cards_cli, "iter_population", checked)
    result = invoke("population", "12", "--out", str(out), "--seed", "4")
    assert result.exit_code == 0, result.output
    assert len(made) == 12
    assert len(list(out.glob("card-*.json"))) == 12


def test_population_csv_writes_rows_as_residents_are_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "csv"
    seen_on_disk = []

    def checked(count: int, **kwargs: Any) -> Iterator[SyntheticResident]:
        for index, resident in enumerate(iter_population(count, **kwargs), start=1):
            if index == 500:  # 499 rows of each file: past the write buffer, on disk
                seen_on_disk.extend(p.stat().st_size for p in out.glob(".*.csv.*.tmp"))
            yield resident

    monkeypatch.setattr(cards_cli, "iter_population", checked)
    result = invoke("population-csv", "600", "--out", str(out), "--community", COMMUNITY)
    assert result.exit_code == 0, result.output
    assert len(seen_on_disk) == 2
    assert all(size > 8192 for size in seen_on_disk)
    assert sorted(p.name for p in out.iterdir()) == ["cards.csv", "residents.csv"]


@pytest.mark.parametrize("command", ["population", "population-csv"])
def test_a_population_is_at_most_ten_million(tmp_path: Path, command: str) -> None:
    args = [command, str(MAX_POPULATION + 1), "--out", str(tmp_path / "out")]
    result = invoke(*args, "--community", COMMUNITY) if command.endswith("csv") else invoke(*args)
    assert result.exit_code == 2
    assert one_line(result.stderr).endswith(
        "Error: Invalid value for 'N': 10,000,001 is more than one run makes: at most "
        "10,000,000 (every number handed out is remembered, to keep them unique)"
    )
    assert f"at most {MAX_POPULATION:,}" in one_line(invoke(command, "--help").stdout)
    assert list(tmp_path.iterdir()) == []


def test_population_csv_stopped_half_way_leaves_no_half_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(count: int, **kwargs: Any) -> Iterator[SyntheticResident]:
        yield from iter_population(3, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(cards_cli, "iter_population", interrupted)
    out = tmp_path / "csv"
    result = invoke("population-csv", "1000", "--out", str(out), "--community", COMMUNITY)
    assert result.exit_code == 1  # click's "Aborted!"
    assert list(out.iterdir()) == []


# --- the conventions the three programs share ---


def test_version_has_a_short_form() -> None:
    assert invoke("-V").stdout == f"sscard-sim, version {version('sscard')}\n"


def test_logs_appear_only_with_verbose(tmp_path: Path) -> None:
    quiet = invoke("province", "create", "--out", str(tmp_path / "a"))
    assert quiet.exit_code == 0
    assert quiet.stderr == (
        f"wrote {tmp_path / 'a' / 'keys-320000.json'} (passphrase in "
        f"{tmp_path / 'a' / 'keys-320000.passphrase'}, factory transport key in "
        f"{tmp_path / 'a' / 'keys-320000.transport-key'})\n"
    )
    verbose = invoke("-v", "province", "create", "--out", str(tmp_path / "b"))
    assert "INFO simulators.cli.provinces: creating the key store" in verbose.stderr
