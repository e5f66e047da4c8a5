from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.audit.service import verify_chain
from cardsvc.cards.models import Card
from cardsvc.cards.rules import CardState
from cardsvc.clerks.tokens import TokenClaims, issue_token
from cardsvc.kit.batching import Batcher
from cardsvc.kit.database import Database
from cardsvc.kit.types import utcnow
from cardsvc.summary import identify
from cardsvc.summary.router import get_identify_batcher
from tests.cardsvc.conftest import AUDIT_SECRET, Client, Desk, World

Payload = Callable[..., dict[str, object]]


def test_first_card_goes_from_production_to_normal(desk: Desk) -> None:
    ordered = desk.order()
    assert ordered["http"] == 201
    number = str(ordered["card_number"])
    assert ordered["profile_status"] == "0"
    issued = desk.act(number, "issue", "operator")
    assert issued["profile_status"] == "0"
    assert issued["expires_on"] is not None
    normal = desk.act(number, "activate")
    assert (normal["status"], normal["profile_status"]) == ("normal", "1")
    history = desk.client.get(
        f"/cards/{number}/history",
        params={"purpose": "卡片状态核查"},
        headers=desk.world.headers("clerk_a1"),
    ).json()
    assert [h["to_status"] for h in history["items"]] == ["in_production", "issued", "normal"]
    assert (history["total"], history["next"]) == (3, None)


@pytest.mark.parametrize(
    ("actions", "profile"),
    [
        (["temporary-loss"], "4"),
        (["temporary-loss", "loss"], "2"),
        (["loss"], "2"),
        (["loss", "lift-loss"], "1"),
        (["temporary-loss", "lift-loss"], "1"),
        (["lock"], "3"),
        (["lock", "unlock"], "1"),
    ],
)
def test_status_changes(desk: Desk, actions: list[str], profile: str) -> None:
    number = desk.normal_card()
    for action in actions:
        result = desk.act(number, action)
        assert result["http"] == 200, result
    assert result["profile_status"] == profile


@pytest.mark.parametrize(
    ("actions", "refused", "code"),
    [
        ([], "lift-loss", "refused_lift_loss"),
        ([], "unlock", "refused_unlock"),
        ([], "activate", "refused_activate"),
        (["lock"], "temporary-loss", "refused_report_temporary_loss"),
        (["cancel"], "lift-loss", "refused_lift_loss"),
    ],
)
def test_refused_transitions(desk: Desk, actions: list[str], refused: str, code: str) -> None:
    number = desk.normal_card()
    for action in actions:
        desk.act(number, action, cancel_reason="death")
    result = desk.act(number, refused)
    assert result["http"] == 409
    assert result["code"] == code
    assert "不能办理" in str(result["detail"])


def test_cancel_needs_a_reason(desk: Desk) -> None:
    number = desk.normal_card()
    assert desk.act(number, "cancel")["code"] == "missing_cancel_reason"
    assert desk.act(number, "cancel", cancel_reason="emigration")["profile_status"] == "9"


def test_replacement_flow(client: Client, world: World, resident_payload: Payload) -> None:
    desk = Desk(client, world, resident_payload)
    old = desk.normal_card()
    assert desk.order("first")["code"] == "card_exists"
    desk.act(old, "temporary-loss")
    assert desk.order("replacement")["code"] == "refused_replacement"
    desk.act(old, "loss")
    ordered = desk.order("replacement")
    assert ordered["http"] == 201
    new = str(ordered["card_number"])
    assert new != old
    assert desk.order("replacement")["code"] == "card_in_production"
    version = client.get("/blacklist", headers=world.headers("clerk_a1")).json()["version"]
    desk.act(new, "issue", "operator")
    assert desk.act(new, "activate")["status"] == "normal"
    history = client.get(
        f"/cards/{old}/history",
        params={"purpose": "卡片状态核查"},
        headers=world.headers("clerk_a1"),
    ).json()
    assert history["items"][-1]["to_status"] == "superseded"
    delta = client.get(
        "/blacklist", params={"since": version}, headers=world.headers("clerk_a1")
    ).json()
    # Already blacklisted when reported lost: superseding adds no entry.
    assert delta["items"] == []
    full = client.get("/blacklist", headers=world.headers("clerk_a1")).json()
    assert old in {e["card_number"] for e in full["items"] if e["action"] == "add"}


