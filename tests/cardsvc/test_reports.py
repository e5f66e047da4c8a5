"""Supervisors' reports and residents' ratings, with the figures a supervisor checks."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from cardsvc.clerks.models import Clerk
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import build_platform
from cardsvc.residents.models import Resident
from cardsvc.residents.rules import Sex
from tests.cardsvc.conftest import Client, Desk, Payload, World, make_ssn

ID = "居民身份证或社会保障卡"


def _register(client: Client, world: World, body: dict[str, object]) -> int:
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_compliance_counts_recipients_workers_and_certificates(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    for _ in range(3):
        _register(client, world, resident_payload())
    # A new community with nobody yet, and a street clerk who is not certified.
    build_platform(
        PlatformRepository(session),
        world.platforms["street_a"],
        PlatformCreate(kind=Kind.community, region_code="320102", base_name="新街口"),
    )
    session.execute(
        update(Clerk).where(Clerk.id == world.clerks["clerk_a2"].id).values(certified=False)
    )
    session.commit()
    report = client.get("/reports/platform-compliance", headers=world.headers("auditor")).json()
    streets = {row["name"]: row for row in report["streets"]}
    assert set(streets) == {
        "玄武门街道人力资源和社会保障服务中心",
        "梅园新村街道人力资源和社会保障服务中心",
    }
    a = streets["玄武门街道人力资源和社会保障服务中心"]
    assert (a["service_recipients"], a["street_workers"], a["workers_needed"]) == (3, 1, 1)
    assert a["meets_worker_norm"] is True
    assert (a["communities"], a["communities_without_coordinator"]) == (3, 1)
    assert (a["workers_total"], a["certified"], a["certified_rate"]) == (3, 2, 0.6667)
    assert a["meets_certified_target"] is False
    b = streets["梅园新村街道人力资源和社会保障服务中心"]
    assert (b["service_recipients"], b["certified_rate"], b["meets_certified_target"]) == (
        0,
        1.0,
        True,
    )
    own = client.get("/reports/platform-compliance", headers=world.headers("street_b")).json()
    assert [row["platform_id"] for row in own["streets"]] == [world.platforms["street_b"].id]


def test_performance_follows_applications_and_ratings(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _register(client, world, resident_payload())
    applications = [_consulting(client, world, resident_id) for _ in range(3)]
    taken = applications[0]
    for step, clerk in (("review", "clerk_a1"), ("approve", "street_a")):
        answer = client.post(
            f"/applications/{taken['id']}/{step}", json={}, headers=world.headers(clerk)
        )
        assert answer.status_code == 200, answer.text
    for score, application in zip((5, 2, 4), applications, strict=True):
        ref = f"application:{application['id']}"
        rated = client.post(
            "/ratings", json={"score": score, "service_ref": ref}, headers=world.headers("clerk_a1")
        )
        assert rated.status_code == 201, rated.text
    today = date.today()
    period = {
        "since": (today - timedelta(days=2)).isoformat(),
        "until": (today + timedelta(days=2)).isoformat(),
    }
    report = client.get(
        "/reports/service-performance", params=period, headers=world.headers("street_a")
    ).json()
    clerks = {row["clerk_name"]: row for row in report["clerks"]}
    assert clerks["clerk_a1"]["submitted"] == 3
    assert clerks["clerk_a1"]["reviewed"] == 1
    assert (clerks["clerk_a1"]["ratings"], clerks["clerk_a1"]["average_score"]) == (3, 3.67)
    assert clerks["clerk_a1"]["satisfied_rate"] == 0.6667
    assert clerks["street_a"]["approved"] == 1
    platforms = {row["platform_id"]: row for row in report["platforms"]}
    community = platforms[world.platforms["community_a1"].id]
    assert (community["decided"], community["within_time_limit"]) == (1, 1)
    assert community["on_time_rate"] == 1.0
    assert community["open_overdue"] == 0

    as_csv = client.get(
        "/reports/service-performance",
        params={**period, "format": "csv"},
        headers=world.headers("street_a"),
    )
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.text.startswith("\ufeffclerk_id,clerk_name,window_id")
    rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert {row["clerk_name"] for row in rows} == {"clerk_a1", "street_a"}

    backwards = client.get(
        "/reports/service-performance",
        params={"since": period["until"], "until": period["since"]},
        headers=world.headers("street_a"),
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_period")


def _consulting(client: Client, world: World, resident_id: int) -> dict[str, object]:
    taken = client.post(
        "/applications",
        json={
            "item_code": "entrepreneurship_service",
            "resident_id": resident_id,
            "documents": [ID],
            "details": {"kind": "consulting"},
        },
        headers=world.headers("clerk_a1"),
    )
    assert taken.status_code == 201, taken.text
    return dict(taken.json())


def test_a_service_is_rated_once_at_the_window_that_gave_it(
    client: Client, world: World, resident_payload: Payload
) -> None:
    application = _consulting(client, world, _register(client, world, resident_payload()))
    body = {"score": 5, "service_ref": f"application:{application['id']}"}
    for clerk in ("clerk_a2", "street_a", "clerk_b1"):  # another window: not theirs to rate
        elsewhere = client.post("/ratings", json=body, headers=world.headers(clerk))
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "service_not_found")
    nothing = {"score": 5, "service_ref": "application:999999"}
    missing = client.post("/ratings", json=nothing, headers=world.headers("clerk_a1"))
    assert (missing.status_code, missing.json()["code"]) == (404, "service_not_found")
    first = client.post("/ratings", json=body, headers=world.headers("clerk_a1"))
    again = client.post("/ratings", json=body, headers=world.headers("clerk_a1"))
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    changed = client.post("/ratings", json={**body, "score": 1}, headers=world.headers("clerk_a1"))
    assert (changed.status_code, changed.json()["code"]) == (409, "already_rated")
    for bad in (
        {"score": 6, "service_ref": f"application:{application['id']}"},
        {"score": 3, "service_ref": "identify:3"},
        {"score": 3, "service_ref": "x"},
    ):
        assert (
            client.post("/ratings", json=bad, headers=world.headers("clerk_a1")).status_code == 422
        )


def test_data_quality_finds_failures_duplicates_and_stale_records(
    client: Client, world: World, resident_payload: Payload, desk: Desk, session: Session
) -> None:
    desk.normal_card()  # the desk's resident holds a card in use: not stale
    twin = resident_payload(name="李四")
    _register(client, world, twin)
    other = resident_payload(name="李四")  # same name, sex and birth date, another number
    _register(client, world, other)
    # A record from an old ledger that today's rules refuse (ethnic group 99).
    session.add(
        Resident(
            social_security_number=make_ssn(date(1980, 3, 3), sequence=12),
            name="王五",
            sex=Sex.female,
            birth_date=date(1980, 3, 3),
            ethnic_group="99",
            household_registration="江苏省南京市",
            current_address="江苏省南京市",
            platform_id=world.platforms["community_a1"].id,
        )
    )
    session.commit()
    report = client.get("/reports/data-quality", headers=world.headers("auditor")).json()
    (row,) = [
        r for r in report["platforms"] if r["platform_id"] == world.platforms["community_a1"].id
    ]
    assert (row["records"], row["failed_validation"], row["duplicates"], row["stale"]) == (
        4,
        1,
        2,
        3,
    )
    assert row["accuracy"] == 0.25
    assert row["meets_accuracy_target"] is False
    assert report["accuracy_target"] == 0.95


def test_csv_cells_never_run_as_spreadsheet_formulas(
    client: Client, world: World, session: Session, resident_payload: Payload
) -> None:
    session.execute(
        update(Clerk)
        .where(Clerk.id == world.clerks["clerk_a1"].id)
        .values(display_name='=HYPERLINK("http://x","a")')
    )
    session.commit()
    _consulting(client, world, _register(client, world, resident_payload()))
    today = date.today()
    period = {
        "since": (today - timedelta(days=2)).isoformat(),
        "until": (today + timedelta(days=2)).isoformat(),
        "format": "csv",
    }
    answer = client.get(
        "/reports/service-performance", params=period, headers=world.headers("auditor")
    )
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert [row["clerk_name"] for row in rows] == ['\'=HYPERLINK("http://x","a")']
    compliance = client.get(
        "/reports/platform-compliance", params={"format": "csv"}, headers=world.headers("auditor")
    )
    flags = list(csv.DictReader(io.StringIO(compliance.text.lstrip("\ufeff"))))
    assert {row["meets_worker_norm"] for row in flags} <= {"是", "否"}


def test_a_certification_date_in_the_future_is_refused(client: Client, world: World) -> None:
    refused = client.post(
        "/clerks",
        json={
            "username": "future.clerk",
            "display_name": "未来",
            "password": "a long enough password 1",
            "role": "community_clerk",
            "platform_id": world.platforms["community_a1"].id,
            "certified_on": "2999-01-01",
        },
        headers=world.headers("admin"),
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "date_in_future")
