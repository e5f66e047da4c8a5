"""A refused request names each field's rule in Chinese, for the clerk, never the input."""

from __future__ import annotations

from tests.cardsvc.conftest import Client, Payload, World


def _errors(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "invalid_request"
    return {".".join(e["loc"][1:]): e["msg"] for e in body["errors"]}


def test_each_rule_reads_in_chinese(
    client: Client, world: World, resident_payload: Payload
) -> None:
    body = resident_payload()
    del body["name"]
    body["birth_date"] = "19900101"
    body["ethnic_group"] = "1"
    errors = _errors(client.post("/residents", json=body, headers=world.headers("clerk_a1")))
    assert errors["name"] == "必填"
    assert errors["birth_date"] == "日期格式应为YYYY-MM-DD"
    assert errors["ethnic_group"] == "格式不正确"
    page = client.get("/platforms", params={"limit": 501}, headers=world.headers("clerk_a1"))
    assert _errors(page) == {"limit": "不能大于500"}
    action = client.post("/cards/N3BR8G4VX/lose", json={}, headers=world.headers("clerk_a1")).json()
    (problem,) = [e for e in action["errors"] if e["loc"] == ["path", "action"]]
    assert problem["msg"].startswith("须为下列之一：")
    assert "'loss'" in problem["allowed"]


def test_a_rule_never_repeats_the_input(
    client: Client, world: World, resident_payload: Payload
) -> None:
    number = "1101051949123100ZZ"
    body = resident_payload(social_security_number=number)
    response = client.post("/residents", json=body, headers=world.headers("clerk_a1"))
    assert response.status_code == 422
    assert number not in response.text
    assert all(not e["msg"].isascii() for e in response.json()["errors"])


def test_a_body_field_the_service_does_not_take_is_refused(
    client: Client, world: World, desk: object
) -> None:
    number = desk.normal_card()  # type: ignore[attr-defined]
    body = {**desk.identify_body(number), "admin": True}  # type: ignore[attr-defined]
    refused = client.post("/identify", json=body, headers=world.headers("clerk_a1"))
    assert refused.status_code == 422
    assert _errors(refused) == {"admin": "不接受此项"}