def test_blacklist_feed_is_versioned(
    client: Client, world: World, resident_payload: Payload
) -> None:
    desk = Desk(client, world, resident_payload)
    number = desk.normal_card()
    start = client.get("/blacklist", headers=world.headers("clerk_a1")).json()["version"]
    desk.act(number, "temporary-loss")
    desk.act(number, "lift-loss")
    delta = client.get(
        "/blacklist", params={"since": start}, headers=world.headers("operator")
    ).json()
    assert [(e["action"], e["status"]) for e in delta["items"]] == [
        ("add", "temporarily_lost"),
        ("remove", "normal"),
    ]
    assert (delta["complete"], delta["total"], delta["next"]) == (True, 2, None)
    assert delta["version"] == delta["items"][-1]["version"]
    first = client.get(
        "/blacklist", params={"since": start, "limit": 1}, headers=world.headers("clerk_a1")
    )
    page = first.json()
    assert (page["complete"], page["total"], len(page["items"])) == (False, 2, 1)
    # The next delta starts from the version reached, with the same page size.
    assert page["next"] == f"/blacklist?limit=1&since={page['version']}"
    assert first.headers["link"] == f'<{page["next"]}>; rel="next"'
    rest = client.get(page["next"], headers=world.headers("clerk_a1")).json()
    assert [e["status"] for e in rest["items"]] == ["normal"]
    assert (rest["complete"], rest["total"], rest["next"]) == (True, 1, None)
    assert client.get("/blacklist").status_code == 401


def test_idempotency_key_replays_and_refuses_reuse(desk: Desk) -> None:
    number = desk.normal_card()
    headers = {**desk.world.headers("clerk_a1"), "Idempotency-Key": "same-key-0001"}
    first = desk.client.post(f"/cards/{number}/lock", json={}, headers=headers)
    again = desk.client.post(f"/cards/{number}/lock", json={}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = desk.client.post(f"/cards/{number}/unlock", json={}, headers=headers)
    assert other.json()["code"] == "idempotency_key_reused"
    missing = desk.client.post(
        f"/cards/{number}/unlock", json={}, headers=desk.world.headers("clerk_a1")
    )
    assert missing.status_code == 422


@pytest.mark.parametrize(
    ("clerk", "action", "status"),
    [
        ("clerk_a1", "lock", 200),
        ("street_a", "lock", 200),
        ("clerk_a2", "lock", 404),  # outside jurisdiction: as if it did not exist
        ("street_b", "lock", 404),
        ("operator", "lock", 403),
        ("auditor", "lock", 403),
        ("key_officer", "lock", 403),
        ("admin", "lock", 403),
    ],
)
def test_card_action_role_and_jurisdiction(
    desk: Desk, clerk: str, action: str, status: int
) -> None:
    number = desk.normal_card()
    assert desk.act(number, action, clerk)["http"] == status


@pytest.mark.parametrize(
    ("clerk", "status"), [("operator", 200), ("clerk_a1", 403), ("clerk_a2", 403)]
)
def test_only_issuance_operators_issue(desk: Desk, clerk: str, status: int) -> None:
    number = str(desk.order()["card_number"])
    assert desk.act(number, "issue", clerk)["http"] == status


def test_order_role_and_jurisdiction(desk: Desk) -> None:
    assert desk.order(clerk="clerk_b1")["http"] == 404  # outside jurisdiction
    assert desk.order(clerk="operator")["http"] == 403
    assert desk.order(clerk="street_a")["http"] == 201


def test_database_allows_one_usable_card_per_resident(desk: Desk, session: Session) -> None:
    number = desk.normal_card()
    card = session.query(Card).filter_by(card_number=number).one()
    twin = Card(
        resident_id=card.resident_id,
        card_number="D2143569X",
        generation="3.00",
        key_version=1,
        status=CardState.normal,
        order_reason="first",
    )
    nested = session.begin_nested()
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    nested.rollback()


def test_temporary_loss_lapses_after_the_period(desk: Desk, connection: Connection) -> None:
    number = desk.normal_card()
    desk.act(number, "temporary-loss")
    connection.execute(
        text("UPDATE cards SET status_changed_at = :at WHERE card_number = :n"),
        {"at": datetime.now(UTC) - timedelta(days=6), "n": number},
    )
    result = desk.act(number, "lock")  # the lapse is applied first, then the lock
    assert result["status"] == "locked"
    history = desk.client.get(
        f"/cards/{number}/history",
        params={"purpose": "卡片状态核查"},
        headers=desk.world.headers("clerk_a1"),
    ).json()
    assert [h["event"] for h in history["items"]][-2:] == ["lapse_temporary_loss", "lock"]


def test_identify_lapses_a_temporary_loss_first(desk: Desk, connection: Connection) -> None:
    """identify reads the card with Core; a lapsed temporary loss still lapses (and is kept)."""
    number = desk.normal_card()
    desk.act(number, "temporary-loss")
    body = desk.identify_body(number)
    headers = desk.world.headers("clerk_b1")
    refused = desk.client.post("/identify", json=body, headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "card_blacklisted")
    connection.execute(
        text("UPDATE cards SET status_changed_at = :at WHERE card_number = :n"),
        {"at": datetime.now(UTC) - timedelta(days=6), "n": number},
    )
    ok = desk.client.post("/identify", json=body, headers=headers)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["card"]["status"], ok.json()["card"]["profile_status"]) == ("normal", "1")
    history = desk.client.get(
        f"/cards/{number}/history",
        params={"purpose": "卡片状态核查"},
        headers=desk.world.headers("clerk_a1"),
    ).json()
    assert history["items"][-1]["event"] == "lapse_temporary_loss"


