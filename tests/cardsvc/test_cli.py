"""``cardsvc`` as an operator meets it: help, version, exit statuses, and the mistakes an
operator makes (a missing file, a wrong URL, an unreachable server, no database), each
answered with one message and no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import click
import pytest

from cardsvc.cli import cli
from cardsvc.cli.environment import DESCRIPTIONS
from cardsvc.settings import Settings
from tests.cardsvc.cli_kit import ENVIRONMENT, invoke, new_database, no_traceback, run
from tests.cardsvc.conftest import MissingService


def _commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = [((), cli), *_commands()]
LEAVES = [path for path, command in COMMANDS if not isinstance(command, click.Group)]


def test_the_commands_are_all_there() -> None:
    assert set(LEAVES) == {
        ("serve",),
        ("migrate",),
        ("seed",),
        ("import", "residents"),
        ("import", "cards"),
        ("import", "employment"),
        ("clerks", "create-admin"),
        ("clerks", "reset-password"),
        ("clerks", "deactivate"),
        ("clerks", "activate"),
        ("clerks", "move"),
        ("clerks", "set-role"),
        ("clerks", "list"),
        ("cards", "lapse-temporary-losses"),
        ("audit", "verify"),
        ("audit", "anchor"),
    }


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(path) or "cardsvc" for path, _ in COMMANDS]
)
def test_every_command_explains_itself_and_every_option(
    path: tuple[str, ...], command: click.Command
) -> None:
    result = invoke("sqlite:///unused.db", *path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: {' '.join(('cardsvc', *path))} ")
    assert "``" not in result.output  # no reStructuredText marks
    assert command.help, "a command says what it does"
    context = click.Context(cli, info_name="cardsvc", **cli.context_settings)
    for name in path:  # as click makes them: each inherits the root's settings
        context = click.Context(command, parent=context, info_name=name)
    for param in command.params:
        if not isinstance(param, click.Option) or param.name == "help":
            continue
        assert param.help, f"{param.opts} has no help"
        record = param.get_help_record(context)
        assert record is not None
        if param.is_flag or param.count or param.required:
            continue
        default = param.get_default(context)
        if param.show_default or (default is not None and repr(default) != "Sentinel.UNSET"):
            assert "[default: " in record[1], f"{param.opts} does not show its default"


def test_help_names_every_setting_with_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(DESCRIPTIONS) == set(Settings.model_fields)  # a new setting is described
    result = invoke("sqlite:///unused.db", "--help")
    text = " ".join(result.output.split())
    for name in Settings.model_fields:
        assert f"CARDSVC_{name.upper()} {' '.join(DESCRIPTIONS[name].split())}" in text
    assert "[default: sqlite:///./var/cardsvc.db]" in text
    assert "[default: PT30M]" in text  # the token's lifetime, as the environment takes it
    assert "[default: P5D]" in text
    assert "Exit status: 0 done 1 the work failed" in text


@pytest.mark.parametrize("option", ["--version", "-V"])
def test_version(option: str) -> None:
    result = invoke("sqlite:///unused.db", option)
    assert result.exit_code == 0
    assert result.output == f"cardsvc, version {version('sscard')}\n"


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(path) for path in LEAVES])
def test_a_wrong_option_is_a_usage_error_with_status_2(path: tuple[str, ...]) -> None:
    result = invoke("sqlite:///unused.db", *path, "--no-such-option")
    assert result.exit_code == 2
    assert "Error: No such option '--no-such-option'." in result.stderr
    assert f"Try '{' '.join(('cardsvc', *path))} --help' for help." in result.stderr


def test_an_unknown_command_is_a_usage_error() -> None:
    result = invoke("sqlite:///unused.db", "frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr


def test_exit_statuses_as_a_shell_sees_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cardsvc.db'}"
    assert run(url, "--version").returncode == 0
    assert run(url, "audit", "verify").returncode == 1  # no database: the work failed
    assert run(url, "audit", "verify", "--frobnicate").returncode == 2
    assert run(url, "migrate").returncode == 0
    assert run(url, "audit", "verify").returncode == 0


# Every command that needs an existing database, with arguments that would otherwise do.
NEEDS_A_DATABASE = [
    ["serve", "--port", "1"],
    ["import", "residents", "{csv}"],
    ["import", "cards", "{csv}"],
    ["import", "employment", "{csv}"],
    ["clerks", "create-admin", "--username", "root.admin"],
    ["clerks", "reset-password", "admin"],
    ["clerks", "deactivate", "admin"],
    ["clerks", "activate", "admin"],
    ["clerks", "move", "admin", "--platform", "320100"],
    ["clerks", "set-role", "admin", "auditor"],
    ["clerks", "list"],
    ["cards", "lapse-temporary-losses"],
    ["audit", "verify"],
    ["audit", "anchor", "--anchors", "{anchors}"],
]


@pytest.mark.parametrize("command", NEEDS_A_DATABASE, ids=[" ".join(c) for c in NEEDS_A_DATABASE])
def test_no_command_but_migrate_and_seed_creates_a_database(
    command: list[str], tmp_path: Path
) -> None:
    database = tmp_path / "missing.db"
    (tmp_path / "some.csv").write_text("x\n", encoding="utf-8")
    args = [a.format(csv=tmp_path / "some.csv", anchors=tmp_path / "anchors") for a in command]
    result = invoke(f"sqlite:///{database}", *args)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: there is no database at sqlite:///{database} (no file {database}): run "
        "'cardsvc migrate' to create it, or set CARDSVC_DATABASE_URL to the service's "
        "database\n"
    )
    assert not database.exists()
    assert not (tmp_path / "anchors").exists()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_audit_verify_tells_a_database_without_schema_from_a_broken_chain(
    kind: str, tmp_path: Path, missing_service: MissingService
) -> None:
    with new_database(kind, str(tmp_path), missing_service) as url:
        if kind == "sqlite":
            Path(url.removeprefix("sqlite:///")).touch()  # an empty SQLite file
        result = invoke(url, "audit", "verify")
        no_traceback(result)
        assert result.exit_code == 1
        assert "has no cardsvc schema: run 'cardsvc migrate' to create it" in result.stderr
        assert "broken" not in result.output
        assert invoke(url, "migrate").exit_code == 0
        result = invoke(url, "audit", "verify")
        assert result.exit_code == 0
        assert result.stdout == (
            "audit trail intact: 0 row(s) checked (no anchors given: a cut tail cannot be seen)\n"
        )


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_postgresql_is_named_without_its_password() -> None:
    port = _unused_port()
    url = f"postgresql+psycopg://cardsvc:s3cret-Pa55@127.0.0.1:{port}/cardsvc"
    for command in (["migrate"], ["audit", "verify"], ["seed"], ["clerks", "list"]):
        done = run(url, *command)
        assert done.returncode == 1, command
        assert done.stderr.startswith(
            f"Error: cannot connect to PostgreSQL at 127.0.0.1:{port} (database cardsvc, user "
            f'cardsvc): connection failed: connection to server at "127.0.0.1", port {port} '
            "failed: Connection refused"
        ), done.stderr
        assert (
            "Check that the server runs and accepts connections from this machine, and that "
            "CARDSVC_DATABASE_URL names the right host, port, database and user." in done.stderr
        )
        assert "s3cret-Pa55" not in done.stderr + done.stdout
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://cardsvc@db/cardsvc", "CARDSVC_DATABASE_URL names a mysql database, which"),
        ("postgresql+psycopg2://db/cardsvc", "names a postgresql+psycopg2 database, which"),
        ("cardsvc.db", "CARDSVC_DATABASE_URL is not a database URL: write it as"),
    ],
)
def test_a_database_url_cardsvc_cannot_use_is_a_setup_error(url: str, said: str) -> None:
    result = invoke(url, "migrate")
    no_traceback(result)
    assert result.exit_code == 2
    assert said in result.stderr
    assert "sqlite:///PATH (a file) or postgresql+psycopg://USER@HOST:PORT/DATABASE" in (
        result.stderr
    )


def test_a_wrong_setting_is_named_and_its_value_not_repeated(tmp_path: Path) -> None:
    result = invoke(f"sqlite:///{tmp_path}/x.db", "migrate", CARDSVC_TOKEN_TTL="half-an-hour")  # noqa: S106
    no_traceback(result)
    assert result.exit_code == 2
    assert "Error: the environment holds settings cardsvc cannot use: CARDSVC_TOKEN_TTL:" in (
        result.stderr
    )
    assert "half-an-hour" not in result.stderr


def test_a_sqlite_file_in_a_missing_folder_is_explained(tmp_path: Path) -> None:
    result = invoke(f"sqlite:///{tmp_path}/no/such/folder/cardsvc.db", "migrate")
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot open the SQLite database {tmp_path}/no/such/folder/cardsvc.db: check "
        "that its folder exists and that this user may write there, or set "
        "CARDSVC_DATABASE_URL\n"
    )


def test_migrate_says_what_it_did(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cardsvc.db"
    first = invoke(url, "migrate")
    assert first.exit_code == 0
    assert first.stdout.startswith(f"{url}: schema migrated from nothing to 0")
    again = invoke(url, "migrate")
    assert again.stdout.startswith(f"{url}: schema already at the latest revision (0")


def test_the_demo_secrets_are_refused_on_every_command_outside_sqlite(tmp_path: Path) -> None:
    (tmp_path / "some.csv").write_text("x\n", encoding="utf-8")
    commands = [*NEEDS_A_DATABASE, ["migrate"], ["seed"]]
    assert {tuple(command[: len(path)]) for command in commands for path in LEAVES} >= set(LEAVES)
    for command in commands:
        args = [a.format(csv=tmp_path / "some.csv", anchors=tmp_path / "a") for a in command]
        result = invoke(
            "postgresql+psycopg://postgres@127.0.0.1/none",
            *args,
            CARDSVC_TOKEN_SECRET="demo-token-secret-change-me",  # noqa: S106 - refused
        )
        assert result.exit_code == 2, (command, result.output)
        assert "Error: CARDSVC_TOKEN_SECRET hold the demo defaults or are shorter than 32" in (
            result.stderr
        )


def test_ctrl_c_ends_the_work_with_a_line_not_a_traceback(tmp_path: Path) -> None:
    database = tmp_path / "cardsvc.db"
    seeding = subprocess.Popen(
        [sys.executable, "-m", "cardsvc.cli", "seed", "--residents", "100"],
        env={
            **os.environ,
            **ENVIRONMENT,
            # The real cost: hashing the clerks' passwords takes seconds.
            "CARDSVC_PASSWORD_TIME_COST": "3",
            "CARDSVC_PASSWORD_MEMORY_COST_KIB": "65536",
            "CARDSVC_DATABASE_URL": f"sqlite:///{database}",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while not database.exists() and seeding.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)  # into the work
    seeding.send_signal(signal.SIGINT)
    stdout, stderr = seeding.communicate(timeout=120)
    assert seeding.returncode == 1, stdout + stderr
    assert stderr.startswith("Error: interrupted"), stderr
    assert "Traceback" not in stderr


def test_serve_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cardsvc.db"
    assert invoke(url, "migrate").exit_code == 0
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = run(url, "serve", "--port", str(port))
    assert done.returncode == 1
    assert "address already in use" in done.stderr  # uvicorn's log
    assert done.stderr.endswith(
        f"Error: the service did not start on 127.0.0.1:{port}; the log above says why "
        "(another process on that port? an address this machine does not have?)\n"
    )
    assert "Traceback" not in done.stderr


def test_the_demo_secrets_serve_the_loopback_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cardsvc.db"
    assert invoke(url, "migrate").exit_code == 0
    result = invoke(
        url,
        "serve",
        "--host",
        "0.0.0.0",  # noqa: S104 - refused
        CARDSVC_TOKEN_SECRET="demo-token-secret-change-me",  # noqa: S106 - refused
    )
    assert result.exit_code == 2
    assert "CARDSVC_TOKEN_SECRET hold the demo defaults" in result.stderr
    assert "listens on 127.0.0.1 only" in result.stderr
