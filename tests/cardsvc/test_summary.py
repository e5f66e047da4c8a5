"""The resident summary: what a window shows after a tap, in one answer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from tests.cardsvc.conftest import Client, Desk, World

PURPOSE = {"purpose": "窗口业务办理"}
ID = "居民身份证或社会保障卡"


def test_the_summary_gathers_cards_employment_applications_and_cases(
    client: Client, world: World, desk: Desk, session: Session
) -> None:
    number = desk.normal_card()
    headers = world.headers("clerk_a1")
    taken = client.post(
        "/applications",
        json={
            "item_code": "unemployment_registration",
            "resident_id": desk.resident_id,
            "documents": [ID, "解除或终止劳动关系证明"],
            "details": {"unemployed_since": "2026-10-31", "reason": "劳动合同期满"},
        },
        headers=headers,
    )
    assert taken.status_code == 201, taken.text
    case = client.post(
        "/labour-cases",
        json={
            "kind": "complaint",
            "resident_id": desk.resident_id,
            "employer_name": "南京虹桥餐饮有限公司",
            "summary": "未签订劳动合同",
        },
        headers=headers,
    )
    assert case.status_code == 201, case.text
    summary = client.get(f"/residents/{desk.resident_id}/summary", params=PURPOSE, headers=headers)
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["resident"]["social_security_number"] == desk.body["social_security_number"]
    assert [(c["card_number"], c["status"]) for c in body["cards"]] == [(number, "normal")]
    assert body["employment"] == {"state": None, "since": None, "hardship": None}
    assert [(a["item_name"], a["status"]) for a in body["open_applications"]] == [
        ("失业登记", "submitted")
    ]
    assert [c["kind"] for c in body["open_labour_cases"]] == ["complaint"]
    read = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "resident", AuditEvent.action == "read")
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert read is not None
    assert (read.clerk_id, read.purpose) == (world.clerks["clerk_a1"].id, "窗口业务办理")


def test_the_summary_outside_the_jurisdiction_does_not_exist(
    client: Client, world: World, desk: Desk
) -> None:
    refused = client.get(
        f"/residents/{desk.resident_id}/summary", params=PURPOSE, headers=world.headers("clerk_b1")
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "resident_not_found")


def test_identify_answers_the_holders_summary(client: Client, world: World, desk: Desk) -> None:
    number = desk.normal_card()
    taken = client.post(
        "/applications",
        json={
            "item_code": "entrepreneurship_service",
            "resident_id": desk.resident_id,
            "documents": [ID],
            "details": {"kind": "consulting"},
        },
        headers=world.headers("clerk_a1"),
    )
    assert taken.status_code == 201
    tapped = client.post(
        "/identify", json=desk.identify_body(number), headers=world.headers("clerk_a1")
    )
    assert tapped.status_code == 200, tapped.text
    body = tapped.json()
    assert body["card"]["card_number"] == number
    assert body["card"]["status"] == "normal"
    assert body["resident"]["id"] == desk.resident_id
    assert body["resident"]["name"] == desk.body["name"]
    assert [c["card_number"] for c in body["cards"]] == [number]
    assert [a["item_name"] for a in body["open_applications"]] == ["创业服务"]
    assert body["employment"]["state"] is None


def test_an_expired_card_is_flagged_for_renewal(
    client: Client, world: World, desk: Desk, session: Session
) -> None:
    from datetime import date

    from sqlalchemy import update

    from cardsvc.cards.models import Card

    number = desk.normal_card()
    fresh = client.post(
        "/identify", json=desk.identify_body(number), headers=world.headers("clerk_a1")
    ).json()
    assert fresh["card"]["expired"] is False
    session.execute(
        update(Card).where(Card.card_number == number).values(expires_on=date(2025, 1, 5))
    )
    session.commit()
    tapped = client.post(
        "/identify", json=desk.identify_body(number), headers=world.headers("clerk_a1")
    ).json()
    assert (tapped["card"]["status"], tapped["card"]["expired"]) == ("normal", True)
    assert [c["expired"] for c in tapped["cards"]] == [True]
