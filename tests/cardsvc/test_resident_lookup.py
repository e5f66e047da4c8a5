"""Finding a resident who brings no card: by number, by a card's number, or by name.

Within the clerk's jurisdiction only; every lookup audited with its purpose; results
masked until one resident is opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from tests.cardsvc.conftest import Client, Desk, World, make_ssn

Payload = Callable[..., dict[str, object]]
PURPOSE = {"purpose": "补卡身份核实"}


def _register(
    client: Client,
    world: World,
    resident_payload: Payload,
    *,
    name: str,
    birth: date,
    sequence: int,
    community: str = "community_a1",
) -> dict[str, Any]:
    """A resident (odd sequence: male, even: female), registered by that community's clerk."""
    body = resident_payload(
        community,
        social_security_number=make_ssn(birth, sequence=sequence),
        name=name,
        sex="1" if sequence % 2 else "2",
        birth_date=birth.isoformat(),
    )
    clerk = {"community_a1": "clerk_a1", "community_a2": "clerk_a2", "community_b1": "clerk_b1"}
    response = client.post("/residents", json=body, headers=world.headers(clerk[community]))
    assert response.status_code == 201, response.text
    return {**body, "id": response.json()["id"]}


def _find(client: Client, world: World, clerk: str = "clerk_a1", **criteria: Any) -> Any:
    return client.get(
        "/residents", params={**PURPOSE, **criteria}, headers=world.headers(clerk)
    )


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def people(client: Client, world: World, resident_payload: Payload) -> dict[str, dict[str, Any]]:
    def register(name: str, birth: date, sequence: int, community: str) -> dict[str, Any]:
        return _register(
            client,
            world,
            resident_payload,
            name=name,
            birth=birth,
            sequence=sequence,
            community=community,
        )

    return {
        "zhang_m_1980": register("张伟", date(1980, 3, 1), 11, "community_a1"),
        "zhang_f_1980": register("张伟", date(1980, 7, 9), 12, "community_a1"),
        "zhang_m_1992": register("张伟", date(1992, 5, 5), 13, "community_a2"),
        "zhang_b1": register("张伟", date(1980, 3, 1), 15, "community_b1"),
        "li": register("李娜", date(1985, 2, 2), 14, "community_a1"),
    }


def test_by_number_finds_the_one_resident_masked(
    client: Client, world: World, people: dict[str, dict[str, Any]]
) -> None:
    li = people["li"]
    number = str(li["social_security_number"])
    response = _find(client, world, social_security_number=number)
    assert _ids(response) == [li["id"]]
    [item] = response.json()["items"]
    assert item["social_security_number"] == number[:4] + "*" * 10 + number[-4:]
    assert item["name"] == "李*"
    assert number not in response.text
    # Opened one at a time, with the purpose: the full record.
    opened = client.get(f"/residents/{li['id']}", params=PURPOSE, headers=world.headers("clerk_a1"))
    assert opened.json()["social_security_number"] == number


def test_a_number_with_a_lower_case_x_is_the_same_number(
    client: Client, world: World, resident_payload: Payload
) -> None:
    body = resident_payload(social_security_number="11010519491231002X", birth_date="1949-12-31")
    created = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert created.status_code == 201
    response = _find(client, world, social_security_number="11010519491231002x")
    assert _ids(response) == [created.json()["id"]]


def test_a_resident_outside_the_jurisdiction_is_not_found(
    client: Client, world: World, people: dict[str, dict[str, Any]]
) -> None:
    number = people["zhang_b1"]["social_security_number"]
    assert _ids(_find(client, world, "clerk_a1", social_security_number=number)) == []
    assert _ids(_find(client, world, "street_b", social_security_number=number)) == [
        people["zhang_b1"]["id"]
    ]


@pytest.mark.parametrize(
    ("criteria", "code", "detail"),
    [
        (
            {"social_security_number": "110105194912310021"},
            "invalid_social_security_number",
            "社会保障号码校验位不正确，请核对",
        ),
        (
            {"social_security_number": "11010519491231"},
            "invalid_social_security_number",
            "社会保障号码应为18位",
        ),
        ({"card_number": "D2143569Y"}, "invalid_card_number", "社会保障卡卡号校验位不正确，请核对"),
        ({"card_number": "D2143"}, "invalid_card_number", "社会保障卡卡号应为9位"),
        ({"name": "张3"}, "invalid_name", "姓名不能含有数字"),
        ({"sex": "1"}, "name_required", "按性别或出生年份查找时须同时提供姓名"),
        ({"birth_year": 1980}, "name_required", "按性别或出生年份查找时须同时提供姓名"),
    ],
)
def test_an_invalid_lookup_is_refused_in_chinese_without_repeating_it(
    client: Client, world: World, criteria: dict[str, Any], code: str, detail: str
) -> None:
    response = _find(client, world, **criteria)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["detail"]) == (code, detail)
    for value in criteria.values():
        if len(str(value)) > 4:
            assert str(value) not in response.text


