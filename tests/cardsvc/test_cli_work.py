"""``cardsvc`` doing its work on a database of its own, on SQLite and PostgreSQL: seed,
imports, clerks, the lapse sweep and the audit check, with progress on a terminal and a
summary line elsewhere."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.cards.models import Card
from cardsvc.cards.rules import CardState
from cardsvc.clerks.models import Clerk
from cardsvc.clerks.passwords import Passwords
from cardsvc.kit.database import make_engine
from cardsvc.kit.types import utcnow
from cardsvc.settings import Settings
from simulators.population_csv import write_population_csv
from tests.cardsvc.cli_kit import invoke, new_database, no_traceback, on_terminal
from tests.cardsvc.conftest import MissingService

SUMMARY = re.compile(r"seeded 31 platforms, 36 clerks, 40 residents and 40 cards in \d+\.\d s\n$")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    missing_service: MissingService,
) -> Iterator[str]:
    """A database seeded by ``cardsvc seed --residents 40`` (its output checked once)."""
    place = str(tmp_path_factory.mktemp("seeded"))
    with new_database(request.param, place, missing_service) as url:
        result = invoke(url, "seed", "--residents", "40")
        no_traceback(result)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0] == "31 platforms; clerks (username, password, role, window):"
        assert re.match(r"  admin +demo-\S+ +administrator +320000W01  江苏省", lines[1])
        assert lines[-3:-1] == ["imported 40 residents", "imported 40 cards"]
        assert SUMMARY.search(result.stdout)
        assert result.stderr == ""  # no progress drawn off a terminal
        yield url


def _session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def _population(directory: Path, count: int, seed: int) -> Path:
    write_population_csv(count, directory, seed=seed, communities=["320102001001"])
    return directory


def test_seed_refuses_a_database_that_has_platforms(seeded: str) -> None:
    result = invoke(seeded, "seed", "--residents", "5")
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == "Error: the database already has platforms: seed an empty database\n"


def test_seed_names_a_population_source_that_is_not_installed(tmp_path: Path) -> None:
    result = invoke(f"sqlite:///{tmp_path}/cardsvc.db", "seed", "--source", "census")
    assert result.exit_code == 2
    assert "Invalid value for --source: no population source named 'census'" in result.stderr
    assert not (tmp_path / "cardsvc.db").exists()
    both = invoke(f"sqlite:///{tmp_path}/cardsvc.db", "seed", "--source", "x", "--from-csv", ".")
    assert both.exit_code == 2
    assert "give --source or --from-csv, not both" in both.stderr


def test_seed_shows_its_progress_on_a_terminal(tmp_path: Path) -> None:
    shown = on_terminal(f"sqlite:///{tmp_path}/cardsvc.db", ["seed", "--residents", "40"])
    assert shown.status == 0, shown.terminal
    assert "hashing the clerks' passwords" in shown.terminal
    assert re.search(r"36 clerks \d+/s", shown.terminal)
    assert "generating 40 residents" in shown.terminal
    assert re.search(r"imported 40 residents .* 100% 40 rows [\d,]+/s", shown.terminal)
    assert re.search(r"imported 40 cards .* 100% 40 rows [\d,]+/s", shown.terminal)
    assert SUMMARY.search(shown.stdout)  # the clerks' passwords and the summary: stdout


def test_an_import_ends_with_its_summary_and_shows_progress_on_a_terminal(
    seeded: str, tmp_path: Path
) -> None:
    files = _population(tmp_path / "a", 30, seed=7)
    result = invoke(seeded, "import", "residents", str(files / "residents.csv"))
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"imported 30 residents in \d+\.\d s \([\d,]+ rows/s\)\n", result.stdout)
    assert result.stderr == ""
    shown = on_terminal(seeded, ["import", "cards", str(files / "cards.csv")])
    assert shown.status == 0, shown.terminal
    assert "reading cards.csv" in shown.terminal
    assert re.search(r"imported 30 cards .* 100% 30 rows [\d,]+/s", shown.terminal)
    assert re.fullmatch(r"imported 30 cards in \d+\.\d s \([\d,]+ rows/s\)\n", shown.stdout)


def test_a_refused_import_reports_to_the_clerks_and_tells_the_operator(
    seeded: str, tmp_path: Path
) -> None:
    files = _population(tmp_path / "b", 3, seed=8)
    report = tmp_path / "report.csv"
    result = invoke(seeded, "import", "cards", str(files / "cards.csv"), "--report", str(report))
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {files / 'cards.csv'} was refused for 3 problem(s); nothing was imported. The "
        f"report in {report} lists them row by row for the clerks who fix the file\n"
    )
    with report.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["行号(line)", "列(column)", "代码(code)", "说明(message)"]
    assert [row[2] for row in rows[1:]] == ["resident_not_found"] * 3
    assert rows[1][3] == "该社会保障号码尚未登记，请先导入参保人员"


def test_a_file_that_is_not_utf8_text_is_refused_in_one_line(seeded: str, tmp_path: Path) -> None:
    sheet = tmp_path / "residents.csv"
    sheet.write_bytes(b"social_security_number,name\n" + "张三".encode("gb18030"))
    result = invoke(seeded, "import", "residents", str(sheet))
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {sheet} is not UTF-8 text (line 2, byte 28)")
    assert result.stderr.endswith(
        "save it as 'CSV UTF-8' and import it again; nothing was imported\n"
    )


def test_a_report_that_cannot_be_written_is_one_line(seeded: str, tmp_path: Path) -> None:
    denied = Path("/sys/kernel/notes")  # not writable, even for root
    if not denied.exists():
        pytest.skip("no /sys/kernel/notes here")
    files = _population(tmp_path / "c", 1, seed=9)
    result = invoke(seeded, "import", "cards", str(files / "cards.csv"), "--report", str(denied))
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == f"Error: Permission denied: {denied}\n"


def test_verbose_logs_steps_and_statements_but_no_personal_data(
    seeded: str, tmp_path: Path
) -> None:
    files = _population(tmp_path / "d", 5, seed=10)
    # -v counts before and after the command: -vv, statements included.
    result = invoke(seeded, "-v", "import", "residents", str(files / "residents.csv"), "-v")
    assert result.exit_code == 0, result.output
    assert "INFO sqlalchemy.engine.Engine: INSERT INTO residents" in result.stderr
    assert "[SQL parameters hidden due to hide_parameters=True]" in result.stderr
    with (files / "residents.csv").open(encoding="utf-8", newline="") as file:
        for row in list(csv.reader(file))[1:]:
            assert row[0] not in result.stderr  # social security number
            assert row[1] not in result.stderr  # name
    steps = invoke(seeded, "audit", "verify", "--verbose")
    assert "INFO alembic.runtime.migration: Context impl" in steps.stderr
    assert "sqlalchemy.engine" not in steps.stderr  # statements from -vv only
    quiet = invoke(seeded, "audit", "verify")
    assert quiet.stderr == ""


def test_clerks_are_listed_for_scripts_off_a_terminal(seeded: str) -> None:
    result = invoke(seeded, "clerks", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "username\trole\tplatform\tplatform name\tstate"
    assert lines[1] == "admin\tadministrator\t320000\t江苏省\tactive"
    assert len(lines) == 1 + 36


def test_a_deactivated_clerk_is_listed_inactive(seeded: str) -> None:
    result = invoke(seeded, "clerks", "deactivate", "op.320500")
    assert result.exit_code == 0
    assert result.stdout == (
        "clerk op.320500: inactive, role issuance_operator, platform 320500; "
        "their sessions have ended\n"
    )
    listed = invoke(seeded, "clerks", "list").stdout.splitlines()
    assert "op.320500\tissuance_operator\t320500\t苏州市\tinactive" in listed
    moved = invoke(seeded, "clerks", "move", "op.320500", "--platform", "999999")
    assert moved.exit_code == 1
    assert moved.stderr == (
        "Error: no platform has the unified code '999999' (platform_not_found)\n"
    )


def test_reset_password_from_standard_input_ends_the_clerks_sessions(seeded: str) -> None:
    new = "Window-pass-2024"
    result = invoke(seeded, "clerks", "reset-password", "key.320100", "--password-stdin", stdin=new)
    assert result.exit_code == 0, result.output
    assert result.stdout == "clerk key.320100: new password set; their sessions have ended\n"
    passwords = Passwords(Settings(password_time_cost=1, password_memory_cost_kib=64))
    for session in _session(seeded):
        clerk = session.scalars(select(Clerk).where(Clerk.username == "key.320100")).one()
        assert passwords.verify(clerk.password_hash, new)
        assert clerk.session_version == 2
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "clerk.password_reset")
        ).all()
        assert [event.subject_id for event in audited] == [str(clerk.id)]
        assert new not in str(audited[0].payload)
    weak = invoke(seeded, "clerks", "reset-password", "key.320100", "--password-stdin", stdin="abc")
    assert weak.exit_code == 1
    assert "a password is 10 or more characters mixing letters, digits or signs" in weak.stderr


def test_reset_password_generates_one_and_shows_it_once(seeded: str) -> None:
    result = invoke(seeded, "clerks", "reset-password", "audit.320102")
    assert result.exit_code == 0
    assert re.fullmatch(
        r"clerk audit\.320102: new password set; their sessions have ended\n"
        r"password \(shown once\): \S{16}\n",
        result.stdout,
    )


def test_a_password_prompt_hides_what_is_typed(seeded: str) -> None:
    secret = "Typed-at-the-console-1"  # noqa: S105 - a test password
    shown = on_terminal(
        seeded,
        ["clerks", "reset-password", "street.320102001", "--prompt"],
        typed=[("New password: ", secret), ("Repeat for confirmation: ", secret)],
        stdin_too=True,
    )
    assert shown.status == 0, shown.terminal
    assert "New password: " in shown.terminal
    assert secret not in shown.terminal  # not echoed
    assert shown.stdout == ("clerk street.320102001: new password set; their sessions have ended\n")


def test_a_password_prompt_without_a_terminal_says_what_to_do_instead(seeded: str) -> None:
    for command in (
        ["clerks", "reset-password", "admin", "--prompt"],
        ["clerks", "create-admin", "--username", "second.admin", "--prompt"],
    ):
        result = invoke(seeded, *command, stdin="")
        no_traceback(result)
        assert result.exit_code == 2
        assert (
            "--prompt needs a terminal to ask on; pipe the password in with --password-stdin "
            "instead, or let one be generated" in result.stderr
        )
    empty = invoke(seeded, "clerks", "reset-password", "admin", "--password-stdin", stdin="")
    assert empty.exit_code == 1
    assert "no password on standard input" in empty.stderr


def test_a_second_administrator_is_refused_in_english(seeded: str) -> None:
    result = invoke(seeded, "clerks", "create-admin", "--username", "second.admin")
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: an administrator exists already: administrators register further clerks "
        "through the API (POST /clerks) (already_bootstrapped)\n"
    )


def test_create_admin_on_a_new_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cardsvc.db"
    assert invoke(url, "migrate").exit_code == 0
    result = invoke(url, "clerks", "create-admin", "--username", "root.admin")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"administrator root\.admin created at window \S+\npassword \(shown once\): \S{16}\n",
        result.stdout,
    )


def test_the_lapse_sweep_lapses_what_is_due_and_says_how_many(seeded: str) -> None:
    for session in _session(seeded):
        cards = session.scalars(select(Card).order_by(Card.id).limit(3)).all()
        for card, age in zip(cards, (6, 7, 1), strict=True):  # days since the report
            card.status = CardState.temporarily_lost
            card.status_changed_at = utcnow() - timedelta(days=age)
        session.commit()
        ids = [card.id for card in cards]
    result = invoke(seeded, "cards", "lapse-temporary-losses", "--batch", "1")
    no_traceback(result)
    assert result.exit_code == 0
    assert result.stdout == "2 temporary loss report(s) lapsed\n"
    for session in _session(seeded):
        statuses = [session.get(Card, card_id).status for card_id in ids]  # type: ignore[union-attr]
        assert statuses == [CardState.normal, CardState.normal, CardState.temporarily_lost]


def test_the_audit_trail_of_the_work_verifies_and_anchors(seeded: str, tmp_path: Path) -> None:
    verified = invoke(seeded, "audit", "verify")
    assert verified.exit_code == 0
    assert re.fullmatch(
        r"audit trail intact: \d+ row\(s\) checked \(no anchors given: a cut tail cannot be "
        r"seen\)\n",
        verified.stdout,
    )
    anchors = tmp_path / "anchors.jsonl"
    anchored = invoke(seeded, "audit", "anchor", "--anchors", str(anchors))
    assert anchored.exit_code == 0
    assert anchored.stdout.startswith("anchored audit row ")
    again = invoke(seeded, "audit", "verify", "--anchors", str(anchors))
    assert again.exit_code == 0
    assert again.stdout.endswith(", 1 anchor(s) matched\n")
    anchors.write_text("not an anchor\n", encoding="utf-8")
    garbled = invoke(seeded, "audit", "verify", "--anchors", str(anchors))
    no_traceback(garbled)
    assert garbled.exit_code == 1
    assert garbled.stderr.startswith(f"Error: line 1 of {anchors} is not an anchor written by")
    assert garbled.stderr.endswith("the chain was not checked\n")
    assert "broken" not in garbled.output
    anchors.write_bytes(b"\xff\xfe\x00")
    binary = invoke(seeded, "audit", "verify", "--anchors", str(anchors))
    no_traceback(binary)
    assert binary.exit_code == 1
    assert binary.stderr == (
        f"Error: {anchors} is not an anchors file (not UTF-8 text); the chain was not checked\n"
    )
    unset = invoke(seeded, "audit", "anchor")
    assert unset.exit_code == 2
    assert "say where anchors are kept: --anchors FILE or CARDSVC_AUDIT_ANCHORS" in unset.stderr


def test_generated_passwords_always_pass_the_password_rule() -> None:
    from cardsvc.clerks.schemas import ClerkAccount
    from cardsvc.cli.clerks import generated_password

    for _ in range(2000):  # an all-letter draw comes about once in thirty
        ClerkAccount(username="someone", display_name="某人", password=generated_password())


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--province-code", "999999"], "'999999' is not a province's GB/T 2260 code"),
        (["--province-code", "32000x"], "a province code is the 6 digits of GB/T 2260"),
        (["--province-name", "江苏\x1b[2J"], "its name is text without control characters"),
        (["--display-name", "管理\x00员"], "a display name is up to 40 characters of text"),
        (["--username", "Root Admin"], "a username is 3 to 40 lowercase letters, digits"),
    ],
)
def test_create_admin_refuses_what_the_api_refuses_in_english(
    tmp_path: Path, options: list[str], said: str
) -> None:
    url = f"sqlite:///{tmp_path}/cardsvc.db"
    assert invoke(url, "migrate").exit_code == 0
    result = invoke(url, "clerks", "create-admin", "--username", "root.admin", *options)
    no_traceback(result)
    assert result.exit_code == 1
    assert said in result.stderr
    assert not re.search(r"[\u4e00-\u9fff]", result.stderr.replace(options[1], ""))


def test_seed_from_csv_files_already_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cardsvc.db"
    empty = invoke(url, "seed", "--from-csv", str(tmp_path))
    assert empty.exit_code == 2
    assert f"Invalid value for --from-csv: {tmp_path} holds no residents.csv and no cards.csv" in (
        empty.stderr
    )
    assert not (tmp_path / "cardsvc.db").exists()
    files = _population(tmp_path / "population", 12, seed=11)
    result = invoke(url, "seed", "--from-csv", str(files))
    assert result.exit_code == 0, result.output
    assert re.search(
        r"seeded 31 platforms, 36 clerks, 12 residents and 12 cards in ", result.stdout
    )
