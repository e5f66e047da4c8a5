"""Concurrency on PostgreSQL, through two real ``cardsvc serve`` instances at once.

Instance A runs two worker processes (``--workers 2``), instance B one: three processes
that share nothing but the database, with requests spread over both instances, as a
proxy in front of a province's instances spreads them. The database is this module's
own (committed data, dropped afterwards); requests start together behind a barrier.
"""

from __future__ import annotations

import itertools
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NoReturn

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.audit.service import verify_chain
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.cards.rules import BLACKLISTED, PENDING, USABLE, CardState
from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.clerks.tokens import TokenClaims, issue_token
from cardsvc.kit.database import make_engine
from cardsvc.migrations import upgrade
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import add_window, build_platform
from cardsvc.settings import Settings
from tests.cardsvc.conftest import POSTGRES_SERVER, make_ssn

MissingService = Callable[[str], NoReturn]  # the shared ``missing_service`` fixture

DATABASE = f"sscard_concurrency_{os.getpid()}"
# The instances' own secrets, as a real deployment has (serve refuses the demo ones).
AUDIT_SECRET = secrets.token_urlsafe(32).encode()


def _admin(statement: str) -> None:
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def database_url(missing_service: MissingService) -> Iterator[str]:
    try:
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        _admin(f"CREATE DATABASE {DATABASE}")
    except Exception as exc:  # any connection failure: skip locally, fail on CI
        missing_service(f"PostgreSQL is unreachable at {POSTGRES_SERVER}: {exc}")
    url = f"{POSTGRES_SERVER}/{DATABASE}"
    upgrade(url)
    yield url
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


@dataclass
class Service:
    base_urls: list[str]
    settings: Settings
    headers: dict[str, dict[str, str]]
    community_id: int
    session: Callable[[], Session]


@pytest.fixture(scope="module")
def service(database_url: str) -> Iterator[Service]:
    settings = Settings(
        database_url=database_url,
        token_secret=SecretStr(secrets.token_urlsafe(32)),
        audit_secret=SecretStr(AUDIT_SECRET.decode()),
        identify_batches_in_flight=2,  # more than the default: batches side by side
    )
    engine = make_engine(database_url)
    headers: dict[str, dict[str, str]] = {}
    with Session(engine, expire_on_commit=False) as session:
        repository = PlatformRepository(session)
        parent = None
        for kind, region, base in [
            (Kind.province, "320000", "江苏省"),
            (Kind.city, "320100", "南京市"),
            (Kind.county, "320102", "玄武区"),
            (Kind.street, "320102", "玄武门"),
            (Kind.community, "320102", "虹桥"),
        ]:
            parent = build_platform(
                repository, parent, PlatformCreate(kind=kind, region_code=region, base_name=base)
            )
            if kind is Kind.city:
                city = parent
        assert parent is not None
        community = parent
        for name, role, platform in [
            ("clerk", Role.community_clerk, community),
            ("operator", Role.issuance_operator, city),
        ]:
            window = add_window(repository, platform, name)
            clerk = Clerk(
                username=name,
                display_name=name,
                password_hash="-",  # noqa: S106 - tokens are issued directly
                role=role,
                platform_id=platform.id,
            )
            session.add(clerk)
            session.flush()
            expiry = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
            token = issue_token(
                settings.token_secret.get_secret_value().encode(),
                TokenClaims(clerk.id, window.id, expiry),
            )
            headers[name] = {"Authorization": f"Bearer {token}"}
        session.commit()
        community_id = community.id
    with _instance(settings, workers=2) as first, _instance(settings, workers=1) as second:
        yield Service(
            [first, second],
            settings,
            headers,
            community_id,
            lambda: Session(engine, expire_on_commit=False),
        )
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _instance(settings: Settings, *, workers: int) -> Iterator[str]:
    """``cardsvc serve --workers N`` on ``settings``' database; yields its base URL."""
    port = _free_port()
    environment = {
        **os.environ,
        "CARDSVC_DATABASE_URL": settings.database_url,
        "CARDSVC_TOKEN_SECRET": settings.token_secret.get_secret_value(),
        "CARDSVC_AUDIT_SECRET": settings.audit_secret.get_secret_value(),
        "CARDSVC_IDENTIFY_BATCHES_IN_FLIGHT": str(settings.identify_batches_in_flight),
    }
    command = [sys.executable, "-m", "cardsvc.cli", "serve", "--port", str(port)]
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in ``finally``
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers are stopped with it
    )

    def said() -> str:
        output.seek(0)
        return output.read().decode(errors="replace")[-3000:]

    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, said()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "cardsvc serve did not start within 60 s"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        output.close()


