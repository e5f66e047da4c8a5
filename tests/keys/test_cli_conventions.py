"""``sscard-keys`` follows the command-line conventions a key officer expects: help for every
option with its default and environment variable, ``--version``, exit status 0/1/2, store
options before or after the command, one English ``Error: … — what to do`` line, no
traceback, and no secret in anything it prints."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from keys.algorithms import Algorithm
from keys.cli import cli
from keys.cli.output import COLUMNS
from keys.kcv import key_check_value
from keys.software_store import SoftwareKeyStore
from keys.store_file import Passphrase

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "ceremony passphrase"  # noqa: S105 - the test stores' passphrase
COMPONENTS = [bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"), bytes(range(16, 32))]
ENVIRONMENT = {
    "--store": "SSCARD_KEYS_STORE",
    "--passphrase-file": "SSCARD_KEYS_PASSPHRASE_FILE",
    "--key-file": "SSCARD_KEYS_KEY_FILE",
    "--pkcs11-module": "SSCARD_KEYS_PKCS11_MODULE",
    "--token-label": "SSCARD_KEYS_TOKEN_LABEL",
    "--pin-file": "SSCARD_KEYS_PIN_FILE",
    "--log": "SSCARD_KEYS_LOG",
}


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """``sscard-keys ARGS`` in-process, without a terminal; a bug's traceback fails the test."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A software store holding irk v1 (SM4, IRK) and tk v1 (AES-256, TK)."""
    (tmp_path / "pass.txt").write_text(PASSPHRASE + "\n")
    path = tmp_path / "keys.json"
    opens = ["--store", path, "--passphrase-file", tmp_path / "pass.txt"]
    assert run("create", *opens, "--scrypt-n", "1024").exit_code == 0
    for label, algorithm, purpose in [("irk", "SM4", "IRK"), ("tk", "AES-256", "TK")]:
        kind = ["--label", label, "--algorithm", algorithm, "--purpose", purpose]
        assert run("generate", *opens, *kind).exit_code == 0
    return path


def opening(store: Path) -> list[str | Path]:
    return ["--store", store, "--passphrase-file", store.parent / "pass.txt"]


