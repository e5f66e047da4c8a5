"""Labour cases: taken at a window, handled by the street centre, closed with an outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from cardsvc.kit.calendar import CHINA, add_working_days
from cardsvc.labour.models import LabourCase
from tests.cardsvc.conftest import Client, Payload, World
from tests.cardsvc.insurance_office import credit_code

PURPOSE = {"purpose": "劳动争议调解"}


@pytest.fixture
def resident_id(client: Client, world: World, resident_payload: Payload) -> int:
    response = client.post("/residents", json=resident_payload(), headers=world.headers("clerk_a1"))
    assert response.status_code == 201
    return int(response.json()["id"])


def _take(client: Client, world: World, resident_id: int, **body: object) -> dict[str, object]:
    request = {
        "kind": "mediation",
        "resident_id": resident_id,
        "employer_name": "南京虹桥餐饮有限公司",
        "employer_credit_code": credit_code(),
        "summary": "拖欠2026年9月至11月工资",
        "amount_claimed_fen": 1_500_000,
        **body,
    }
    response = client.post("/labour-cases", json=request, headers=world.headers("clerk_a1"))
    return {
        "http": response.status_code,
        **response.json(),
        "location": response.headers.get("location"),
    }


def _progress(
    client: Client, world: World, case_id: object, clerk: str = "street_a", **body: object
) -> dict[str, object]:
    response = client.post(
        f"/labour-cases/{case_id}/progress", json=body, headers=world.headers(clerk)
    )
    return {"http": response.status_code, **response.json()}


def test_mediation_from_intake_to_agreement(client: Client, world: World, resident_id: int) -> None:
    case = _take(client, world, resident_id)
    assert case["http"] == 201, case
    assert case["location"] == f"/labour-cases/{case['id']}"
    assert case["status"] == "received"
    received = datetime.fromisoformat(str(case["received_at"])).astimezone(CHINA)
    due = datetime.fromisoformat(str(case["due_at"])).astimezone(CHINA)
    assert due.date() == received.date() + timedelta(days=15)

    handling = _progress(client, world, case["id"], status="handling", note="已约谈用人单位负责人")
    assert handling["status"] == "handling", handling
    closed = _progress(
        client,
        world,
        case["id"],
        status="closed",
        note="双方达成调解协议，约定12月15日前支付",
        outcome="mediated",
    )
    assert (closed["status"], closed["outcome"]) == ("closed", "mediated")
    assert closed["closed_at"] is not None
    notes = [(p["status_after"], p["clerk_id"], p["note"]) for p in closed["progress"]]  # type: ignore[union-attr]
    assert notes == [
        ("received", world.clerks["clerk_a1"].id, "窗口受理"),
        ("handling", world.clerks["street_a"].id, "已约谈用人单位负责人"),
        ("closed", world.clerks["street_a"].id, "双方达成调解协议，约定12月15日前支付"),
    ]
    after = _progress(client, world, case["id"], status="handling", note="再次约谈")
    assert (after["http"], after["code"]) == (409, "case_move_not_allowed")


def test_complaints_run_sixty_working_days(client: Client, world: World, resident_id: int) -> None:
    case = _take(client, world, resident_id, kind="complaint")
    received = datetime.fromisoformat(str(case["received_at"])).astimezone(CHINA)
    due = datetime.fromisoformat(str(case["due_at"])).astimezone(CHINA)
    assert due.date() == add_working_days(received.date(), 60)


@pytest.mark.parametrize(
    ("kind", "body", "code", "detail"),
    [
        (
            "mediation",
            {"status": "closed", "note": "结案"},
            "outcome_required",
            "结案须写明处理结果",
        ),
        (
            "mediation",
            {"status": "closed", "note": "结案", "outcome": "rectified"},
            "outcome_not_for_kind",
            "劳动争议调解案件不能以此结果结案",
        ),
        (
            "complaint",
            {"status": "handling", "note": "调查中", "outcome": "rectified"},
            "outcome_only_when_closing",
            "只有结案时才填写处理结果",
        ),
    ],
)
def test_outcomes_follow_the_kind(
    client: Client,
    world: World,
    resident_id: int,
    kind: str,
    body: dict[str, object],
    code: str,
    detail: str,
) -> None:
    case = _take(client, world, resident_id, kind=kind)
    refused = _progress(client, world, case["id"], **body)
    assert (refused["http"], refused["code"], refused["detail"]) == (422, code, detail)


def test_only_the_street_centre_over_it_handles_a_case(
    client: Client, world: World, resident_id: int
) -> None:
    case = _take(client, world, resident_id)
    station = _progress(client, world, case["id"], "clerk_a1", status="handling", note="跟进")
    assert (station["http"], station["code"]) == (403, "role_not_allowed")
    other = _progress(client, world, case["id"], "street_b", status="handling", note="跟进")
    assert (other["http"], other["code"]) == (404, "case_not_found")
    elsewhere = client.get(
        f"/labour-cases/{case['id']}", params=PURPOSE, headers=world.headers("clerk_a2")
    )
    assert elsewhere.status_code == 404


def test_bad_intake_is_refused_with_the_field(
    client: Client, world: World, resident_id: int
) -> None:
    for body in (
        {"employer_credit_code": "91320102MA1XXXXXXI"},  # I is not in GB 32100's alphabet
        {"summary": ""},
        {"amount_claimed_fen": -5},
        {"kind": "strike"},
    ):
        refused = _take(client, world, resident_id, **body)
        assert refused["http"] == 422, (body, refused)
        assert refused["errors"], refused
    genuine = credit_code()
    wrong = genuine[:17] + ("1" if genuine[17] != "1" else "2")
    refused = _take(client, world, resident_id, employer_credit_code=wrong)
    assert (refused["http"], refused["code"]) == (422, "invalid_credit_code"), refused


def test_overdue_cases_are_flagged_in_the_list(
    client: Client, world: World, resident_id: int, session: Session
) -> None:
    late, fresh = _take(client, world, resident_id), _take(client, world, resident_id)
    session.execute(
        update(LabourCase)
        .where(LabourCase.id == late["id"])
        .values(due_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    session.commit()
    listed = client.get("/labour-cases", headers=world.headers("street_a")).json()["items"]
    assert [(row["id"], row["overdue"]) for row in listed] == [
        (late["id"], True),
        (fresh["id"], False),
    ]
    overdue = client.get(
        "/labour-cases", params={"overdue": "true"}, headers=world.headers("street_a")
    ).json()["items"]
    assert [row["id"] for row in overdue] == [late["id"]]
