from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail, verify_chain
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.cards.rules import card_check_character
from cardsvc.cli import main
from cardsvc.imports.rows import CARD_COLUMNS, RESIDENT_COLUMNS
from cardsvc.imports.service import ImportRefusedError, import_cards, import_residents
from cardsvc.residents.models import Resident
from tests.cardsvc.conftest import AUDIT_SECRET, World, make_ssn

NOW = datetime(2025, 3, 1, tzinfo=UTC)
# What the command line passes: the file's SHA-256, as sha256sum prints it.
FILE_SHA256 = "5" * 64


def _records(header: tuple[str, ...], rows: list[list[str]]) -> list[list[str]]:
    return [list(header), *rows]


def _resident_row(world: World | None, n: int, **overrides: str) -> list[str]:
    values = {
        "social_security_number": make_ssn(sequence=2 * n),
        "name": "赵六",
        "sex": "2",
        "birth_date": "1990-01-01",
        "ethnic_group": "01",
        "household_registration": "江苏省南京市玄武区",
        "current_address": "江苏省南京市玄武区",
        "community_code": world.platforms["community_a1"].unified_code if world else "",
        **overrides,
    }
    return [values[column] for column in RESIDENT_COLUMNS]


def _card_number(n: int) -> str:
    first8 = f"I{n:07d}"
    return first8 + card_check_character(first8)


def _card_row(n: int, **overrides: str) -> list[str]:
    values = {
        "card_number": _card_number(n),
        "card_identification_code": f"320100D156000005{n:016X}",
        "social_security_number": make_ssn(sequence=2 * n),
        "generation": "3.00",
        "key_version": "1",
        "issued_on": "2020-05-01",
        "expires_on": "2030-05-01",
        "status": "normal",
        **overrides,
    }
    return [values[column] for column in CARD_COLUMNS]


def _trail(session: Session) -> AuditTrail:
    return AuditTrail(session, None, AUDIT_SECRET)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_residents_and_cards_import_whole(session: Session, world: World) -> None:
    residents = _records(RESIDENT_COLUMNS, [_resident_row(world, n) for n in range(1, 6)])
    result = import_residents(session, _trail(session), residents, NOW, sha256=FILE_SHA256)
    assert result.rows == 5
    assert _count(session, Resident) == 5
    before = session.scalar(select(func.max(BlacklistEntry.version))) or 0
    rows = [_card_row(n) for n in range(1, 5)] + [_card_row(5, status="lost")]
    assert (
        import_cards(
            session, _trail(session), _records(CARD_COLUMNS, rows), NOW, sha256=FILE_SHA256
        ).rows
        == 5
    )
    assert _count(session, Card) == 5
    assert _count(session, CardStatusChange) == 5
    entries = session.scalars(select(BlacklistEntry).where(BlacklistEntry.version > before)).all()
    assert [(e.version, e.card_number, e.action) for e in entries] == [
        (before + 1, _card_number(5), "add")
    ]
    assert list(verify_chain(session, AUDIT_SECRET)) == []


def _refused(call: object) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefusedError) as refused:
        call()  # type: ignore[operator]
    return [(p.line, p.column, p.code) for p in refused.value.problems]


def test_a_bad_resident_file_is_refused_row_by_row(session: Session, world: World) -> None:
    import_residents(
        session,
        _trail(session),
        _records(RESIDENT_COLUMNS, [_resident_row(world, 1)]),
        NOW,
        sha256=FILE_SHA256,
    )
    rows = [
        _resident_row(world, 2),
        _resident_row(world, 3, social_security_number="320102199001010031"),  # check char
        _resident_row(world, 4, sex="1"),
        _resident_row(world, 5, name="李𠀾", ethnic_group="60"),
        _resident_row(world, 2),  # repeats line 2
        _resident_row(world, 1),  # already registered
        _resident_row(world, 6, community_code=world.platforms["street_a"].unified_code),
        ["too", "few"],
    ]
    problems = _refused(
        lambda: import_residents(
            session, _trail(session), _records(RESIDENT_COLUMNS, rows), NOW, sha256=FILE_SHA256
        )
    )
    assert problems == [
        (3, "social_security_number", "invalid_social_security_number"),
        (4, "sex", "ssn_mismatch"),
        (5, "ethnic_group", "invalid_ethnic_group"),
        (5, "name", "invalid_name"),
        (6, "social_security_number", "duplicate_in_file"),
        (7, "social_security_number", "resident_exists"),
        (8, "community_code", "not_a_community"),
        (9, "", "wrong_field_count"),
    ]
    assert _count(session, Resident) == 1  # nothing of the refused file


