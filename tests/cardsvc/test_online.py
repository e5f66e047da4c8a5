"""Residents online: access opened at a window, their own records, who read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.clerks.models import LoginFailure
from cardsvc.online.models import OnlineAccount
from tests.cardsvc.conftest import Client, Desk, World

PURPOSE = {"purpose": "窗口业务办理"}
PASSWORD = "hongqiao2026"  # noqa: S105 - a test resident's password


def _grant(client: Client, world: World, resident_id: object, clerk: str = "clerk_a1") -> str:
    response = client.post(f"/residents/{resident_id}/online-access", headers=world.headers(clerk))
    assert response.status_code == 201, response.text
    return str(response.json()["activation_code"])


def _activate(client: Client, ssn: object, code: str, password: str = PASSWORD) -> int:
    return client.post(
        "/online/activate",
        json={"social_security_number": ssn, "activation_code": code, "password": password},
    ).status_code


def _login(client: Client, ssn: object, password: str = PASSWORD) -> dict[str, object]:
    response = client.post(
        "/online/login", json={"social_security_number": ssn, "password": password}
    )
    return {"http": response.status_code, **response.json()}


@pytest.fixture
def online(client: Client, world: World, desk: Desk) -> dict[str, str]:
    """The desk's resident, with a card in use, signed in online."""
    desk.normal_card()
    ssn = str(desk.body["social_security_number"])
    assert _activate(client, ssn, _grant(client, world, desk.resident_id)) == 204
    token = _login(client, ssn)["token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_resident_sees_their_own_records(
    client: Client, desk: Desk, online: dict[str, str]
) -> None:
    mine = client.get("/online/me", headers=online)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["resident"]["id"] == desk.resident_id
    assert body["resident"]["social_security_number"] == desk.body["social_security_number"]
    assert [card["status"] for card in body["cards"]] == ["normal"]


def test_a_resident_sees_who_read_their_records(
    client: Client, world: World, desk: Desk, online: dict[str, str]
) -> None:
    number = str(
        client.get(
            f"/residents/{desk.resident_id}/cards",
            params=PURPOSE,
            headers=world.headers("clerk_a1"),
        ).json()["items"][0]["card_number"]
    )
    client.get(
        f"/residents/{desk.resident_id}",
        params={"purpose": "核对户籍地址"},
        headers=world.headers("street_a"),
    )
    identified = client.post(
        "/identify", json=desk.identify_body(number), headers=world.headers("clerk_a1")
    )
    assert identified.status_code == 200
    accesses = client.get("/online/me/accesses", headers=online)
    assert accesses.status_code == 200, accesses.text
    items = accesses.json()["items"]
    street_read = [a for a in items if a["purpose"] == "核对户籍地址"]
    assert len(street_read) == 1
    assert street_read[0]["clerk"] == "street_a"
    assert street_read[0]["window"] == "street_a窗口"
    assert street_read[0]["platform"] == "玄武门街道人力资源和社会保障服务中心"
    assert street_read[0]["action_label"] == "查阅"
    assert any(a["purpose"] == "窗口读卡识别" for a in items)
    assert all(a["clerk"] is not None for a in items)


def test_a_resident_sees_nothing_of_anyone_else(
    client: Client, world: World, desk: Desk, online: dict[str, str], resident_payload: object
) -> None:
    other = client.post(
        "/residents",
        json=resident_payload(),
        headers=world.headers("clerk_a1"),  # type: ignore[operator]
    ).json()
    client.get(
        f"/residents/{other['id']}",
        params={"purpose": "他人业务"},
        headers=world.headers("clerk_a1"),
    )
    items = client.get("/online/me/accesses", headers=online).json()["items"]
    assert all(a["purpose"] != "他人业务" for a in items)
    # A resident's token opens no clerk route, and a clerk's token no resident route.
    assert (
        client.get(f"/residents/{other['id']}", params=PURPOSE, headers=online).status_code == 401
    )
    assert client.get("/residents", params=PURPOSE, headers=online).status_code == 401
    assert client.get("/online/me", headers=world.headers("clerk_a1")).status_code == 401


