"""Card reads, lapsing temporary losses, refusals in the audit trail, bootstrap and seed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.audit.service import AuditTrail, verify_chain
from cardsvc.cards.lifecycle import lapse_temporary_losses
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.service import bootstrap_administrator
from cardsvc.errors import ConflictError
from cardsvc.imports.service import import_cards, import_residents
from cardsvc.residents.models import Resident
from cardsvc.seed import build_demo_province
from cardsvc.settings import Settings
from simulators.population_csv import write_population_csv
from tests.cardsvc.conftest import AUDIT_SECRET, Client, Desk, World

Payload = Callable[..., dict[str, object]]
PURPOSE = {"purpose": "窗口业务办理"}


@pytest.fixture
def desk(client: Client, world: World, resident_payload: Payload) -> Desk:
    return Desk(client, world, resident_payload)


def _age(connection: Connection, number: str, days: int) -> None:
    connection.execute(
        text("UPDATE cards SET status_changed_at = :at WHERE card_number = :n"),
        {"at": datetime.now(UTC) - timedelta(days=days), "n": number},
    )


def test_read_a_card_and_a_residents_cards(desk: Desk, session: Session) -> None:
    old = desk.normal_card()
    desk.act(old, "loss")
    new = str(desk.order("replacement")["card_number"])
    headers = desk.world.headers("clerk_a1")
    card = desk.client.get(f"/cards/{new}", params=PURPOSE, headers=headers).json()
    assert (card["status"], card["order_reason"]) == ("in_production", "replacement")
    cards = desk.client.get(
        f"/residents/{desk.resident_id}/cards", params=PURPOSE, headers=headers
    ).json()
    assert [c["card_number"] for c in cards["items"]] == [old, new]
    assert (cards["total"], cards["next"]) == (2, None)
    first = desk.client.get(
        f"/residents/{desk.resident_id}/cards", params={**PURPOSE, "limit": 1}, headers=headers
    )
    assert [c["card_number"] for c in first.json()["items"]] == [old]
    following = first.json()["next"]
    assert following == (
        f"/residents/{desk.resident_id}/cards?purpose=%E7%AA%97%E5%8F%A3%E4%B8%9A%E5%8A%A1"
        "%E5%8A%9E%E7%90%86&limit=1&offset=1"
    )
    assert first.headers["link"] == f'<{following}>; rel="next"'
    second = desk.client.get(following, headers=headers).json()
    assert [c["card_number"] for c in second["items"]] == [new]
    assert (second["total"], second["next"]) == (2, None)
    assert desk.client.get(f"/cards/{new}", headers=headers).status_code == 422  # no purpose
    reads = session.scalars(select(AuditEvent.purpose).where(AuditEvent.action == "read")).all()
    assert reads.count("窗口业务办理") >= 2


def test_a_lapsed_temporary_loss_lapses_when_read(desk: Desk, connection: Connection) -> None:
    number = desk.normal_card()
    desk.act(number, "temporary-loss")
    _age(connection, number, 6)
    card = desk.client.get(
        f"/cards/{number}", params=PURPOSE, headers=desk.world.headers("clerk_a1")
    ).json()
    assert card["status"] == "normal"


def test_sweep_lapses_only_expired_temporary_losses(
    client: Client,
    world: World,
    resident_payload: Payload,
    session: Session,
    connection: Connection,
    settings: Settings,
) -> None:
    desks = [Desk(client, world, resident_payload) for _ in range(3)]
    numbers = [d.normal_card() for d in desks]
    for d, number in zip(desks, numbers, strict=True):
        d.act(number, "temporary-loss")
    _age(connection, numbers[0], 6)
    _age(connection, numbers[1], 7)
    trail = AuditTrail(session, None, AUDIT_SECRET)
    now = datetime.now(UTC)
    assert lapse_temporary_losses(session, trail, settings, now, limit=1) == 1
    assert lapse_temporary_losses(session, trail, settings, now, limit=10) == 1
    assert lapse_temporary_losses(session, trail, settings, now, limit=10) == 0
    statuses = [
        desks[0].act(n, "lock")["status"] for n in numbers[:2]
    ]  # both normal again, so they lock
    assert statuses == ["locked", "locked"]
    assert (
        desks[2]
        .client.get(f"/cards/{numbers[2]}", params=PURPOSE, headers=world.headers("clerk_a1"))
        .json()["status"]
        == "temporarily_lost"
    )


def _refusals(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")))


def test_refused_reads_stay_in_the_audit_trail(desk: Desk, session: Session) -> None:
    response = desk.client.get(
        f"/residents/{desk.resident_id}", params=PURPOSE, headers=desk.world.headers("clerk_b1")
    )
    assert response.status_code == 404  # outside jurisdiction: as if it did not exist
    [refusal] = _refusals(session)
    assert (refusal.subject_type, refusal.subject_id) == ("resident", str(desk.resident_id))
    assert refusal.clerk_id == desk.world.clerks["clerk_b1"].id
    assert refusal.purpose == "窗口业务办理"
    assert '"code":"outside_jurisdiction"' in refusal.payload
    assert list(verify_chain(session, AUDIT_SECRET)) == []


def test_a_blacklisted_card_at_identify_is_audited(desk: Desk, session: Session) -> None:
    number = desk.normal_card()
    desk.act(number, "loss")
    card = desk.client.get(
        f"/cards/{number}", params=PURPOSE, headers=desk.world.headers("clerk_a1")
    ).json()
    body = {
        "card_identification_code": card["card_identification_code"],
        "card_number": number,
        "social_security_number": desk.body["social_security_number"],
    }
    response = desk.client.post("/identify", json=body, headers=desk.world.headers("clerk_b1"))
    assert response.json()["code"] == "card_blacklisted"
    [refusal] = _refusals(session)
    assert (refusal.subject_type, refusal.subject_id) == ("card", str(card["id"]))
    assert '"code":"card_blacklisted"' in refusal.payload


def test_bootstrap_the_first_administrator(session: Session, settings: Settings) -> None:
    passwords = Passwords(settings)
    trail = AuditTrail(session, None, AUDIT_SECRET)
    options = {
        "display_name": "管理员",
        "password": "a long enough password",
        "province_code": "320000",
        "province_name": "江苏省",
    }
    clerk, window = bootstrap_administrator(session, trail, passwords, username="root", **options)
    assert clerk.platform.name == "江苏省"
    assert window.platform_id == clerk.platform_id
    with pytest.raises(ConflictError, match="已存在管理员"):
        bootstrap_administrator(session, trail, passwords, username="root2", **options)


def test_seed_builds_a_province_and_imports_the_synthetic_population(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    province = build_demo_province(session, Passwords(settings), password=lambda: "demo-password")
    assert {clerk.role for clerk in province.clerks} == {
        "administrator",
        "auditor",
        "issuance_operator",
        "key_officer",
        "street_clerk",
        "community_clerk",
    }
    names = {p.name for p in province.platforms}
    assert "玄武门街道人力资源和社会保障服务中心" in names
    assert "陆巷村人力资源和社会保障服务站" in names
    write_population_csv(40, tmp_path, seed=5, communities=province.communities)
    trail = AuditTrail(session, None, AUDIT_SECRET)
    now = datetime.now(UTC)
    for name, load in (("residents", import_residents), ("cards", import_cards)):
        with (tmp_path / f"{name}.csv").open(encoding="utf-8", newline="") as file:
            import csv

            assert load(session, trail, csv.reader(file), now, sha256="0" * 64).rows == 40
    communities = set(session.scalars(select(Resident.platform_id)))
    assert len(communities) == 16  # spread over every community and village
