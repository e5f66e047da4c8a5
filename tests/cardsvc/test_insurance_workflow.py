"""Insurance business through the two tiers: what approval records, and what it refuses."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from cardsvc.residents.models import Resident
from tests.cardsvc.conftest import Client, Desk, World
from tests.cardsvc.insurance_office import Office

PURPOSE = {"purpose": "窗口业务办理"}
ID = "居民身份证或社会保障卡"


def _through_both_tiers(client: Client, world: World, body: dict[str, object]) -> dict[str, object]:
    taken = client.post("/applications", json=body, headers=world.headers("clerk_a1"))
    assert taken.status_code == 201, taken.text
    number = taken.json()["id"]
    reviewed = client.post(
        f"/applications/{number}/review", json={}, headers=world.headers("clerk_a1")
    )
    assert reviewed.status_code == 200, reviewed.text
    approved = client.post(
        f"/applications/{number}/approve", json={}, headers=world.headers("street_a")
    )
    return {"http": approved.status_code, **approved.json()}


def test_enrolment_and_contributions_approved_reach_the_summary(
    client: Client, world: World, desk: Desk, session: Session
) -> None:
    office = Office(session, world)
    office.bounds(years=range(2024, 2028))
    employer = office.employer()
    office.employ(session.get_one(Resident, desk.resident_id), employer, date(2024, 12, 1))
    session.commit()
    enrolled = _through_both_tiers(
        client,
        world,
        {
            "item_code": "insurance_enrolment",
            "resident_id": desk.resident_id,
            "documents": [ID, "社会保险参保登记表"],
            "details": {
                "scheme": "pension",
                "category": "employee",
                "employer_id": employer.id,
                "enrolled_on": "2025-01-01",
            },
        },
    )
    assert enrolled["http"] == 200, enrolled
    assert str(enrolled["outcome"]).startswith("insurance_enrolments:")
    enrolment_id = int(str(enrolled["outcome"]).split(":")[1])
    declared = _through_both_tiers(
        client,
        world,
        {
            "item_code": "contribution_declaration",
            "resident_id": desk.resident_id,
            "documents": [ID, "社会保险缴费申报表"],
            "details": {
                "enrolment_id": enrolment_id,
                "first_period": "2025-01",
                "last_period": "2025-06",
                "base_fen": 800_000,
                "employer_rate": "0.16",
                "personal_rate": "0.08",
            },
        },
    )
    assert declared["http"] == 200, declared
    summary = client.get(
        f"/residents/{desk.resident_id}/summary", params=PURPOSE, headers=world.headers("clerk_a1")
    ).json()
    (pension,) = summary["insurance"]["schemes"]
    assert (pension["scheme"], pension["status"], pension["months_paid"]) == (
        "pension",
        "active",
        6,
    )
    assert pension["current_base_fen"] == 800_000


def test_an_application_concerns_its_applicant_alone(
    client: Client, world: World, desk: Desk, session: Session, resident_payload: object
) -> None:
    office = Office(session, world)
    other = office.resident()
    enrolment = office.enrol(other, on=date(2024, 1, 1))
    session.commit()
    for details in ({"enrolment_id": enrolment.id, "year": 2025, "amount_fen": 50_000},):
        refused = client.post(
            "/applications",
            json={
                "item_code": "resident_contribution",
                "resident_id": desk.resident_id,
                "documents": [ID],
                "details": details,
            },
            headers=world.headers("clerk_a1"),
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "other_resident"
    smuggled = client.post(
        "/applications",
        json={
            "item_code": "retiree_certification",
            "resident_id": desk.resident_id,
            "documents": [ID],
            "details": {
                "resident_id": other.id,
                "year": 2026,
                "certified_on": "2026-06-01",
                "method": "window",
            },
        },
        headers=world.headers("clerk_a1"),
    )
    assert (smuggled.status_code, smuggled.json()["code"]) == (422, "other_resident")
    assert smuggled.json()["detail"] == "申请内容中的参保人员与申请人不一致"


def test_insurance_rules_refuse_at_the_window_and_record_nothing(
    client: Client, world: World, desk: Desk, session: Session
) -> None:
    office = Office(session, world)
    employer = office.employer()
    office.employ(session.get_one(Resident, desk.resident_id), employer, date(2024, 12, 1))
    session.commit()
    body = {
        "item_code": "insurance_enrolment",
        "resident_id": desk.resident_id,
        "documents": [ID, "社会保险参保登记表"],
        "details": {
            "scheme": "pension",
            "category": "employee",
            "employer_id": employer.id,
            "enrolled_on": "2025-01-01",
        },
    }
    first = _through_both_tiers(client, world, body)
    assert first["http"] == 200
    again = client.post("/applications", json=body, headers=world.headers("clerk_a1"))
    assert again.status_code == 409, again.text
    summary = client.get(
        f"/residents/{desk.resident_id}/insurance",
        params=PURPOSE,
        headers=world.headers("clerk_a1"),
    ).json()
    assert len(summary["enrolments"]) == 1
