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


def test_the_employment_and_coverage_ledgers_count_each_community(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    from cardsvc.insurance.rules import Scheme
    from cardsvc.residents.models import Resident
    from tests.cardsvc.insurance_office import Office

    office = Office(session, world)
    ids = []
    for _ in range(3):
        answer = client.post(
            "/residents", json=resident_payload(), headers=world.headers("clerk_a1")
        )
        ids.append(answer.json()["id"])
    session.add(
        EmploymentRegistration(
            resident_id=ids[0],
            kind=RegistrationKind.unemployment,
            certificate_number="3201022026888888",
            registered_on=date(2026, 1, 5),
            reason="合同期满",
            platform_id=world.platforms["community_a1"].id,
        )
    )
    resident = session.get_one(Resident, ids[1])
    office.enrol(resident, Scheme.pension, on=date(2024, 1, 1))
    office.enrol(resident, Scheme.medical, on=date(2024, 1, 1))
    session.commit()
    headers = world.headers("street_a")
    employment = client.get("/ledgers/employment", headers=headers).json()["platforms"]
    a1 = {row["platform_id"]: row for row in employment}[world.platforms["community_a1"].id]
    assert (a1["residents"], a1["employed"], a1["unemployed"], a1["hardship"]) == (3, 0, 1, 0)
    coverage = client.get("/ledgers/insurance-coverage", headers=headers).json()["platforms"]
    row = {r["platform_id"]: r for r in coverage}[world.platforms["community_a1"].id]
    assert (row["pension"], row["medical"], row["unemployment"]) == (1, 1, 0)
    assert row["pension_rate"] == 0.3333
    assert {r["platform_id"] for r in coverage} == {
        world.platforms[name].id for name in ("community_a1", "community_a2")
    }
    as_csv = client.get("/ledgers/insurance-coverage", params={"format": "csv"}, headers=headers)
    assert as_csv.text.startswith("\ufeffplatform_id,unified_code,name,residents,pension")
