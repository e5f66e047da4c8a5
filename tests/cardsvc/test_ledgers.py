"""The labour-force ledger: residents of working age and their employment status."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from cardsvc.employment.models import EmploymentRegistration
from cardsvc.employment.rules import RegistrationKind
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow
from tests.cardsvc.conftest import Client, Payload, World, make_ssn


def test_the_labour_force_ledger_lists_working_age_residents_masked(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    today = china_day(utcnow())
    ids = {}
    for label, birth, sequence in (
        ("young", date(2000, 5, 1), 4),
        ("man_59", date(today.year - 59, 1, 1), 3),  # odd sequence: male
        ("woman_56", date(today.year - 56, 1, 1), 6),  # past 55: retired
        ("child", date(today.year - 10, 1, 1), 8),
    ):
        sex = "1" if sequence % 2 else "2"
        body = resident_payload(
            social_security_number=make_ssn(birth, sequence=sequence),
            birth_date=birth.isoformat(),
            sex=sex,
            name="赵六",
        )
        answer = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
        assert answer.status_code == 201, answer.text
        ids[label] = answer.json()["id"]
    session.add(
        EmploymentRegistration(
            resident_id=ids["young"],
            kind=RegistrationKind.unemployment,
            certificate_number="3201022026999999",
            registered_on=date(2026, 1, 5),
            reason="合同期满",
            platform_id=world.platforms["community_a1"].id,
        )
    )
    session.commit()
    page = client.get("/ledgers/labour-force", headers=world.headers("street_a")).json()
    rows = {row["resident_id"]: row for row in page["items"]}
    assert set(rows) == {ids["young"], ids["man_59"]}
    young = rows[ids["young"]]
    assert young["employment"] == "unemployment"
    assert young["since"] == "2026-01-05"
    assert young["name"] == "赵*"
    assert "*" in young["social_security_number"]
    assert rows[ids["man_59"]]["employment"] is None
    assert page["total"] == 2
    elsewhere = client.get("/ledgers/labour-force", headers=world.headers("street_b")).json()
    assert elsewhere["items"] == []