def test_by_card_number_finds_the_holder_of_current_and_past_cards(
    desk: Desk, world: World
) -> None:
    old = desk.normal_card()
    desk.act(old, "loss")
    new = str(desk.order("replacement")["card_number"])
    for number in (old, new, new.lower()):
        assert _ids(_find(desk.client, world, card_number=number)) == [desk.resident_id]
    # A valid number no card has, and a card outside the jurisdiction: nobody.
    assert _ids(_find(desk.client, world, card_number="D2143569X")) == []
    assert _ids(_find(desk.client, world, "clerk_b1", card_number=new)) == []


def test_by_name_within_the_jurisdiction_narrowed_by_sex_and_birth_year(
    client: Client, world: World, people: dict[str, dict[str, Any]]
) -> None:
    p = {key: person["id"] for key, person in people.items()}
    assert _ids(_find(client, world, name="张伟")) == [p["zhang_m_1980"], p["zhang_f_1980"]]
    assert _ids(_find(client, world, name=" 张伟 ")) == [p["zhang_m_1980"], p["zhang_f_1980"]]
    assert _ids(_find(client, world, name="张伟", sex="2")) == [p["zhang_f_1980"]]
    assert _ids(_find(client, world, name="张伟", birth_year=1980, sex="1")) == [p["zhang_m_1980"]]
    assert _ids(_find(client, world, name="张伟", birth_year=1981)) == []
    assert _ids(_find(client, world, name="张")) == []  # exact names only
    street = _ids(_find(client, world, "street_a", name="张伟"))
    assert street == [p["zhang_m_1980"], p["zhang_f_1980"], p["zhang_m_1992"]]
    assert _ids(_find(client, world, "street_a", name="张伟", birth_year=1992)) == [
        p["zhang_m_1992"]
    ]


def test_criteria_must_all_match(
    client: Client, world: World, people: dict[str, dict[str, Any]]
) -> None:
    li = people["li"]
    number = li["social_security_number"]
    assert _ids(_find(client, world, social_security_number=number, name="李娜")) == [li["id"]]
    assert _ids(_find(client, world, social_security_number=number, name="张伟")) == []


def test_without_criteria_the_whole_jurisdiction_is_a_paged_list(
    client: Client, world: World, people: dict[str, dict[str, Any]]
) -> None:
    page = _find(client, world, limit=2).json()
    assert (len(page["items"]), page["total"], page["total_exact"]) == (2, 3, True)
    assert page["next"] is not None


def test_a_lookup_needs_a_purpose_and_a_window_role(
    client: Client, world: World, people: dict[str, dict[str, Any]]
) -> None:
    number = people["li"]["social_security_number"]
    missing = client.get(
        "/residents",
        params={"social_security_number": number},
        headers=world.headers("clerk_a1"),
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"] == ["query", "purpose"]
    assert _find(client, world, "operator", social_security_number=number).status_code == 403


def test_every_lookup_is_audited_with_its_purpose_and_criteria_hidden(
    client: Client, world: World, people: dict[str, dict[str, Any]], session: Session
) -> None:
    li = people["li"]
    number = str(li["social_security_number"])
    _find(client, world, social_security_number=number)
    _find(client, world, name="张伟", sex="1", birth_year=1980)
    _find(client, world, card_number="D2143569X")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "list").order_by(AuditEvent.seq)
    ).all()[-3:]
    for event in events:
        assert (event.clerk_id, event.window_id, event.purpose) == (
            world.clerks["clerk_a1"].id,
            world.windows["clerk_a1"].id,
            "补卡身份核实",
        )
        assert number not in event.payload
        assert "张伟" not in event.payload
    by_number, by_name, by_card = (json.loads(event.payload) for event in events)
    assert by_number["ids"] == [li["id"]]
    assert by_number["criteria"]["social_security_number"].startswith(number[:4] + "*" * 10)
    assert by_name["criteria"]["name"].startswith("张*#")
    assert (by_name["criteria"]["sex"], by_name["criteria"]["birth_year"]) == ("1", 1980)
    assert by_name["ids"] == [people["zhang_m_1980"]["id"]]
    assert by_card == {"criteria": {"card_number": "D2143569X"}, "ids": []}
