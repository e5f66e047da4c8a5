from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail, verify_chain
from cardsvc.clerks.permissions import Actor, Role
from cardsvc.cli import main
from tests.cardsvc.conftest import AUDIT_SECRET, Client, World, audit_protection_lifted


def test_chain_is_intact_after_requests_and_detects_an_edited_row(
    client: Client,
    world: World,
    resident_payload: Callable[..., dict[str, object]],
    session: Session,
    connection: Connection,
) -> None:
    for community, clerk in [("community_a1", "clerk_a1"), ("community_a2", "clerk_a2")]:
        response = client.post(
            "/residents", json=resident_payload(community), headers=world.headers(clerk)
        )
        assert response.status_code == 201
    listed = client.get(
        "/residents", params={"purpose": "窗口业务办理"}, headers=world.headers("street_a")
    )
    assert listed.status_code == 200
    assert list(verify_chain(session, AUDIT_SECRET)) == []
    first = connection.execute(text("SELECT min(seq) FROM audit_events")).scalar_one()
    with audit_protection_lifted(connection):
        connection.execute(
            text("UPDATE audit_events SET purpose = 'tampered' WHERE seq = :seq"), {"seq": first}
        )
    session.expire_all()
    assert [(b.seq, b.reason) for b in verify_chain(session, AUDIT_SECRET)] == [(first, "edited")]


def test_deleted_row_leaves_a_gap(session: Session, connection: Connection) -> None:
    actor = Actor(clerk_id=1, role=Role.auditor, platform_id=1, platform_path="/", window_id=1)
    trail = AuditTrail(session, actor, AUDIT_SECRET)
    for n in range(3):
        trail.record("read", "resident", n, purpose="test")
    with audit_protection_lifted(connection):
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    session.expire_all()
    assert [(b.seq, b.reason) for b in verify_chain(session, AUDIT_SECRET)] == [
        (3, "gap"),
        (3, "unlinked"),
    ]


@pytest.fixture
def three_committed_rows(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """Three committed audit rows for the command line (its own connection), removed after."""
    monkeypatch.setenv("CARDSVC_DATABASE_URL", database_url)
    actor = Actor(clerk_id=1, role=Role.auditor, platform_id=1, platform_path="/", window_id=1)
    with Session(engine) as session:
        trail = AuditTrail(session, actor, AUDIT_SECRET)
        for n in range(3):
            trail.record("read", "resident", n, purpose="窗口业务办理")
        session.commit()
    yield engine
    with engine.begin() as connection, audit_protection_lifted(connection):
        connection.execute(text("DELETE FROM audit_events"))


def test_cli_audit_verify(three_committed_rows: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    with three_committed_rows.begin() as connection, audit_protection_lifted(connection):
        connection.execute(text("UPDATE audit_events SET subject_id = '99' WHERE seq = 2"))
    assert main(["audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "audit row 2: edited" in out
    assert "audit trail broken: 1 problem(s)" in err


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET purpose = 'tampered'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",  # PostgreSQL; SQLite's TRUNCATE is a DELETE
    ],
)
def test_the_database_refuses_to_change_audit_rows(
    session: Session, connection: Connection, statement: str
) -> None:
    actor = Actor(clerk_id=1, role=Role.auditor, platform_id=1, platform_path="/", window_id=1)
    AuditTrail(session, actor, AUDIT_SECRET).record("read", "resident", 1, purpose="test")
    if connection.dialect.name == "sqlite":
        statement = statement.replace("TRUNCATE", "DELETE FROM")
    nested = connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement))
    nested.rollback()
    assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 1


def test_cli_anchors_find_a_cut_tail_that_the_chain_alone_cannot_show(
    three_committed_rows: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    anchors = tmp_path / "anchors.jsonl"
    monkeypatch.setenv("CARDSVC_AUDIT_ANCHORS", str(anchors))
    assert main(["audit", "anchor"]) == 0
    assert "anchored audit row 3" in capsys.readouterr().out
    assert oct(anchors.stat().st_mode & 0o777) == "0o600"
    assert main(["audit", "verify"]) == 0
    assert "1 anchor(s) matched" in capsys.readouterr().out
    with three_committed_rows.begin() as connection, audit_protection_lifted(connection):
        connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    assert main(["audit", "verify", "--anchors", str(tmp_path / "none.jsonl")]) == 2
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert "audit row 3: cut" in capsys.readouterr().out
