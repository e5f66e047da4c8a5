from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from tests.cardsvc.conftest import Client, World

Payload = Callable[..., dict[str, object]]
PURPOSE = {"purpose": "窗口业务办理"}


def _list(client: Client, world: World, clerk: str, **params: object) -> dict[str, Any]:
    response = client.get("/residents", params={**PURPOSE, **params}, headers=world.headers(clerk))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _register(client: Client, world: World, clerk: str, body: dict[str, object]) -> int:
    response = client.post("/residents", json=body, headers=world.headers(clerk))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.mark.parametrize(
    ("clerk", "community", "status"),
    [
        ("clerk_a1", "community_a1", 201),
        ("street_a", "community_a1", 201),  # a street clerk acts for its communities
        ("clerk_a2", "community_a1", 403),  # another community
        ("street_b", "community_a1", 403),  # another street
        ("auditor", "community_a1", 403),  # role
        ("operator", "community_a1", 403),
        ("admin", "community_a1", 403),
    ],
)
def test_register_role_and_jurisdiction(
    client: Client, world: World, resident_payload: Payload, clerk: str, community: str, status: int
) -> None:
    response = client.post(
        "/residents", json=resident_payload(community), headers=world.headers(clerk)
    )
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["code"] in {"outside_jurisdiction", "role_not_allowed"}


def test_register_normalises_the_number(
    client: Client, world: World, resident_payload: Payload
) -> None:
    body = resident_payload(social_security_number="11010519491231002x", birth_date="1949-12-31")
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 201
    assert response.json()["social_security_number"] == "11010519491231002X"


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"social_security_number": "110105194912310021"}, "invalid_social_security_number"),
        ({"sex": "1"}, "ssn_mismatch"),
        ({"birth_date": "1990-01-02"}, "ssn_mismatch"),
        ({"name": "李𠀾"}, "invalid_request"),  # not GBK: refused by the schema
        ({"ethnic_group": "60"}, "invalid_ethnic_group"),
    ],
)
def test_register_refuses_bad_data(
    client: Client, world: World, resident_payload: Payload, override: dict[str, object], code: str
) -> None:
    body = resident_payload(**override)
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert str(body["social_security_number"]) not in response.text


def test_resident_must_belong_to_a_community(
    client: Client, world: World, resident_payload: Payload
) -> None:
    body = resident_payload(platform_id=world.platforms["street_a"].id)
    response = client.post("/residents", json=body, headers=world.headers("street_a"))
    assert response.json()["code"] == "not_a_community"


def test_duplicate_number_is_409(client: Client, world: World, resident_payload: Payload) -> None:
    body = resident_payload()
    _register(client, world, "clerk_a1", body)
    again = client.post("/residents", json=body, headers=world.headers("street_a"))
    assert again.status_code == 409
    assert again.json()["code"] == "resident_exists"


def test_validation_errors_do_not_echo_input(
    client: Client, world: World, resident_payload: Payload
) -> None:
    body = resident_payload(social_security_number="32010219900101002X", sex="男")
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 422
    assert "32010219900101002X" not in response.text
    assert response.json()["code"] == "invalid_request"


def test_list_masks_numbers_and_names_and_stays_in_jurisdiction(
    client: Client, world: World, resident_payload: Payload
) -> None:
    a1 = resident_payload("community_a1")
    _register(client, world, "clerk_a1", a1)
    _register(client, world, "clerk_a2", resident_payload("community_a2", name="欧阳娜娜"))
    own = _list(client, world, "clerk_a1")
    assert (own["total"], own["total_exact"], own["next"]) == (1, True, None)
    number = str(a1["social_security_number"])
    assert own["items"][0]["social_security_number"] == number[:4] + "*" * 10 + number[-4:]
    assert own["items"][0]["name"] == "张*"
    street = _list(client, world, "street_a")
    assert sorted(r["name"] for r in street["items"]) == ["张*", "欧***"]
    assert _list(client, world, "clerk_b1") == {
        "items": [],
        "total": 0,
        "total_exact": True,
        "next": None,
    }
    refused = client.get("/residents", params=PURPOSE, headers=world.headers("operator"))
    assert refused.status_code == 403


def test_read_is_audited_with_clerk_window_and_purpose(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    body = resident_payload()
    resident_id = _register(client, world, "clerk_a1", body)
    response = client.get(
        f"/residents/{resident_id}", headers=world.headers("street_a"), params=PURPOSE
    )
    assert response.status_code == 200
    assert response.json()["social_security_number"] == body["social_security_number"]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "read").order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None
    assert (event.clerk_id, event.window_id, event.purpose, event.subject_id) == (
        world.clerks["street_a"].id,
        world.windows["street_a"].id,
        "窗口业务办理",
        str(resident_id),
    )


def test_change_is_audited_without_personal_data_in_clear(
    client: Client, world: World, resident_payload: Payload, session: Session
) -> None:
    body = resident_payload()
    resident_id = _register(client, world, "clerk_a1", body)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "resident.register", AuditEvent.subject_id == str(resident_id)
        )
    ).one()
    payload = json.loads(event.payload)
    assert payload["before"] is None
    assert payload["after"]["name"].startswith("张*#")
    assert str(body["social_security_number"]) not in event.payload
    assert "张三" not in event.payload


@pytest.mark.parametrize(
    ("clerk", "status"),
    [
        ("clerk_a1", 200),
        ("street_a", 200),
        ("auditor", 200),
        ("clerk_a2", 404),  # outside jurisdiction: as if it did not exist
        ("street_b", 404),
        ("operator", 403),
    ],
)
def test_read_role_and_jurisdiction(
    client: Client, world: World, resident_payload: Payload, clerk: str, status: int
) -> None:
    resident_id = _register(client, world, "clerk_a1", resident_payload())
    response = client.get(f"/residents/{resident_id}", headers=world.headers(clerk), params=PURPOSE)
    assert response.status_code == status


def test_read_needs_a_purpose_and_a_token(
    client: Client, world: World, resident_payload: Payload
) -> None:
    resident_id = _register(client, world, "clerk_a1", resident_payload())
    assert (
        client.get(f"/residents/{resident_id}", headers=world.headers("clerk_a1")).status_code
        == 422
    )
    assert client.get(f"/residents/{resident_id}", params=PURPOSE).status_code == 401
    missing = client.get("/residents/999999", headers=world.headers("clerk_a1"), params=PURPOSE)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "参保人员不存在"
