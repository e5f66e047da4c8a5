"""Applications through the two tiers, as windows, reviewers and approvers use them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.kit.calendar import CHINA, add_working_days
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.service import add_window
from cardsvc.workflow.models import Application
from tests.cardsvc.conftest import Client, Payload, World

PURPOSE = {"purpose": "窗口业务办理"}
ID = "居民身份证或社会保障卡"
UNEMPLOYMENT = {
    "item_code": "unemployment_registration",
    "documents": [ID, "解除或终止劳动关系证明"],
    "details": {"unemployed_since": "2026-10-31", "reason": "劳动合同期满"},
}


def _resident(
    client: Client, world: World, payload: Payload, clerk: str = "clerk_a1", **overrides: object
) -> int:
    response = client.post("/residents", json=payload(**overrides), headers=world.headers(clerk))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _submit(
    client: Client, world: World, resident_id: int, clerk: str = "clerk_a1", **body: object
) -> dict[str, object]:
    request = {**UNEMPLOYMENT, "resident_id": resident_id, **body}
    response = client.post("/applications", json=request, headers=world.headers(clerk))
    return {
        "http": response.status_code,
        **response.json(),
        "location": response.headers.get("location"),
    }


def _step(
    client: Client,
    world: World,
    application_id: object,
    step: str,
    clerk: str,
    note: str | None = None,
) -> dict[str, object]:
    response = client.post(
        f"/applications/{application_id}/{step}",
        json={} if note is None else {"note": note},
        headers=world.headers(clerk),
    )
    return {"http": response.status_code, **response.json()}


@pytest.fixture
def second_street_clerk(world: World, session: Session) -> str:
    """Another clerk of street A's centre, at a window of their own."""
    platform = world.platforms["street_a"]
    clerk = Clerk(
        username="street.a2",
        display_name="street_a2",
        password_hash=world.clerks["street_a"].password_hash,
        role=Role.street_clerk,
        platform_id=platform.id,
        platform=platform,
    )
    session.add(clerk)
    world.windows["street_a2"] = add_window(PlatformRepository(session), platform, "街道二号窗口")
    session.flush()
    session.commit()
    world.clerks["street_a2"] = clerk
    return "street_a2"