_keys = iter(range(10**9))


class Desk:
    """Sends each request to the next instance in turn, as a round-robin proxy would."""

    def __init__(self, service: Service, client: httpx.Client) -> None:
        self.service, self.client = service, client
        self._instances = itertools.cycle(service.base_urls)
        self._turn = threading.Lock()

    def url(self, path: str) -> str:
        with self._turn:
            return next(self._instances) + path

    def post(
        self, url: str, clerk: str = "clerk", key: str | None = None, **body: object
    ) -> httpx.Response:
        key = key or f"concurrency-{next(_keys)}"
        headers = {**self.service.headers[clerk], "Idempotency-Key": key}
        return self.client.post(self.url(url), json=body, headers=headers)

    def get(self, url: str, clerk: str = "clerk", **params: str) -> httpx.Response:
        return self.client.get(self.url(url), params=params, headers=self.service.headers[clerk])

    def resident(self, n: int) -> int:
        birth = date(1960, 1, 1) + timedelta(days=n)
        response = self.post(
            "/residents",
            social_security_number=make_ssn(birth, sequence=2),
            name="周七",
            sex="2",
            birth_date=birth.isoformat(),
            ethnic_group="01",
            household_registration="江苏省南京市",
            current_address="江苏省南京市",
            platform_id=self.service.community_id,
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def normal_card(self, resident_id: int, reason: str = "first") -> str:
        ordered = self.post(f"/residents/{resident_id}/cards", reason=reason)
        assert ordered.status_code == 201, ordered.text
        number = ordered.json()["card_number"]
        card_id = "320100D156000005" + number.encode().hex().upper()[:16].ljust(16, "0")
        issued = self.post(f"/cards/{number}/issue", "operator", card_identification_code=card_id)
        assert issued.status_code == 200, issued.text
        assert self.post(f"/cards/{number}/activate").status_code == 200
        return str(number)


@pytest.fixture
def desk(service: Service) -> Iterator[Desk]:
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=60)) as client:
        yield Desk(service, client)


def _together(
    count: int, work: Callable[[int], httpx.Response], threads: int
) -> list[httpx.Response]:
    barrier = threading.Barrier(min(count, threads))

    def run(i: int) -> httpx.Response:
        if i < threads:
            barrier.wait()
        return work(i)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_simultaneous_replacements_make_exactly_one_card(
    desk: Desk, service: Service
) -> None:
    resident_id = desk.resident(1)
    old = desk.normal_card(resident_id)
    assert desk.post(f"/cards/{old}/loss").status_code == 200
    responses = _together(
        50, lambda _i: desk.post(f"/residents/{resident_id}/cards", reason="replacement"), 50
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 49}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] in {
                "card_in_production",
                "conflict",
                "concurrent_change",
            }
    with service.session() as session:
        pending = session.scalars(
            select(Card).where(Card.resident_id == resident_id, Card.status.in_(PENDING))
        ).all()
        assert len(pending) == 1


def test_two_hundred_mixed_operations_keep_the_invariants(desk: Desk, service: Service) -> None:
    rng = random.Random(2013)
    residents = [desk.resident(100 + n) for n in range(8)]
    cards = {resident: desk.normal_card(resident) for resident in residents}
    actions = ["temporary-loss", "loss", "lift-loss", "lock", "unlock", "cancel"]

    def operation(i: int) -> httpx.Response:
        resident = rng.choice(residents)
        if i % 10 == 0:  # a replacement attempt: order (it may be refused), then hand over
            ordered = desk.post(f"/residents/{resident}/cards", reason="replacement")
            if ordered.status_code != 201:
                return ordered
            number = ordered.json()["card_number"]
            card_id = "320100D156000005" + number.encode().hex().upper()[:16].ljust(16, "0")
            issued = desk.post(
                f"/cards/{number}/issue", "operator", card_identification_code=card_id
            )
            if issued.status_code != 200:
                return issued
            return desk.post(f"/cards/{number}/activate")
        action = rng.choice(actions)
        body = {"cancel_reason": "death"} if action == "cancel" else {}
        return desk.post(f"/cards/{cards[resident]}/{action}", **body)

    responses = _together(200, operation, 16)
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 201, 409}, statuses
    assert statuses[200] > 0
    with service.session() as session:
        _check_invariants(session)