def test_identifies_arriving_together_are_answered_each_in_shared_batches(
    desk: Desk,
    world: World,
    resident_payload: Payload,
    session: Session,
    app: FastAPI,
) -> None:
    """Identifies sent at once share batches (one transaction each), yet every window gets
    its own answer, every read and every refusal is audited, and the chain stays whole."""
    sizes: list[int] = []
    database: Database = app.state.database

    async def measured(batch: list[identify.Presented]) -> list[Any]:
        sizes.append(len(batch))
        return await database.run(identify.identify_batch, world.settings, batch, utcnow())

    batcher = Batcher(measured, max_size=128)
    app.dependency_overrides[get_identify_batcher] = lambda: batcher
    number = desk.normal_card()
    lost_desk = Desk(desk.client, world, resident_payload)
    lost = lost_desk.normal_card()
    lost_desk.act(lost, "loss")
    good = desk.identify_body(number)
    lost_body = lost_desk.identify_body(lost)
    stranger = world.settings.token_secret.get_secret_value().encode()
    expiry = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    nobody = {"Authorization": f"Bearer {issue_token(stranger, TokenClaims(10**6, 1, expiry))}"}
    cases: list[tuple[dict[str, object], dict[str, str], int, str | None]] = [
        (good, world.headers("clerk_b1"), 200, None),
        (
            {**good, "card_number": "D2143569X"},
            world.headers("clerk_a1"),
            403,
            "card_not_on_record",
        ),
        (
            {**good, "card_identification_code": lost_body["card_identification_code"]},
            world.headers("clerk_b1"),
            403,
            "card_mismatch",
        ),
        (
            {**good, "social_security_number": lost_desk.body["social_security_number"]},
            world.headers("clerk_a2"),
            403,
            "card_mismatch",
        ),
        (lost_body, world.headers("street_a"), 403, "card_blacklisted"),
        (good, world.headers("auditor"), 403, "role_not_allowed"),
        (good, nobody, 401, "invalid_token"),
        ({**good, "card_number": "123"}, world.headers("clerk_a1"), 422, None),
        (good, world.headers("street_b"), 200, None),
    ] * 4
    before = session.scalar(select(func.max(AuditEvent.seq))) or 0
    answers = desk.client.together(
        [("POST", "/identify", {"json": body, "headers": headers}) for body, headers, _, _ in cases]
    )
    for (_body, _headers, status, code), answer in zip(cases, answers, strict=True):
        assert answer.status_code == status, answer.text
        if code is not None:
            assert answer.json()["code"] == code
        if status == 200:
            assert answer.json()["resident"]["name"] == "张三"
            assert answer.json()["card"]["card_number"] == number
    assert max(sizes) > 1, sizes  # they were batched
    session.expire_all()
    added = session.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
    reads = [e for e in added if e.action == "read" and '"via":"identify"' in e.payload]
    refusals = [e for e in added if e.action == "refused"]
    assert len(reads) == sum(1 for case in cases if case[2] == 200)
    assert len(refusals) == sum(1 for case in cases if case[2] == 403)
    # Each refusal is on record with its own reason: the two kinds of unknown card apart.
    assert Counter(json.loads(e.payload)["code"] for e in refusals) == Counter(
        case[3] for case in cases if case[2] == 403
    )
    assert {e.window_id for e in reads} == {
        world.windows["clerk_b1"].id,
        world.windows["street_b"].id,
    }
    assert list(verify_chain(session, AUDIT_SECRET)) == []