def test_unemployment_registration_from_window_to_record(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _resident(client, world, resident_payload)
    taken = _submit(client, world, resident_id, note="本人到窗口办理")
    assert taken["http"] == 201, taken
    assert taken["location"] == f"/applications/{taken['id']}"
    assert taken["status"] == "submitted"
    assert taken["status_label"] == "待初审"
    assert taken["item_name"] == "失业登记"
    assert taken["required_documents"] == [ID, "解除或终止劳动关系证明"]
    submitted = datetime.fromisoformat(str(taken["submitted_at"])).astimezone(CHINA)
    due = datetime.fromisoformat(str(taken["due_at"])).astimezone(CHINA)
    assert due.date() == add_working_days(submitted.date(), 5)
    assert taken["overdue"] is False

    reviewed = _step(client, world, taken["id"], "review", "clerk_a1", "材料齐全")
    assert reviewed["status"] == "reviewed", reviewed
    approved = _step(client, world, taken["id"], "approve", "street_a")
    assert approved["status"] == "approved", approved
    assert str(approved["outcome"]).startswith("employment_registrations:")
    steps = approved["steps"]
    assert [s["step"] for s in steps] == ["submit", "review", "approve"]  # type: ignore[union-attr]
    assert [s["clerk_id"] for s in steps] == [  # type: ignore[union-attr]
        world.clerks[name].id for name in ("clerk_a1", "clerk_a1", "street_a")
    ]
    assert [s["window_id"] for s in steps] == [  # type: ignore[union-attr]
        world.windows[name].id for name in ("clerk_a1", "clerk_a1", "street_a")
    ]
    assert steps[1]["note"] == "材料齐全"  # type: ignore[index]

    record = client.get(
        f"/residents/{resident_id}/employment", params=PURPOSE, headers=world.headers("clerk_a1")
    ).json()
    assert record["status"]["state"] == "unemployment"
    (registration,) = record["registrations"]
    year = datetime.now(CHINA).year
    assert registration["certificate_number"] == f"320102{year}000001"
    assert registration["reason"] == "劳动合同期满"


def test_employment_ends_unemployment_and_numbers_follow_on(
    client: Client, world: World, resident_payload: Payload
) -> None:
    today = datetime.now(CHINA).date().isoformat()
    first, second = (_resident(client, world, resident_payload) for _ in range(2))
    for resident_id in (first, second):
        taken = _submit(client, world, resident_id)
        _step(client, world, taken["id"], "review", "clerk_a1")
        assert _step(client, world, taken["id"], "approve", "street_a")["status"] == "approved"
    job = _submit(
        client,
        world,
        first,
        item_code="employment_registration",
        documents=[ID, "劳动合同或就业证明"],
        details={"employer_name": "南京虹桥科技有限公司", "started_on": today},
    )
    assert job["http"] == 201, job
    _step(client, world, job["id"], "review", "clerk_a1")
    assert _step(client, world, job["id"], "approve", "street_a")["status"] == "approved"
    record = client.get(
        f"/residents/{first}/employment", params=PURPOSE, headers=world.headers("clerk_a1")
    ).json()
    assert record["status"] == {"state": "employment", "since": today, "hardship": None}
    unemployment, employment = record["registrations"]
    assert unemployment["ended_on"] == today
    year = datetime.now(CHINA).year
    assert employment["certificate_number"] == f"320102{year}000003"


def test_maker_and_checker_differ(
    client: Client, world: World, resident_payload: Payload, second_street_clerk: str
) -> None:
    resident_id = _resident(client, world, resident_payload)
    # Taken at the street centre's own window: its first review is the centre's too.
    taken = _submit(client, world, resident_id, clerk="street_a")
    assert taken["http"] == 201, taken
    assert _step(client, world, taken["id"], "review", "street_a")["status"] == "reviewed"
    refused = _step(client, world, taken["id"], "approve", "street_a")
    assert refused["http"] == 403
    assert refused["code"] == "same_maker_and_checker"
    assert refused["detail"] == "受理或初审该申请的经办人员不能审批同一申请"
    assert _step(client, world, taken["id"], "approve", second_street_clerk)["status"] == "approved"


def test_each_tier_takes_its_own_step(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _resident(client, world, resident_payload)
    taken = _submit(client, world, resident_id)
    street_review = _step(client, world, taken["id"], "review", "street_a")
    assert (street_review["http"], street_review["code"]) == (403, "wrong_tier")
    early = _step(client, world, taken["id"], "approve", "street_a")
    assert (early["http"], early["code"]) == (409, "step_not_allowed")
    _step(client, world, taken["id"], "review", "clerk_a1")
    station_approval = _step(client, world, taken["id"], "approve", "clerk_a1")
    assert (station_approval["http"], station_approval["code"]) == (403, "wrong_tier")
    assert station_approval["detail"] == "审批须由街道（乡镇）服务中心办理"
    other_street = _step(client, world, taken["id"], "approve", "street_b")
    assert (other_street["http"], other_street["code"]) == (404, "application_not_found")
    again = _step(client, world, taken["id"], "review", "clerk_a1")
    assert (again["http"], again["code"]) == (409, "step_not_allowed")
    assert again["detail"] == "该申请当前状态为“待审批”，不能办理此步骤"


def test_rejection_needs_a_reason_and_records_nothing(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _resident(client, world, resident_payload)
    taken = _submit(client, world, resident_id)
    _step(client, world, taken["id"], "review", "clerk_a1")
    bare = _step(client, world, taken["id"], "reject", "street_a")
    assert (bare["http"], bare["code"]) == (422, "reason_required")
    rejected = _step(
        client, world, taken["id"], "reject", "street_a", "劳动关系证明与单位备案不一致"
    )
    assert rejected["status"] == "rejected"
    assert rejected["decided_at"] is not None
    assert rejected["outcome"] is None
    record = client.get(
        f"/residents/{resident_id}/employment", params=PURPOSE, headers=world.headers("clerk_a1")
    ).json()
    assert record["registrations"] == []
    assert record["status"]["state"] is None


@pytest.mark.parametrize(
    ("body", "status", "code", "detail"),
    [
        (
            {"documents": [ID]},
            422,
            "documents_missing",
            "缺少申请材料：解除或终止劳动关系证明",
        ),
        (
            {"details": {"unemployed_since": "2026-10-31"}},
            422,
            "invalid_details",
            "“失业登记”的申请内容有误，请核对：reason",
        ),
        (
            {"details": {"unemployed_since": "2999-01-01", "reason": "裁员"}},
            422,
            "date_in_future",
            "失业日期不能晚于今天",
        ),
        ({"item_code": "pension_by_magic"}, 404, "item_not_found", None),
        (
            {"documents": [ID, "解除或终止劳动关系证明", "垃圾"]},
            422,
            "documents_unknown",
            "“失业登记”不需要这些材料，请按办事指南填写：垃圾",
        ),
    ],
)
def test_refused_at_the_window(
    client: Client,
    world: World,
    resident_payload: Payload,
    body: dict[str, object],
    status: int,
    code: str,
    detail: str | None,
) -> None:
    resident_id = _resident(client, world, resident_payload)
    answer = _submit(client, world, resident_id, **body)
    assert (answer["http"], answer["code"]) == (status, code), answer
    if detail:
        assert answer["detail"] == detail


def test_working_age_and_hardship_rules_hold_at_submission(
    client: Client, world: World, resident_payload: Payload
) -> None:
    from tests.cardsvc.conftest import make_ssn

    retired = _resident(
        client,
        world,
        resident_payload,
        social_security_number=make_ssn(date(1960, 5, 1), sequence=8),
        birth_date="1960-05-01",
    )
    too_old = _submit(client, world, retired)
    assert (too_old["http"], too_old["code"]) == (422, "not_working_age")
    resident_id = _resident(client, world, resident_payload)
    hardship = {
        "item_code": "hardship_recognition",
        "documents": [ID, "就业创业证", "困难情况证明材料"],
        "details": {"category": "disabled", "measures": ["public_welfare_post"]},
    }
    early = _submit(client, world, resident_id, **hardship)
    assert (early["http"], early["code"]) == (422, "not_registered_unemployed")
    assert early["detail"] == "就业困难人员认定须先办理失业登记"
    taken = _submit(client, world, resident_id)
    _step(client, world, taken["id"], "review", "clerk_a1")
    _step(client, world, taken["id"], "approve", "street_a")
    duplicate = _submit(client, world, resident_id)
    assert (duplicate["http"], duplicate["code"]) == (409, "already_unemployed")
    recognised = _submit(client, world, resident_id, **hardship)
    assert recognised["http"] == 201
    _step(client, world, recognised["id"], "review", "clerk_a1")
    assert _step(client, world, recognised["id"], "approve", "street_a")["status"] == "approved"
    record = client.get(
        f"/residents/{resident_id}/employment", params=PURPOSE, headers=world.headers("clerk_a1")
    ).json()
    assert record["status"]["hardship"] == "disabled"
    assert record["hardship"][0]["measures"] == ["public_welfare_post"]


def test_outside_the_jurisdiction_applications_do_not_exist(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _resident(client, world, resident_payload)
    elsewhere = _submit(client, world, resident_id, clerk="clerk_b1")
    assert (elsewhere["http"], elsewhere["code"]) == (404, "resident_not_found")
    taken = _submit(client, world, resident_id)
    for clerk in ("clerk_a2", "street_b"):
        response = client.get(
            f"/applications/{taken['id']}", params=PURPOSE, headers=world.headers(clerk)
        )
        assert response.status_code == 404
        assert response.json()["code"] == "application_not_found"


def test_queues_by_tier_and_overdue_flags(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    a1 = _resident(client, world, resident_payload)
    a2 = _resident(client, world, resident_payload, "clerk_a2", community="community_a2")
    first = _submit(client, world, a1)
    second = _submit(client, world, a2, clerk="clerk_a2")
    _step(client, world, second["id"], "review", "clerk_a2")
    session.execute(
        update(Application)
        .where(Application.id == first["id"])
        .values(due_at=datetime.now(UTC) - timedelta(hours=1))
    )
    session.commit()

    def queue(clerk: str, **params: object) -> list[dict[str, object]]:
        response = client.get("/applications", params=params, headers=world.headers(clerk))
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    station = queue("clerk_a1", status="submitted")
    assert [(row["id"], row["overdue"]) for row in station] == [(first["id"], True)]
    assert station[0]["resident_name"] == "张*"
    street = queue("street_a", status="reviewed")
    assert [row["id"] for row in street] == [second["id"]]
    assert [row["id"] for row in queue("street_a", overdue=True)] == [first["id"]]
    assert queue("street_b") == []


def test_the_service_guide_is_what_the_workflow_enforces(
    client: Client, world: World, resident_payload: Payload
) -> None:
    guide = client.get(
        "/service-guide", params={"limit": 500}, headers=world.headers("clerk_a1")
    ).json()["items"]
    items = {row["code"]: row for row in guide}
    assert items["unemployment_registration"]["documents"] == [ID, "解除或终止劳动关系证明"]
    assert items["unemployment_registration"]["working_days"] == 5
    assert "reason" in items["unemployment_registration"]["details_schema"]["properties"]
    assert len(items["guaranteed_loan"]["steps"]) == 4

    city = client.put(
        "/service-guide/unemployment_registration/time-limit",
        json={"working_days": 3},
        headers=world.headers("city_admin"),
    )
    assert (city.status_code, city.json()["code"]) == (403, "province_only")
    changed = client.put(
        "/service-guide/unemployment_registration/time-limit",
        json={"working_days": 3},
        headers=world.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["working_days"] == 3
    taken = _submit(client, world, _resident(client, world, resident_payload))
    submitted = datetime.fromisoformat(str(taken["submitted_at"])).astimezone(CHINA)
    due = datetime.fromisoformat(str(taken["due_at"])).astimezone(CHINA)
    assert due.date() == add_working_days(submitted.date(), 3)


def test_every_step_and_read_is_audited(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    resident_id = _resident(client, world, resident_payload)
    taken = _submit(client, world, resident_id)
    _step(client, world, taken["id"], "review", "clerk_a1")
    _step(client, world, taken["id"], "approve", "street_a")
    client.get(f"/applications/{taken['id']}", params=PURPOSE, headers=world.headers("auditor"))
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "application", AuditEvent.subject_id == str(taken["id"]))
        .order_by(AuditEvent.seq)
    ).all()
    assert [(e.action, e.clerk_id, e.window_id) for e in events] == [
        ("application.submit", world.clerks["clerk_a1"].id, world.windows["clerk_a1"].id),
        ("application.review", world.clerks["clerk_a1"].id, world.windows["clerk_a1"].id),
        ("application.approve", world.clerks["street_a"].id, world.windows["street_a"].id),
        ("read", world.clerks["auditor"].id, world.windows["auditor"].id),
    ]
    assert events[-1].purpose == "窗口业务办理"


def test_loan_bounds_are_refused_with_the_rule(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _resident(client, world, resident_payload)
    loan = {
        "item_code": "guaranteed_loan",
        "documents": [ID, "营业执照", "创业项目计划书"],
        "details": {"amount_fen": 30_000_001, "term_months": 24, "business_name": "虹桥小吃店"},
    }
    too_much = _submit(client, world, resident_id, **loan)
    assert (too_much["http"], too_much["code"]) == (422, "invalid_details")
    loan["details"] = {"amount_fen": 10_000_000, "term_months": 24, "business_name": "虹桥小吃店"}
    taken = _submit(client, world, resident_id, **loan)
    _step(client, world, taken["id"], "review", "clerk_a1")
    assert _step(client, world, taken["id"], "approve", "street_a")["status"] == "approved"
    record = client.get(
        f"/residents/{resident_id}/employment", params=PURPOSE, headers=world.headers("street_a")
    ).json()
    assert record["loans"] == [
        {
            "amount_fen": 10_000_000,
            "term_months": 24,
            "business_name": "虹桥小吃店",
            "approved_on": datetime.now(CHINA).date().isoformat(),
        }
    ]


def test_a_retried_submission_takes_one_application(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _resident(client, world, resident_payload)
    body = {**UNEMPLOYMENT, "resident_id": resident_id}
    headers = {**world.headers("clerk_a1"), "Idempotency-Key": "window-7-take-000001"}
    first = client.post("/applications", json=body, headers=headers)
    again = client.post("/applications", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == f"/applications/{first.json()['id']}"
    other = {**body, "details": {**UNEMPLOYMENT["details"], "reason": "单位裁员"}}  # type: ignore[dict-item]
    reused = client.post("/applications", json=other, headers=headers)
    assert reused.status_code == 409
    queue = client.get(
        "/applications", params={"status": "submitted"}, headers=world.headers("clerk_a1")
    ).json()
    assert queue["total"] == 1