def _check_invariants(session: Session) -> None:
    for states in (USABLE, PENDING):
        doubled = session.execute(
            select(Card.resident_id, func.count())
            .where(Card.status.in_(states))
            .group_by(Card.resident_id)
            .having(func.count() > 1)
        ).all()
        assert doubled == []
    for card in session.scalars(select(Card)):
        history = session.scalars(
            select(CardStatusChange)
            .where(CardStatusChange.card_id == card.id)
            .order_by(CardStatusChange.id)
        ).all()
        assert history[0].from_status is None
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status, card.card_number
        assert history[-1].to_status == card.status
        entries = session.scalars(
            select(BlacklistEntry)
            .where(BlacklistEntry.card_number == card.card_number)
            .order_by(BlacklistEntry.version)
        ).all()
        listed = bool(entries) and entries[-1].action == "add"
        assert listed == (card.status in BLACKLISTED), (card.card_number, card.status)
        if card.status is CardState.superseded:
            assert card.id in {c.predecessor_id for c in session.scalars(select(Card))}
    versions = session.scalars(
        select(BlacklistEntry.version).order_by(BlacklistEntry.version)
    ).all()
    assert versions == list(range(1, len(versions) + 1))
    assert list(verify_chain(session, AUDIT_SECRET)) == []


def test_a_hundred_simultaneous_identifies_all_answer(desk: Desk, service: Service) -> None:
    """More requests at once than pooled connections plus worker threads (15 + 40).

    Each request's session holds a connection across several worker-thread hops; without
    admission to the database in the event loop, the waiting requests took every worker
    thread while the connections' holders waited for one, and nothing moved until the
    pool timed out. Every identify is audited, and the chain stays whole.
    """
    holders = []
    for n in range(4):
        birth = date(1960, 1, 1) + timedelta(days=500 + n)
        resident_id = desk.resident(500 + n)
        number = desk.normal_card(resident_id)
        card_id = "320100D156000005" + number.encode().hex().upper()[:16].ljust(16, "0")
        holders.append((card_id, number, make_ssn(birth, sequence=2)))
    with service.session() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    with httpx.Client(timeout=20, limits=httpx.Limits(max_connections=100)) as client:

        def identify(i: int) -> httpx.Response:
            card_id, number, ssn = holders[i % len(holders)]
            return client.post(
                desk.url("/identify"),
                json={
                    "card_identification_code": card_id,
                    "card_number": number,
                    "social_security_number": ssn,
                },
                headers=service.headers["clerk"],
            )

        started = time.monotonic()
        responses = _together(100, identify, 100)
    assert Counter(r.status_code for r in responses) == {200: 100}
    assert time.monotonic() - started < 20
    with service.session() as session:
        reads = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.seq > before, AuditEvent.action == "read")
        )
        assert reads == 100
        assert list(verify_chain(session, AUDIT_SECRET)) == []


def _issue_body(number: str) -> dict[str, str]:
    return {"card_identification_code": "320100D156000005" + number.encode().hex().upper()[:16]}


def test_activations_and_reads_at_once_never_deadlock_into_a_500(
    desk: Desk, service: Service
) -> None:
    """Activating a replacement changes two cards; reading a resident's cards locks them
    all. Both lock in one order (ascending card id), so neither waits for the other in a
    cycle: every answer is a success or a clean conflict, never a 500."""
    pending = []
    for n in range(6):
        resident_id = desk.resident(700 + n)
        old = desk.normal_card(resident_id)
        assert desk.post(f"/cards/{old}/loss").status_code == 200
        ordered = desk.post(f"/residents/{resident_id}/cards", reason="replacement")
        number = ordered.json()["card_number"]
        issued = desk.post(f"/cards/{number}/issue", "operator", **_issue_body(number))
        assert issued.status_code == 200, issued.text
        pending.append((resident_id, number))

    def work(i: int) -> httpx.Response:
        resident_id, number = pending[i % len(pending)]
        if i < len(pending):
            return desk.post(f"/cards/{number}/activate")
        return desk.get(f"/residents/{resident_id}/cards", purpose="窗口业务办理")

    responses = _together(len(pending) * 8, work, 48)
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 409, 503}, [r.text for r in responses if r.status_code >= 500]
    for response in responses[: len(pending)]:
        if response.status_code == 503:
            assert response.headers["retry-after"] == "1"
    with service.session() as session:
        _check_invariants(session)