def test_codes_are_once_only_and_a_new_code_ends_old_sessions(
    client: Client, world: World, desk: Desk, online: dict[str, str]
) -> None:
    ssn = str(desk.body["social_security_number"])
    code = _grant(client, world, desk.resident_id)
    assert client.get("/online/me", headers=online).status_code == 401  # reopened: signed out
    assert _login(client, ssn)["http"] == 401  # nor does the old password work
    assert _activate(client, ssn, code, "newpassword99") == 204
    assert _activate(client, ssn, code, "another1pass") == 401  # the code is spent
    assert _login(client, ssn, "newpassword99")["http"] == 200


def test_expired_codes_and_weak_passwords_are_refused(
    client: Client, world: World, desk: Desk, session: Session
) -> None:
    ssn = str(desk.body["social_security_number"])
    code = _grant(client, world, desk.resident_id)
    for weak in ("short1", "onlyletters", ssn[-6:] + "ab12"):
        answer = client.post(
            "/online/activate",
            json={"social_security_number": ssn, "activation_code": code, "password": weak},
        )
        assert (answer.status_code, answer.json()["code"]) == (422, "weak_password")
    session.execute(
        update(OnlineAccount).values(activation_expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    session.commit()
    assert _activate(client, ssn, code) == 401


def test_failed_logins_are_counted_without_the_number_and_throttled(
    client: Client, world: World, desk: Desk, session: Session
) -> None:
    ssn = str(desk.body["social_security_number"])
    _activate(client, ssn, _grant(client, world, desk.resident_id))
    for _ in range(5):
        refused = _login(client, ssn, "wrong-password1")
        assert (refused["http"], refused["code"]) == (401, "bad_credentials")
        assert refused["detail"] == "社会保障号码、密码或开通码不正确"
    throttled = _login(client, ssn)
    assert (throttled["http"], throttled["code"]) == (429, "too_many_attempts")
    keys = session.scalars(select(LoginFailure.username)).all()
    assert len(keys) == 5
    assert all(ssn not in key and ssn[-6:] not in key for key in keys)
    throttled_events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login_throttled")
    ).all()
    assert throttled_events
    assert all(ssn not in e.payload for e in throttled_events)


def test_unknown_numbers_answer_as_wrong_passwords(client: Client) -> None:
    for ssn in ("11010519491231002X", "110105194912310021"):
        refused = _login(client, ssn, "whatever123")
        assert (refused["http"], refused["code"]) == (401, "bad_credentials")


def test_resident_routes_refuse_parameters_they_do_not_declare(
    client: Client, online: dict[str, str]
) -> None:
    for path in ("/online/me", "/online/me/accesses"):
        refused = client.get(path, params={"zz": "1"}, headers=online)
        assert refused.status_code == 422, path
        assert refused.json()["errors"][0]["loc"] == ["query", "zz"]


def test_reads_of_insurance_and_employment_relations_reach_the_access_log(
    client: Client, world: World, desk: Desk, online: dict[str, str]
) -> None:
    before = client.get("/online/me/accesses", headers=online).json()["total"]
    for path in (
        "insurance",
        "insurance/summary",
        "insurance/contributions",
        "employment-relations",
    ):
        read = client.get(
            f"/residents/{desk.resident_id}/{path}",
            params={"purpose": f"核查{path}"},
            headers=world.headers("clerk_a1"),
        )
        assert read.status_code == 200, (path, read.text)
    items = client.get("/online/me/accesses", headers=online).json()["items"]
    purposes = {a["purpose"] for a in items}
    assert {
        "核查insurance",
        "核查insurance/summary",
        "核查insurance/contributions",
        "核查employment-relations",
    } <= purposes
    assert client.get("/online/me/accesses", headers=online).json()["total"] >= before + 4
