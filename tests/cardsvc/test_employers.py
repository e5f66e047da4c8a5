"""Employers through the API: the ledger within jurisdiction, the credit code's rule,
and residents' employment relations (audited reads)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.clerks.permissions import Actor, Role
from cardsvc.employers import service
from cardsvc.employers.schemas import EmployerCreate
from cardsvc.errors import InvalidDataError
from tests.cardsvc.conftest import AUDIT_SECRET, Client, World
from tests.cardsvc.insurance_office import Office, credit_code

PURPOSE = {"purpose": "用工登记核对"}
TENCENT = "91440300708461136T"  # 深圳市腾讯计算机系统有限公司


def _register(
    client: Client,
    world: World,
    clerk: str = "street_a",
    platform: str = "street_a",
    **body: object,
):  # type: ignore[no-untyped-def]
    payload = {
        "unified_social_credit_code": credit_code(),
        "name": "南京虹桥示例有限公司",
        "platform_id": world.platforms[platform].id,
        **body,
    }
    return client.post("/employers", json=payload, headers=world.headers(clerk))


def test_an_employer_is_registered_in_a_ledger_and_audited(
    client: Client, world: World, session: Session
) -> None:
    response = _register(client, world, unified_social_credit_code=TENCENT.lower())
    assert response.status_code == 201, response.text
    employer = response.json()
    assert response.headers["Location"] == f"/employers/{employer['id']}"
    assert (employer["unified_social_credit_code"], employer["region_code"]) == (TENCENT, "320102")
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "employer.register")
    ).one()
    assert json.loads(event.payload)["after"]["code"] == TENCENT
    again = _register(
        client, world, clerk="clerk_a1", platform="community_a1", unified_social_credit_code=TENCENT
    )
    assert (again.status_code, again.json()["code"]) == (409, "employer_exists")


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("91440300708461136A", "统一社会信用代码校验位不正确，请核对"),
        (
            "91440300708461I36T",
            "统一社会信用代码不使用字母I、O、S、V、Z，请核对（数字0、1、2、5易混）",
        ),
        ("B1440300708461136T", "统一社会信用代码第1位（登记管理部门代码）无效"),
        ("9A440300708461136T", "统一社会信用代码第2位（机构类别代码）无效"),
        ("9144A300708461136T", "统一社会信用代码第3至8位应为行政区划代码（6位数字）"),
    ],
)
def test_an_invalid_credit_code_is_refused_saying_why(
    client: Client, world: World, code: str, detail: str
) -> None:
    response = _register(client, world, unified_social_credit_code=code)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["detail"]) == ("invalid_credit_code", detail)
    assert code not in response.text


def test_a_malformed_code_or_name_is_refused_at_the_edge(client: Client, world: World) -> None:
    for body in (
        {"unified_social_credit_code": "9144030070846113"},
        {"unified_social_credit_code": "91440300７08461136T"},
        {"name": "公\u0000司"},
    ):
        response = _register(client, world, **body)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


@pytest.mark.parametrize(
    ("clerk", "platform", "status"),
    [
        ("street_a", "community_a1", 201),
        ("clerk_a1", "community_a1", 201),
        ("clerk_a1", "community_a2", 404),  # outside: as if it did not exist
        ("street_a", "community_b1", 404),
        ("street_a", "county", 403),  # above the clerk: seen, not theirs
        ("auditor", "community_a1", 403),
        ("city_admin", "community_a1", 403),
    ],
)
def test_who_registers_where(
    client: Client, world: World, clerk: str, platform: str, status: int
) -> None:
    assert _register(client, world, clerk=clerk, platform=platform).status_code == status


def test_only_street_and_community_platforms_keep_ledgers(session: Session, world: World) -> None:
    county = world.platforms["county"]
    # A window clerk whose platform is a county (none is seeded so, but the rule holds).
    actor = Actor(world.clerks["street_a"].id, Role.street_clerk, county.id, county.path, 1)
    from cardsvc.audit.service import AuditTrail

    with pytest.raises(InvalidDataError) as raised:
        service.register_employer(
            session,
            actor,
            AuditTrail(session, actor, AUDIT_SECRET),
            EmployerCreate(
                unified_social_credit_code=credit_code(), name="某公司", platform_id=county.id
            ),
        )
    assert raised.value.code == "not_a_ledger_platform"


def test_lists_and_reads_stay_within_jurisdiction(client: Client, world: World) -> None:
    ids = {}
    for platform, clerk in (
        ("community_a1", "clerk_a1"),
        ("community_a2", "clerk_a2"),
        ("community_b1", "clerk_b1"),
    ):
        ids[platform] = _register(client, world, clerk=clerk, platform=platform).json()["id"]
    listed = client.get("/employers", headers=world.headers("street_a")).json()
    assert {e["id"] for e in listed["items"]} == {ids["community_a1"], ids["community_a2"]}
    assert (listed["total"], listed["next"]) == (2, None)
    page = client.get(
        "/employers", params={"limit": 1, "offset": 1}, headers=world.headers("auditor")
    ).json()
    assert [e["id"] for e in page["items"]] == [ids["community_a2"]]
    assert (page["total"], page["total_exact"]) == (3, True)
    last = client.get(page["next"], headers=world.headers("auditor")).json()
    assert ([e["id"] for e in last["items"]], last["next"]) == ([ids["community_b1"]], None)
    assert (
        client.get(
            f"/employers/{ids['community_b1']}", headers=world.headers("clerk_b1")
        ).status_code
        == 200
    )
    hidden = client.get(f"/employers/{ids['community_b1']}", headers=world.headers("street_a"))
    assert (hidden.status_code, hidden.json()["detail"]) == (404, "用人单位不存在")
    assert client.get("/employers", headers=world.headers("operator")).status_code == 403


# ---------------------------------------------------------------- employment relations


def test_a_residents_employment_is_started_ended_and_read_audited(
    client: Client, world: World, session: Session
) -> None:
    resident = Office(session, world).resident(birth=date(1990, 4, 1))
    session.commit()
    employer = _register(client, world).json()
    url = f"/employers/{employer['id']}/employment-relations"
    headers = world.headers("clerk_a1")
    started = client.post(
        url, json={"resident_id": resident.id, "started_on": "2015-03-01"}, headers=headers
    )
    assert started.status_code == 201, started.text
    relation = started.json()
    assert (relation["employer_id"], relation["ended_on"]) == (employer["id"], None)
    overlap = client.post(
        url, json={"resident_id": resident.id, "started_on": "2016-01-01"}, headers=headers
    )
    assert (overlap.status_code, overlap.json()["code"]) == (409, "employment_overlaps")
    end = f"/employment-relations/{relation['id']}/end"
    early = client.post(end, json={"ended_on": "2015-02-28"}, headers=headers)
    assert (early.status_code, early.json()["code"]) == (422, "invalid_employment_dates")
    ended = client.post(end, json={"ended_on": "2019-12-31"}, headers=headers)
    assert ended.json()["ended_on"] == "2019-12-31"
    twice = client.post(end, json={"ended_on": "2020-01-31"}, headers=headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "employment_ended")
    # Back with the same employer after the first relation ended.
    assert (
        client.post(
            url, json={"resident_id": resident.id, "started_on": "2021-05-01"}, headers=headers
        ).status_code
        == 201
    )
    read = client.get(
        f"/residents/{resident.id}/employment-relations",
        params=PURPOSE,
        headers=world.headers("auditor"),
    )
    assert [(r["started_on"], r["ended_on"]) for r in read.json()["items"]] == [
        ("2015-03-01", "2019-12-31"),
        ("2021-05-01", None),
    ]
    assert (read.json()["total"], read.json()["next"]) == (2, None)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "employment_relations")
    ).one()
    assert (event.action, event.purpose, event.clerk_id) == (
        "read",
        "用工登记核对",
        world.clerks["auditor"].id,
    )


def test_employment_refusals(client: Client, world: World, session: Session) -> None:
    office = Office(session, world)
    today = date.today()
    child = office.resident(birth=date(today.year - 14, 1, 1))
    elsewhere = office.resident("community_b1")
    adult = office.resident()
    session.commit()
    url = f"/employers/{_register(client, world).json()['id']}/employment-relations"
    headers = world.headers("clerk_a1")

    def start(resident_id: int, started_on: str = "2020-01-01"):  # type: ignore[no-untyped-def]
        return client.post(
            url, json={"resident_id": resident_id, "started_on": started_on}, headers=headers
        )

    young = start(child.id, (today + timedelta(days=30)).isoformat())
    assert (young.status_code, young.json()["code"]) == (422, "invalid_employment_dates")
    young = start(child.id, today.isoformat())
    assert (young.status_code, young.json()["detail"]) == (422, "不得招用未满十六周岁的未成年人")
    outside = start(elsewhere.id)
    assert (outside.status_code, outside.json()["code"]) == (404, "resident_not_found")
    unknown = start(999_999)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "resident_not_found")
    no_employer = client.post(
        "/employers/999999/employment-relations",
        json={"resident_id": adult.id, "started_on": "2020-01-01"},
        headers=headers,
    )
    assert (no_employer.status_code, no_employer.json()["code"]) == (404, "employer_not_found")
    assert start(adult.id).status_code == 201
    assert (
        client.post(
            "/employment-relations/999999/end", json={"ended_on": "2021-01-01"}, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.get(f"/residents/{adult.id}/employment-relations", headers=headers).status_code
        == 422
    )
    refused = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.subject_id == str(elsewhere.id)
        )
    ).all()
    assert len(refused) == 1