def test_retries_of_one_issue_replay_it_or_wait_and_are_never_refused(
    desk: Desk, service: Service
) -> None:
    """Thirty copies of one request (same Idempotency-Key, same body) at once: one runs,
    the others answer "in progress, retry" until it commits, then replay its answer."""
    resident_id = desk.resident(800)
    number = desk.post(f"/residents/{resident_id}/cards", reason="first").json()["card_number"]
    body = _issue_body(number)

    def issue(_i: int) -> httpx.Response:
        return desk.post(f"/cards/{number}/issue", "operator", key="issue-retry-0001", **body)

    responses = _together(30, issue, 30)
    codes = Counter(
        (r.status_code, None if r.status_code == 200 else r.json()["code"]) for r in responses
    )
    assert set(codes) <= {(200, None), (409, "idempotency_in_progress")}, codes
    assert codes[(200, None)] >= 1
    for response in responses:
        if response.status_code == 409:
            assert response.headers["retry-after"] == "1"
    answers = {r.text for r in responses if r.status_code == 200}
    again = issue(0)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    answers.add(again.text)
    assert len(answers) == 1  # every success is the one answer
    with service.session() as session:
        history = session.scalars(
            select(CardStatusChange)
            .join(Card, Card.id == CardStatusChange.card_id)
            .where(Card.card_number == number)
            .order_by(CardStatusChange.id)
        ).all()
        assert [change.to_status for change in history] == [
            CardState.in_production,
            CardState.issued,
        ]


def test_hostile_input_among_hundreds_of_operations_poisons_nothing(
    desk: Desk, service: Service
) -> None:
    """Several hundred operations at once on both instances: lifecycle changes, reads,
    identifies and replacements, with hostile requests among them (control characters,
    huge offsets, oversized bodies, other communities' residents, one idempotency key
    sent many times). No answer is a 5xx; every invariant holds; the chain is whole."""
    rng = random.Random(2026)
    residents = [desk.resident(900 + n) for n in range(6)]
    cards = {resident: desk.normal_card(resident) for resident in residents}
    birth = {r: date(1960, 1, 1) + timedelta(days=900 + n) for n, r in enumerate(residents)}
    actions = ["temporary-loss", "loss", "lift-loss", "lock", "unlock"]
    shared_key = "hostile-shared-key-0001"

    def hostile(i: int) -> httpx.Response:
        resident = rng.choice(residents)
        kind = i % 6
        if kind == 0:
            return desk.post(f"/cards/{cards[resident]}/lock", reason="坏\x00人")
        if kind == 1:
            return desk.get("/residents", offset="99999999999999999999")
        if kind == 2:
            body = {"card_number": cards[resident] + "\x00", "purpose": "\x1b[2J"}
            return desk.client.post(
                desk.url("/identify"), json=body, headers=service.headers["clerk"]
            )
        if kind == 3:
            return desk.client.post(
                desk.url("/residents"),
                content=b"{" + b" " * 200_000 + b"}",
                headers={**service.headers["clerk"], "Content-Type": "application/json"},
            )
        if kind == 4:
            return desk.get("/residents/999999", purpose="窗口业务办理")
        return desk.post(f"/cards/{cards[resident]}/lock", key=shared_key)

    def legitimate(i: int) -> httpx.Response:
        resident = rng.choice(residents)
        number = cards[resident]
        if i % 5 == 0:
            identify = {
                "card_identification_code": _issue_body(number)["card_identification_code"],
                "card_number": number,
                "social_security_number": make_ssn(birth[resident], sequence=2),
            }
            return desk.client.post(
                desk.url("/identify"), json=identify, headers=service.headers["clerk"]
            )
        if i % 5 == 1:
            return desk.get(f"/residents/{resident}/cards", purpose="窗口业务办理")
        return desk.post(f"/cards/{number}/{rng.choice(actions)}")

    def operation(i: int) -> httpx.Response:
        return hostile(i) if i % 3 == 0 else legitimate(i)

    responses = _together(360, operation, 24)
    server_errors = [r for r in responses if r.status_code >= 500]
    assert not server_errors, [(r.status_code, r.text[:200]) for r in server_errors]
    hostile_answers = Counter(responses[i].status_code for i in range(0, 360, 3))
    assert set(hostile_answers) <= {200, 404, 409, 413, 422}, hostile_answers
    with service.session() as session:
        _check_invariants(session)


def test_a_client_cannot_name_its_own_address_to_escape_the_login_limit(
    desk: Desk,
) -> None:
    """No proxy is trusted by default: X-Forwarded-For from a client is not its address.
    (Last in this module: it leaves 127.0.0.1 throttled for a quarter of an hour.)"""
    answers = [
        desk.client.post(
            desk.url("/auth/login"),
            json={"username": f"nobody{n}", "password": "guess", "window_code": "W0001"},
            headers={"X-Forwarded-For": f"10.9.9.{n}"},
        ).status_code
        for n in range(22)
    ]
    assert answers[:20] == [401] * 20
    assert answers[20:] == [429, 429]
