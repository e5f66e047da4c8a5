"""``sscard-sim``'s conventions (help, --version, exit codes, progress) and the holder and
key files it refuses, with the text a person sees."""

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
from click.testing import CliRunner, Result

from keys.cli import main as keys_main
from readers.cli import main as read_main
from simulators.cli import cli

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