def test_a_bad_card_file_is_refused(session: Session, world: World) -> None:
    residents = [_resident_row(world, n) for n in range(1, 5)]
    import_residents(
        session, _trail(session), _records(RESIDENT_COLUMNS, residents), NOW, sha256=FILE_SHA256
    )
    import_cards(
        session, _trail(session), _records(CARD_COLUMNS, [_card_row(1)]), NOW, sha256=FILE_SHA256
    )
    rows = [
        _card_row(2),
        _card_row(
            2,
            social_security_number=make_ssn(sequence=6),
            status="cancelled",
            card_identification_code=f"320100D156000005{99:016X}",
        ),  # number again
        _card_row(3, card_number=_card_number(1)),  # number taken in the database
        _card_row(1, card_number=_card_number(7), card_identification_code="X" * 32),
        _card_row(8, social_security_number=make_ssn(sequence=998)),  # no such resident
        _card_row(
            4, card_number=_card_number(9), card_identification_code=f"320100D156000005{9:016X}"
        ),
        _card_row(
            4, card_number=_card_number(10), card_identification_code=f"320100D156000005{10:016X}"
        ),
        _card_row(
            1, card_number=_card_number(11), card_identification_code=f"320100D156000005{11:016X}"
        ),
        _card_row(12, issued_on="2031-01-01"),
    ]
    problems = _refused(
        lambda: import_cards(
            session, _trail(session), _records(CARD_COLUMNS, rows), NOW, sha256=FILE_SHA256
        )
    )
    assert problems == [
        (3, "card_number", "duplicate_in_file"),
        (4, "card_number", "card_number_taken"),
        (5, "card_identification_code", "invalid_card_identification_code"),
        (6, "social_security_number", "resident_not_found"),
        (8, "social_security_number", "card_exists"),  # second usable card in the file
        (9, "social_security_number", "card_exists"),  # already has one in the database
        (10, "expires_on", "invalid_dates"),
    ]
    assert _count(session, Card) == 1


def test_header_problems_stop_the_import(session: Session, world: World) -> None:
    header = ("social_security_number", "name", "sex", "birthday")
    problems = _refused(
        lambda: import_residents(session, _trail(session), [list(header)], NOW, sha256=FILE_SHA256)
    )
    assert ("birth_date", "missing_column") in {(c, code) for _l, c, code in problems}
    assert (1, "birthday", "unknown_column") in problems


def test_problem_limit(session: Session, world: World) -> None:
    rows = [_resident_row(world, n, sex="1") for n in range(1, 30)]
    with pytest.raises(ImportRefusedError) as refused:
        import_residents(
            session,
            _trail(session),
            _records(RESIDENT_COLUMNS, rows),
            NOW,
            sha256=FILE_SHA256,
            max_problems=5,
        )
    assert len(refused.value.problems) == 5
    assert refused.value.truncated


def test_cli_refused_import_prints_a_report_and_changes_nothing(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", database_url)
    path = tmp_path / "residents.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(RESIDENT_COLUMNS)
        writer.writerow(_resident_row(None, 1, community_code="999999999999"))
    assert main(["import", "residents", str(path)]) == 1
    out, err = capsys.readouterr()
    report = list(csv.reader(io.StringIO(out)))
    assert report[1][:3] == ["2", "community_code", "not_a_community"]
    assert f"{path} was refused for 1 problem(s); nothing was imported" in err
    assert make_ssn(sequence=2) not in out + err  # personal data stays out of the report