def test_a_failed_identify_batch_answers_each_window_503_to_retry(desk: Desk, app: FastAPI) -> None:
    number = desk.normal_card()

    async def broken(_batch: list[identify.Presented]) -> list[Any]:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    batcher = Batcher(broken, max_size=128)
    app.dependency_overrides[get_identify_batcher] = lambda: batcher
    body = desk.identify_body(number)

    async def two_windows() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post("/identify", json=body, headers=desk.world.headers(who))
                        for who in ("clerk_a1", "clerk_b1")
                    )
                )
            )

    for answer in asyncio.run(two_windows()):
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["code"] == "service_unavailable"
        assert desk.body["social_security_number"] not in answer.text


def test_an_unexpected_identify_error_answers_a_500_problem(desk: Desk, app: FastAPI) -> None:
    """A bug inside a batch reaches the window as the app's 500 problem, not a hang."""

    async def broken(_batch: list[identify.Presented]) -> list[Any]:
        return [RuntimeError("a bug") for _ in _batch]

    body = desk.identify_body(desk.normal_card())
    batcher = Batcher(broken, max_size=128)
    app.dependency_overrides[get_identify_batcher] = lambda: batcher

    async def identify() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post("/identify", json=body, headers=desk.world.headers("clerk_a1"))

    answer = asyncio.run(identify())
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal_error"


def test_identify(desk: Desk) -> None:
    number = desk.normal_card()
    body = desk.identify_body(number)
    headers = desk.world.headers("clerk_b1")  # any window may identify a presented card
    ok = desk.client.post("/identify", json=body, headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["card"]["profile_status"] == "1"
    assert ok.json()["resident"]["name"] == "张三"
    unknown = desk.client.post(
        "/identify", json={**body, "card_number": "D2143569X"}, headers=headers
    )
    assert (unknown.status_code, unknown.json()["code"]) == (403, "card_not_on_record")
    assert unknown.json()["detail"].startswith("卡片未登记")
    forged = desk.client.post(
        "/identify", json={**body, "card_identification_code": "0" * 32}, headers=headers
    )
    assert (forged.status_code, forged.json()["code"]) == (403, "card_mismatch")
    assert forged.json()["detail"] == "卡片信息与登记信息不符，请核实持卡人身份"
    desk.act(number, "loss")
    refused = desk.client.post("/identify", json=body, headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "card_blacklisted")
    assert (
        desk.client.post("/identify", json=body, headers=desk.world.headers("operator")).status_code
        == 403
    )
    assert desk.client.post("/identify", json=body).status_code == 401
    # A wrong method is a problem like any other, naming what is allowed.
    wrong_method = desk.client.get("/identify", headers=headers)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["code"] == "http_405"


def test_a_cards_history_is_an_audited_read_with_its_purpose(desk: Desk, session: Session) -> None:
    number = desk.normal_card()
    headers = desk.world.headers("clerk_a1")
    bare = desk.client.get(f"/cards/{number}/history", headers=headers)
    assert bare.status_code == 422
    read = desk.client.get(
        f"/cards/{number}/history", params={"purpose": "挂失前核对"}, headers=headers
    )
    assert read.status_code == 200
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "read").order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None
    assert (event.subject_type, event.purpose) == ("card", "挂失前核对")
    assert event.clerk_id == desk.world.clerks["clerk_a1"].id