def log_entries(store: Path) -> list[dict[str, object]]:
    path = store.with_name(store.name + ".ceremony.log")
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def assert_one_error_line(result: Result, *fragments: str) -> None:
    """Exit status 1 and exactly one English line ``Error: what — what to do``."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert " — " in lines[0]
    assert lines[0].isascii() or "—" in lines[0]
    assert not any("\u4e00" <= char <= "\u9fff" for char in lines[0])  # no Chinese
    for fragment in fragments:
        assert fragment in lines[0]


def _commands() -> list[str]:
    return sorted(cli.commands)


def test_the_commands_are_the_ceremonies() -> None:
    assert _commands() == [
        "anchor-log",
        "create",
        "export-psam",
        "generate",
        "import",
        "list",
        "rotate",
        "verify-log",
    ]


@pytest.mark.parametrize("command", [[], *([name] for name in _commands())], ids=str)
def test_help_shows_every_option_its_environment_variable_and_no_markup(
    command: list[str],
) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: sscard-keys {' '.join(command)}".rstrip())
    assert "Key store (these options go before or after the command)" in result.stdout
    for option, variable in ENVIRONMENT.items():
        assert option in result.stdout
        assert f"env var: {variable}" in " ".join(result.stdout.split())
    assert "-v, --verbose" in result.stdout
    assert "``" not in result.stdout
    assert ":class:" not in result.stdout


def test_every_option_has_help_and_defaults_are_shown() -> None:
    for command in [cli, *cli.commands.values()]:
        for param in command.params:
            assert isinstance(param, click.Option), (command.name, param.name)
            assert param.help, (command.name, param.name)
    assert "[default: 131072]" in " ".join(run("create", "--help").stdout.split())
    export_help = " ".join(run("export-psam", "--help").stdout.split())
    assert "[default: (its latest version); 1<=x<=3]" in export_help


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"sscard-keys, version {importlib.metadata.version('sscard')}\n"


# (arguments after the store's options, exit status, what stderr or stdout says)
EXIT_CODES: list[tuple[list[str], int, str]] = [
    (
        ["create", "--scrypt-n", "1000"],
        2,
        "Invalid value for '--scrypt-n': 1000 is not one of the powers of two from 1024 to "
        "1048576: give one of 1024, 2048, 4096 … 1048576, or leave the option out for 131072",
    ),
    (["create"], 1, "there is already a file at"),
    (["generate", "--label", "x", "--algorithm", "SM4"], 2, "Missing option '--purpose'"),
    (["generate", "--label", "a b", "--algorithm", "SM4", "--purpose", "IRK"], 2, "a key label"),
    (["generate", "--label", "x", "--algorithm", "AES-256", "--purpose", "UK"], 2, "not a card"),
    (["generate", "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"], 1, "already"),
    (["generate", "--label", "uk", "--algorithm", "3DES", "--purpose", "UK"], 0, "generated uk v1"),
    (
        ["import", "--label", "uk", "--algorithm", "3DES", "--purpose", "UK", "--custodians", "4"],
        2,
        "Invalid value for '--custodians'",
    ),
    (
        [
            "import",
            "--label",
            "uk",
            "--algorithm",
            "3DES",
            "--purpose",
            "UK",
            "--custodians",
            "2",
            "--component-kcv",
            "12345",
        ],
        2,
        "a check value is 6 hexadecimal digits",
    ),
    (
        [
            "import",
            "--label",
            "uk",
            "--algorithm",
            "3DES",
            "--purpose",
            "UK",
            "--custodians",
            "2",
            "--component-file",
            "{c1}",
            "--component-kcv",
            "{k1}",
        ],
        2,
        "once per custodian (2 of each)",
    ),
    (
        [
            "import",
            "--label",
            "uk",
            "--algorithm",
            "3DES",
            "--purpose",
            "UK",
            "--custodians",
            "2",
            "--component-file",
            "{c1}",
            "--component-kcv",
            "{k1}",
            "--component-file",
            "{c2}",
            "--component-kcv",
            "{k1}",
        ],
        1,
        "component of custodian 2",
    ),
    (
        [
            "import",
            "--label",
            "uk",
            "--algorithm",
            "3DES",
            "--purpose",
            "UK",
            "--custodians",
            "2",
            "--component-file",
            "{c1}",
            "--component-kcv",
            "{k1}",
            "--component-file",
            "{c2}",
            "--component-kcv",
            "{k2}",
        ],
        0,
        "imported uk v1",
    ),
    (["list", "--everything"], 2, "No such option '--everything'"),
    (["list"], 0, "irk"),
    (["rotate"], 2, "Missing option '--label'"),
    (["rotate", "--label", "nope"], 1, "key not found: nope"),
    (["rotate", "--label", "irk"], 0, "rotated irk: new version irk v2"),
    (["export-psam", "--transport", "tk"], 2, "Missing option '--out'"),
    (["export-psam", "--transport", "nope", "--out", "{out}"], 1, "key not found: nope"),
    (["export-psam", "--transport", "tk", "--out", "{out}"], 0, "exported 1 PSAM key to"),
    (["verify-log", "--anchors", "{missing}"], 2, "does not exist"),
    (["verify-log"], 0, "is intact: 6 lines"),
    (["anchor-log"], 2, "Missing option '--anchors'"),
    (["anchor-log", "--anchors", "{missing}/anchors.jsonl"], 1, "no such file or directory"),
    (["anchor-log", "--anchors", "{out}"], 0, "anchored the ceremony log at line 6"),
]


@pytest.mark.parametrize(
    ("args", "status", "says"), EXIT_CODES, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_exit_status_is_0_done_1_failed_2_usage(
    store: Path, args: list[str], status: int, says: str
) -> None:
    files = {"c1": store.parent / "c1.txt", "c2": store.parent / "c2.txt"}
    for path, value in zip(files.values(), COMPONENTS, strict=True):
        path.write_text(value.hex())
    names = {
        **{name: str(path) for name, path in files.items()},
        "k1": key_check_value(Algorithm.TDES, COMPONENTS[0]).hex(),
        "k2": key_check_value(Algorithm.TDES, COMPONENTS[1]).hex(),
        "out": str(store.parent / "out.json"),
        "missing": str(store.parent / "missing.jsonl"),
    }
    result = run(*opening(store), *[arg.format(**names) for arg in args])
    assert result.exit_code == status, result.output
    if status == 0:
        assert says in result.stdout
        assert result.stderr == ""
    elif status == 1:
        assert_one_error_line(result, says)
    else:
        assert says in " ".join(result.stderr.split())
        assert "Usage: sscard-keys" in result.stderr
        assert "Traceback" not in result.output


def test_a_wrong_passphrase_is_one_english_line_and_a_failed_step_in_the_log(
    store: Path,
) -> None:
    (store.parent / "wrong.txt").write_text("not the passphrase\n")
    before = len(log_entries(store))
    result = run("list", "--store", store, "--passphrase-file", store.parent / "wrong.txt")
    assert_one_error_line(
        result,
        "Error: the passphrase or key file does not open this store",
        "— check the passphrase (--passphrase-file) or the key file (--key-file); the refused "
        "attempt is in the ceremony log",
    )
    assert "not the passphrase" not in result.output
    entries = log_entries(store)
    assert len(entries) == before + 1  # the step was never begun: the store did not open
    details = entries[-1]["details"]
    assert isinstance(details, dict)
    assert entries[-1]["event"] == "keys-listed"
    assert (details["status"], details["reason"]) == ("failed", "StoreLocked")
    assert "mac" not in entries[-1]


@pytest.mark.parametrize(
    "placement",
    ["before", "after", "split"],
)
def test_store_options_go_before_or_after_the_command(store: Path, placement: str) -> None:
    where, passphrase = ["--store", store], ["--passphrase-file", store.parent / "pass.txt"]
    args = {
        "before": [*where, *passphrase, "list"],
        "after": ["list", *where, *passphrase],
        "split": [*where, "list", *passphrase, "-v"],
    }[placement]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "irk" in result.stdout


def test_store_options_from_the_environment_and_the_command_line_winning(store: Path) -> None:
    env = {
        "SSCARD_KEYS_STORE": str(store),
        "SSCARD_KEYS_PASSPHRASE_FILE": str(store.parent / "pass.txt"),
    }
    assert "tk" in run("list", env=env).stdout
    elsewhere = {**env, "SSCARD_KEYS_STORE": str(store.parent / "other.json")}
    result = run("list", "--store", store, env=elsewhere)
    assert result.exit_code == 0, result.output
    assert "irk" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--store", "a.json", "list", "--store", "b.json"],
            "--store is given twice, before and "
            "after the command (a.json and b.json): give it once",
        ),
        (
            ["list", "--store", "a.json", "--pkcs11-module", "lib.so"],
            "--store and --pkcs11-module name two key stores",
        ),
        (
            ["list", "--store", "a.json", "--passphrase-file", "{pass}", "--key-file", "k.bin"],
            "--passphrase-file and --key-file both open the store: give one",
        ),
        (["list", "--passphrase-file", "{pass}"], "--passphrase-file needs --store FILE"),
        (["list"], "say which key store: --store FILE"),
        (["list", "--pkcs11-module", "lib.so"], "needs both --pkcs11-module and --token-label"),
        (["list", "--pkcs11-module", "lib.so", "--token-label", "t"], "needs --log FILE"),
        (
            ["create", "--pkcs11-module", "lib.so", "--token-label", "t", "--log", "l"],
            "create makes a software key store: give --store FILE",
        ),
        (["create", "--store", "n.json", "--new-key-file"], "--new-key-file needs --key-file"),
    ],
)
def test_store_options_that_do_not_name_one_store_are_usage_errors(
    tmp_path: Path, args: list[str], says: str
) -> None:
    (tmp_path / "pass.txt").write_text(PASSPHRASE)
    result = run(*[arg.format(**{"pass": tmp_path / "pass.txt"}) for arg in args])
    assert result.exit_code == 2
    assert says in " ".join(result.stderr.split())
    assert "Try 'sscard-keys" in result.stderr


def test_the_command_line_sets_aside_the_environment_of_the_other_kind_of_store(
    store: Path,
) -> None:
    """An officer's shell set for the software store: a typed token, or a typed key file,
    is what the command uses."""
    env = {
        "SSCARD_KEYS_STORE": str(store),
        "SSCARD_KEYS_PASSPHRASE_FILE": str(store.parent / "pass.txt"),
    }
    token = run("list", "--pkcs11-module", "lib.so", "--token-label", "t", env=env)
    assert token.exit_code == 2
    assert "a PKCS#11 token needs --log FILE" in token.stderr
    (store.parent / "kek.bin").write_bytes(bytes(32))
    key_file = run("list", "--key-file", store.parent / "kek.bin", env=env)
    assert_one_error_line(key_file, "this store is opened with a passphrase, not a key file")


def test_the_environment_is_named_when_it_names_two_stores() -> None:
    env = {"SSCARD_KEYS_STORE": "a.json", "SSCARD_KEYS_PKCS11_MODULE": "lib.so"}
    result = run("list", env=env)
    assert result.exit_code == 2
    assert (
        "--store (from SSCARD_KEYS_STORE) and --pkcs11-module (from SSCARD_KEYS_PKCS11_MODULE) "
        "name two key stores" in " ".join(result.stderr.split())
    )


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["list"], "--passphrase-file FILE or --key-file FILE"),
        (["create", "--scrypt-n", "1024"], "--passphrase-file FILE or --key-file FILE"),
        (
            [
                "import",
                "--label",
                "uk",
                "--algorithm",
                "SM4",
                "--purpose",
                "UK",
                "--custodians",
                "2",
                "--passphrase-file",
                "{pass}",
            ],
            "--component-file FILE and --component-kcv KCV once per custodian",
        ),
    ],
)
def test_without_a_terminal_prompts_become_a_message_naming_the_option(
    store: Path, args: list[str], option: str
) -> None:
    before = log_entries(store)
    target = store if args[0] != "create" else store.parent / "new.json"
    names = {"pass": str(store.parent / "pass.txt")}
    result = run("--store", target, *[arg.format(**names) for arg in args])
    assert result.exit_code == 2, result.output
    assert "there is no terminal to type" in result.stderr
    assert option in " ".join(result.stderr.split())
    assert log_entries(store) == before  # nothing was begun, nothing logged
    assert not (store.parent / "new.json").exists()


def test_without_a_terminal_a_token_pin_prompt_names_pin_file(tmp_path: Path) -> None:
    token = ["--pkcs11-module", "/no/such/lib.so", "--token-label", "prov"]
    result = run("list", *token, "--log", tmp_path / "token.log")
    assert result.exit_code == 2
    assert "there is no terminal to type the token's user PIN on: give --pin-file FILE" in (
        " ".join(result.stderr.split())
    )
    assert not (tmp_path / "token.log").exists()


def test_a_missing_store_is_reported_and_no_log_is_made_for_it(tmp_path: Path) -> None:
    (tmp_path / "pass.txt").write_text(PASSPHRASE)
    result = run(
        "list", "--store", tmp_path / "typo.json", "--passphrase-file", tmp_path / "pass.txt"
    )
    assert_one_error_line(result, "there is no key store at", "sscard-keys create")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pass.txt"]


def test_a_broken_log_stops_every_step(store: Path) -> None:
    log = store.with_name(store.name + ".ceremony.log")
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join([lines[0], *lines[2:]]))
    for args in (["list"], ["verify-log"], ["rotate", "--label", "irk"]):
        assert_one_error_line(
            run(*opening(store), *args), "ceremony log line 2", "restore it from its backup"
        )


def test_list_is_a_table_a_script_can_read(store: Path) -> None:
    result = run("list", *opening(store))
    assert result.exit_code == 0
    header, *rows = [line.split() for line in result.stdout.splitlines()]
    assert tuple(header) == COLUMNS
    with SoftwareKeyStore.open(store, Passphrase(PASSPHRASE)) as opened:
        kcvs = {info.label: info.kcv.hex().upper() for info in opened.list_keys()}
    assert rows == [
        ["irk", "1", "SM4", "IRK", kcvs["irk"]],
        ["tk", "1", "AES-256", "TK", kcvs["tk"]],
    ]


def test_verbose_logs_to_stderr_before_or_after_the_command(store: Path) -> None:
    kind = ["--label", "prk", "--algorithm", "SM4", "--purpose", "PRK"]
    result = run("-v", "generate", *opening(store), *kind)
    assert result.exit_code == 0
    assert "INFO keys.software_store: key prk v1 stored (SM4 PRK, KCV" in result.stderr
    assert "generated prk v1" in result.stdout
    quiet = run("rotate", *opening(store), "--label", "prk")
    assert quiet.stderr == ""
    assert "DEBUG keys.cli" in run("rotate", *opening(store), "--label", "prk", "-vv").stderr


def test_nothing_secret_is_printed_or_logged(store: Path) -> None:
    """A whole ceremony at -vv: no passphrase, component, key or PIN in any output."""
    folder = store.parent
    for number, value in enumerate(COMPONENTS, start=1):
        (folder / f"c{number}.txt").write_text(value.hex())
    kind = ["--label", "uk", "--algorithm", "AES-128", "--purpose", "UK", "--custodians", "2"]
    for number, value in enumerate(COMPONENTS, start=1):
        kind += ["--component-file", f"{folder}/c{number}.txt"]
        kind += ["--component-kcv", key_check_value(Algorithm.AES128, value).hex()]
    swapped = [*kind]  # the two check values exchanged: custodian 1's is refused
    swapped[11], swapped[15] = kind[15], kind[11]
    outputs = [
        run("-vv", "import", *opening(store), *kind),
        run("-vv", "list", *opening(store)),
        run("-vv", "rotate", *opening(store), "--label", "uk"),
        run("-vv", "export-psam", *opening(store), "--transport", "tk", "--out", folder / "x"),
        run("-vv", "import", *opening(store), *swapped),
        run("-vv", "verify-log", *opening(store)),
    ]
    assert [result.exit_code for result in outputs] == [0, 0, 0, 0, 1, 0]
    combined = bytes(a ^ b for a, b in zip(*COMPONENTS, strict=True))
    text = (
        "\n".join(r.output for r in outputs) + store.with_name("keys.json.ceremony.log").read_text()
    )
    for secret in [PASSPHRASE, *(c.hex() for c in COMPONENTS), combined.hex()]:
        assert secret.lower() not in text.lower()


# --- a real process: the exit status the shell sees, and a real terminal for prompts ---


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSCARD_KEYS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


SCRIPT = str(Path(sys.executable).parent / "sscard-keys")


def test_a_real_process_exits_0_1_and_2_without_a_traceback(store: Path) -> None:
    def status(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, *map(str, args)],
            capture_output=True,
            text=True,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            timeout=60,
        )

    done = status("list", *opening(store))
    assert (done.returncode, done.stderr) == (0, "")
    assert "irk" in done.stdout
    (store.parent / "wrong.txt").write_text("wrong passphrase!\n")
    refused = status("list", "--store", store, "--passphrase-file", store.parent / "wrong.txt")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: the passphrase or key file does not open this store")
    assert len(refused.stderr.splitlines()) == 1
    usage = status("rotate", *opening(store))
    assert usage.returncode == 2
    assert "Missing option '--label'" in usage.stderr
    prompt = status("list", "--store", store)
    assert prompt.returncode == 2
    assert "no terminal" in prompt.stderr
    for result in (done, refused, usage, prompt):
        assert "Traceback" not in result.stdout + result.stderr


Answer = tuple[str, str]


def on_terminal(args: list[str | Path], answers: list[Answer]) -> tuple[int, str]:
    """Run ``sscard-keys`` on a pseudo-terminal, typing each answer after its prompt; the
    exit status and all the terminal showed."""
    import select

    primary, secondary = os.openpty()
    process = subprocess.Popen(
        [SCRIPT, *map(str, args)],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=_environment(),
        start_new_session=True,  # no controlling terminal but this one
    )
    os.close(secondary)
    shown = b""

    def read(until: Callable[[bytes], bool]) -> None:
        nonlocal shown
        while not until(shown):
            ready, _, _ = select.select([primary], [], [], 30)
            assert ready, f"no prompt came; the terminal showed {shown!r}"
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the process closed the terminal
                return
            if not chunk:
                return
            shown += chunk

    for prompt, answer in answers:
        seen = len(shown)
        read(lambda data, seen=seen, prompt=prompt: prompt.encode() in data[seen:])
        os.write(primary, answer.encode() + b"\n")
    read(lambda _: False)
    os.close(primary)
    return process.wait(timeout=60), shown.decode()


def test_on_a_terminal_the_passphrase_is_asked_twice_hidden_and_never_shown(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.json"
    status, shown = on_terminal(
        ["create", "--store", path, "--scrypt-n", "1024"],
        [
            ("New key store passphrase: ", ""),
            ("New key store passphrase: ", "a"),
            ("New key store passphrase: ", PASSPHRASE),
            ("Type the new passphrase again: ", "a different one"),
            ("New key store passphrase: ", PASSPHRASE),
            ("Type the new passphrase again: ", PASSPHRASE),
        ],
    )
    assert status == 0, shown
    lines = [line.strip() for line in shown.splitlines()]
    assert lines[:6] == [
        "New key store passphrase:",
        "Error: nothing was typed: type a passphrase of at least 12 characters, or press "
        "Ctrl-C to stop.",
        "New key store passphrase:",
        "Error: the passphrase is too short: type one of at least 12 characters (a few words "
        "make a good one).",
        "New key store passphrase:",
        "Type the new passphrase again:",
    ]
    assert (
        "Error: the two passphrases differ: type the new passphrase again, the same twice."
        in lines
    )
    assert "***" not in shown  # no masked echo of what was typed in any message
    assert f"created the key store {path}" in shown
    for typed in (PASSPHRASE, "a different one"):
        assert typed not in shown

    status, shown = on_terminal(
        ["generate", "--store", path, "--label", "irk", "--algorithm", "SM4", "--purpose", "IRK"],
        [("Key store passphrase: ", PASSPHRASE)],
    )
    assert status == 0, shown
    assert "generated irk v1 (SM4, IRK)" in shown
    assert PASSPHRASE not in shown


def test_on_a_terminal_custodians_type_hidden_components(store: Path) -> None:
    kcvs = [key_check_value(Algorithm.SM4, c).hex().upper() for c in COMPONENTS]
    kind = ["--label", "uk", "--algorithm", "SM4", "--purpose", "UK", "--custodians", "2"]
    status, shown = on_terminal(
        ["import", *opening(store), *kind],
        [
            ("Custodian 1: key component (hexadecimal, hidden): ", "not hex"),
            ("Custodian 1: key component (hexadecimal, hidden): ", ""),
            ("Custodian 1: key component (hexadecimal, hidden): ", COMPONENTS[0].hex()),
            ("Custodian 1: the component's check value: ", "12"),
            ("Custodian 1: the component's check value: ", kcvs[0]),
            ("Custodian 2: key component (hexadecimal, hidden): ", COMPONENTS[1].hex()[:30]),
            ("Custodian 2: key component (hexadecimal, hidden): ", COMPONENTS[1].hex()),
            ("Custodian 2: the component's check value: ", kcvs[1]),
        ],
    )
    assert status == 0, shown
    lines = [line.strip() for line in shown.splitlines()]
    for message in (
        "Error: that is not hexadecimal: SM4 components are 32 hexadecimal digits (0-9, A-F); "
        "type it again.",
        "Error: nothing was typed: type custodian 1's key component, or press Ctrl-C to stop.",
        "Error: that is not a check value: type the 6 hexadecimal digits the custodian reads "
        "out.",
        "Error: that is 30 hexadecimal digits: SM4 components are 32; type it again.",
    ):
        assert message in lines, shown
    assert "imported uk v1 (SM4, UK)" in shown
    for component in COMPONENTS:
        assert component.hex()[:8] not in shown.lower()


def test_version_has_a_short_form() -> None:
    result = run("-V")
    assert (result.exit_code, result.stdout) == (
        0,
        f"sscard-keys, version {importlib.metadata.version('sscard')}\n",
    )


# --- an anchors file is judged as itself, never the log ---

_NOT_AN_ANCHOR = "line 1 is not an anchor (anchor-log writes lines of seq, head and mac)"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"# sscard\n\nThe social security card service.\n", _NOT_AN_ANCHOR),
        (b'{"seq": 1, "head": "' + b"ab" * 32 + b'"}\n', _NOT_AN_ANCHOR),
        (b"\n\n", "it holds no anchor (anchor-log appends one a line)"),
        (b"\xff\xfe\x00", "it is not text"),
    ],
    ids=["README", "no mac", "empty", "binary"],
)
def test_a_file_that_is_not_an_anchors_file_is_its_own_fault(
    store: Path, content: bytes, problem: str
) -> None:
    anchors = store.parent / "not-anchors.md"
    anchors.write_bytes(content)
    before = log_entries(store)
    result = run("verify-log", *opening(store), "--anchors", anchors)
    assert_one_error_line(
        result,
        f"Error: {anchors} is not an anchors file: {problem} — give --anchors the file "
        "sscard-keys anchor-log appends to; the ceremony log was not checked",
    )
    assert "ceremony log line" not in result.stderr
    assert "backup" not in result.stderr
    assert log_entries(store) == before


def test_a_good_anchor_after_a_bad_line_names_the_line(store: Path) -> None:
    anchors = store.parent / "anchors.jsonl"
    assert run("anchor-log", *opening(store), "--anchors", anchors).exit_code == 0
    with anchors.open("a") as file:
        file.write("\nnot an anchor\n")
    result = run("verify-log", *opening(store), "--anchors", anchors)
    assert_one_error_line(result, f"{anchors} is not an anchors file: line 3 is not an anchor")


def test_another_stores_anchors_are_refused_as_the_anchors_files_fault(
    store: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pass.txt").write_text("another ceremony passphrase\n")
    other_store = ["--store", other / "keys.json", "--passphrase-file", other / "pass.txt"]
    assert run("create", *other_store, "--scrypt-n", "1024").exit_code == 0
    anchors = other / "anchors.jsonl"
    assert run("anchor-log", *other_store, "--anchors", anchors).exit_code == 0
    result = run("verify-log", *opening(store), "--anchors", anchors)
    assert_one_error_line(
        result,
        f"Error: {anchors} line 1: the anchor was not made by this store — give --anchors "
        "this store's anchors file (anchor-log writes it); the ceremony log's lines themselves "
        "verify",
    )
    assert "restore" not in result.stderr


# --- files read are regular files of a size their kind can have ---


def test_files_of_a_size_no_such_file_has_are_refused(store: Path, tmp_path: Path) -> None:
    big = tmp_path / "big"
    with big.open("wb") as file:
        file.truncate(64 * 1024 * 1024)  # sparse
    cases = [
        (
            ["list", "--store", store, "--passphrase-file", big],
            f"{big} is not a key store's passphrase file: it holds 67,108,864 bytes, more "
            "than any key store's passphrase file (at most 4,096)",
        ),
        (
            ["list", "--store", big, "--passphrase-file", store.parent / "pass.txt"],
            f"{big} is not a key store file: it holds 67,108,864 bytes, more than any key "
            "store file (at most 16,777,216)",
        ),
        (
            ["verify-log", *opening(store), "--anchors", big],
            f"{big} is not an anchors file: it holds 67,108,864 bytes, more than any "
            "anchors file (at most 16,777,216)",
        ),
        (
            ["create", "--store", tmp_path / "k.json", "--key-file", big],
            f"{big} is not a key file: it holds 67,108,864 bytes, more than any key file (at "
            "most 32)",
        ),
    ]
    for args, message in cases:
        assert_one_error_line(run(*args), f"Error: {message} — ")


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_a_pipe_is_refused_at_once(store: Path, tmp_path: Path, kind: str) -> None:
    if kind == "device":
        given = Path("/dev/zero")
    else:
        given = tmp_path / "fifo"
        os.mkfifo(given)
    for args, what in [
        (["list", "--store", store, "--passphrase-file", given], "a key store's passphrase file"),
        (["verify-log", *opening(store), "--anchors", given], "an anchors file"),
    ]:
        process = subprocess.run(
            [SCRIPT, *map(str, args)],
            capture_output=True,
            text=True,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert process.returncode == 1
        assert process.stderr.startswith(
            f"Error: {given} is not {what}: it is a {kind}, not a regular file — "
        )
        assert process.stderr.count("\n") == 1
