"""Importing an employment ledger kept before the service: whole or not at all."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.employment.models import EmploymentRegistration
from cardsvc.imports.rows import EMPLOYMENT_COLUMNS
from cardsvc.imports.service import ImportRefusedError, import_employment
from tests.cardsvc.conftest import AUDIT_SECRET, Client, Payload, World

PURPOSE = {"purpose": "台账核对"}


def _records(rows: list[dict[str, str]]) -> list[list[str]]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EMPLOYMENT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return list(csv.reader(io.StringIO(buffer.getvalue())))


@pytest.fixture
def two(client: Client, world: World, resident_payload: Payload) -> list[dict[str, object]]:
    bodies = [resident_payload(), resident_payload()]
    for body in bodies:
        answer = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
        assert answer.status_code == 201
        body["id"] = answer.json()["id"]
    return bodies


def _row(body: dict[str, object], world: World, **overrides: str) -> dict[str, str]:
    row = {
        "social_security_number": str(body["social_security_number"]),
        "kind": "失业",
        "certificate_number": "3201022019000007",
        "registered_on": "2019-03-01",
        "ended_on": "",
        "employer_name": "",
        "reason": "企业关闭",
        "community_code": world.platforms["community_a1"].unified_code,
    }
    row.update(overrides)
    return row


def test_a_ledger_lands_whole(
    client: Client, world: World, two: list[dict[str, object]], session: Session
) -> None:
    rows = [
        _row(two[0], world, ended_on="2020-06-30"),
        _row(
            two[0],
            world,
            kind="就业",
            certificate_number="3201022020000031",
            registered_on="2020-07-01",
            employer_name="南京虹桥科技有限公司",
            reason="",
        ),
        _row(two[1], world, certificate_number="3201022021000002", registered_on="2021-05-10"),
    ]
    audit = AuditTrail(session, None, AUDIT_SECRET)
    result = import_employment(session, audit, _records(rows), datetime.now(UTC), sha256="ab" * 32)
    session.commit()
    assert result.rows == 3
    record = client.get(
        f"/residents/{two[0]['id']}/employment", params=PURPOSE, headers=world.headers("clerk_a1")
    ).json()
    assert record["status"]["state"] == "employment"
    assert [r["certificate_number"] for r in record["registrations"]] == [
        "3201022019000007",
        "3201022020000031",
    ]


def test_a_ledger_with_any_problem_lands_not_at_all(
    world: World, two: list[dict[str, object]], session: Session
) -> None:
    rows = [
        _row(two[0], world),  # open
        _row(two[0], world, certificate_number="3201022019000008"),  # open again
        _row(two[1], world, certificate_number="3201022019000007"),  # number repeated
        _row(two[1], world, certificate_number="X1", kind="退休"),
        _row(two[1], world, certificate_number="3201022019000009", kind="就业", reason=""),
        _row(
            two[1],
            world,
            certificate_number="3201022019000010",
            registered_on="2020-01-01",
            ended_on="2019-01-01",
        ),
    ]
    audit = AuditTrail(session, None, AUDIT_SECRET)
    with pytest.raises(ImportRefusedError) as refused:
        import_employment(session, audit, _records(rows), datetime.now(UTC), sha256="cd" * 32)
    found = {(p.line, p.code) for p in refused.value.problems}
    assert found == {
        (3, "open_twice_in_file"),
        (4, "duplicate_in_file"),
        (5, "invalid_code"),
        (5, "invalid_registration_kind"),
        (6, "employer_required"),
        (7, "invalid_dates"),
    }
    messages = {p.code: p.message for p in refused.value.problems}
    assert messages["open_twice_in_file"] == "同一人员在第2行已有未终止的登记"
    assert messages["employer_required"] == "就业登记须填写用人单位名称"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(EmploymentRegistration)) == 0
