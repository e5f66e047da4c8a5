"""Fixtures: every database test runs on SQLite and on PostgreSQL.

Migrations run once per session per database; each test runs inside one outer
transaction that is rolled back, and the app's own commits become savepoints.
Under ``CI=true`` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from cardsvc.app import create_app
from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.clerks.tokens import TokenClaims, issue_token
from cardsvc.kit.database import make_engine
from cardsvc.migrations import upgrade
from cardsvc.platforms.models import Platform, Window
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import add_window, build_platform
from cardsvc.residents.rules import ssn_check_character
from cardsvc.settings import Settings

MissingService = Callable[[str], NoReturn]  # the shared ``missing_service`` fixture

POSTGRES_SERVER = os.environ.get(
    "CARDSVC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
# One database per test process: parallel runs (several engineers, CI jobs) never collide.
POSTGRES_TEST_DB = f"sscard_test_{os.getpid()}"
PASSWORD = "correct horse battery"  # noqa: S105 - test clerks' password
# The tests' secrets, as a real deployment has its own (commands refuse the demo ones on
# PostgreSQL); the audit secret keys the audit chain.
TOKEN_SECRET = "test-token-secret-0123456789abcdef0123456789"  # noqa: S105 - tests only
AUDIT_SECRET = b"test-audit-secret-0123456789abcdef0123456789"


@pytest.fixture(autouse=True)
def service_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same secrets for the commands the tests run (they read the environment)."""
    monkeypatch.setenv("CARDSVC_TOKEN_SECRET", TOKEN_SECRET)
    monkeypatch.setenv("CARDSVC_AUDIT_SECRET", AUDIT_SECRET.decode())


def _postgres_url(missing_service: MissingService) -> str:
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_TEST_DB} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {POSTGRES_TEST_DB}"))
    except Exception as exc:  # any connection failure: skip locally, fail on CI
        missing_service(f"PostgreSQL is unreachable at {POSTGRES_SERVER}: {exc}")
    finally:
        admin.dispose()
    return f"{POSTGRES_SERVER}/{POSTGRES_TEST_DB}"


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    missing_service: MissingService,
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'cardsvc.db'}"
    else:
        url = _postgres_url(missing_service)
    upgrade(url)
    yield url
    if request.param == "postgresql":
        _drop_postgres_database(POSTGRES_TEST_DB)


@contextmanager
def audit_protection_lifted(connection: Connection) -> Iterator[None]:
    """Play an attacker with direct database access: the append-only triggers stop firing.

    PostgreSQL: replica mode skips triggers (superuser, this transaction only). SQLite:
    the triggers are dropped and recreated from their own definitions.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        connection.execute(text("SET LOCAL session_replication_role = origin"))
        return
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": "audit_events"},
    ).all()
    for name, _sql in triggers:
        connection.execute(text(f"DROP TRIGGER {name}"))
    yield
    for _name, sql in triggers:
        connection.execute(text(sql))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def session_on(connection: Connection) -> Session:
    return Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(connection: Connection) -> Session:
    return session_on(connection)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        token_secret=SecretStr(TOKEN_SECRET),
        audit_secret=SecretStr(AUDIT_SECRET.decode()),
        password_time_cost=1,
        password_memory_cost_kib=64,
        temporary_loss_lapse=timedelta(days=5),
        # Every session of a test shares its one connection (``app`` below): one identify
        # batch at a time. test_concurrency serves several through a real pool.
        identify_batches_in_flight=1,
    )


@pytest.fixture
def app(settings: Settings, connection: Connection) -> FastAPI:
    # Every unit of work of the app (routes and identify batches) is on the test's connection.
    return create_app(settings, sessions=lambda: session_on(connection))


class Client:
    """A synchronous face over ``httpx.AsyncClient`` + ``ASGITransport`` (the real app).

    The app's lifespan runs as a server runs it: started before the first request, ended
    when the client closes.
    """

    def __init__(self, app: FastAPI) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cardsvc.test"
        )
        self._lifespan = app.router.lifespan_context(app)
        self._loop.run_until_complete(self._lifespan.__aenter__())

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def together(self, requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
        """Send (method, url, options) all at once on one event loop; answers in order."""

        async def all_at_once() -> list[httpx.Response]:
            sends = (self._client.request(method, url, **kw) for method, url, kw in requests)
            return list(await asyncio.gather(*sends))

        return self._loop.run_until_complete(all_at_once())

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self._loop.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[Client]:
    client = Client(app)
    yield client
    client.close()


@dataclass
class World:
    """A small Nanjing: one county, two streets, three communities, clerks at windows."""

    platforms: dict[str, Platform]
    windows: dict[str, Window]
    clerks: dict[str, Clerk]
    settings: Settings

    def headers(self, clerk: str, window: str | None = None) -> dict[str, str]:
        """Authorization for a named clerk at their own window (or the one named)."""
        who = self.clerks[clerk]
        at = self.windows[window or clerk]
        token = issue_token(
            self.settings.token_secret.get_secret_value().encode(),
            TokenClaims(who.id, at.id, int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())),
        )
        return {"Authorization": f"Bearer {token}"}


# clerk name → (role, platform name); each clerk gets a window of the same name.
CLERKS: dict[str, tuple[Role, str]] = {
    "admin": (Role.administrator, "province"),
    "city_admin": (Role.administrator, "city"),
    "operator": (Role.issuance_operator, "city"),
    "key_officer": (Role.key_officer, "city"),
    "auditor": (Role.auditor, "county"),
    "street_a": (Role.street_clerk, "street_a"),
    "street_b": (Role.street_clerk, "street_b"),
    "clerk_a1": (Role.community_clerk, "community_a1"),
    "clerk_a2": (Role.community_clerk, "community_a2"),
    "clerk_b1": (Role.community_clerk, "community_b1"),
}


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    from cardsvc.clerks.passwords import Passwords

    repository = PlatformRepository(session)
    platforms: dict[str, Platform] = {}

    def make(name: str, parent: str | None, kind: Kind, region: str, base: str) -> None:
        data = PlatformCreate(kind=kind, region_code=region, base_name=base)
        platforms[name] = build_platform(repository, platforms.get(parent or ""), data)

    make("province", None, Kind.province, "320000", "江苏省")
    make("city", "province", Kind.city, "320100", "南京市")
    make("county", "city", Kind.county, "320102", "玄武区")
    make("street_a", "county", Kind.street, "320102", "玄武门")
    make("street_b", "county", Kind.street, "320102", "梅园新村")
    make("community_a1", "street_a", Kind.community, "320102", "虹桥")
    make("community_a2", "street_a", Kind.community, "320102", "百子亭")
    make("community_b1", "street_b", Kind.community, "320102", "长江路")
    password_hash = Passwords(settings).hash(PASSWORD)
    windows: dict[str, Window] = {}
    clerks: dict[str, Clerk] = {}
    for name, (role, platform_name) in CLERKS.items():
        platform = platforms[platform_name]
        windows[name] = add_window(repository, platform, f"{name}窗口")
        clerk = Clerk(
            username=name.replace("_", "."),
            display_name=name,
            password_hash=password_hash,
            role=role,
            platform_id=platform.id,
            platform=platform,
            certified=True,
            certified_on=date(2024, 3, 1),
        )
        session.add(clerk)
        clerks[name] = clerk
    session.flush()
    session.commit()
    return World(platforms, windows, clerks, settings)


def make_ssn(birth: date = date(1990, 1, 1), sequence: int = 2, region: str = "320102") -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + ssn_check_character(first17)


@pytest.fixture
def resident_payload(world: World) -> Callable[..., dict[str, object]]:
    counter = iter(range(1, 999))

    def payload(community: str = "community_a1", **overrides: object) -> dict[str, object]:
        sequence = 2 * next(counter)  # even: female
        body: dict[str, object] = {
            "social_security_number": make_ssn(sequence=sequence),
            "name": "张三",
            "sex": "2",
            "birth_date": "1990-01-01",
            "ethnic_group": "01",
            "household_registration": "江苏省南京市玄武区虹桥路1号",
            "current_address": "江苏省南京市玄武区虹桥路1号",
            "platform_id": world.platforms[community].id,
        }
        body.update(overrides)
        return body

    return payload


Payload = Callable[..., dict[str, object]]
_keys = itertools.count(1)


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"test-key-{next(_keys):06d}"}


def _card_id(number: str) -> str:
    return "320100D156000005" + number.encode().hex().upper()[:16].ljust(16, "0")


class Desk:
    """Drives one resident's cards through the API."""

    def __init__(self, client: Client, world: World, resident_payload: Payload) -> None:
        self.client, self.world = client, world
        self.body = resident_payload()
        response = client.post("/residents", json=self.body, headers=world.headers("clerk_a1"))
        assert response.status_code == 201
        self.resident_id = response.json()["id"]

    def order(self, reason: str = "first", clerk: str = "clerk_a1") -> dict[str, object]:
        response = self.client.post(
            f"/residents/{self.resident_id}/cards",
            json={"reason": reason},
            headers={**self.world.headers(clerk), **_key()},
        )
        return {**response.json(), "http": response.status_code}

    def act(
        self, number: str, action: str, clerk: str = "clerk_a1", **body: object
    ) -> dict[str, object]:
        if action == "issue":
            body.setdefault("card_identification_code", _card_id(number))
        response = self.client.post(
            f"/cards/{number}/{action}", json=body, headers={**self.world.headers(clerk), **_key()}
        )
        return {"http": response.status_code, **response.json()}

    def identify_body(self, number: str) -> dict[str, object]:
        """What a terminal reads off this resident's card ``number``."""
        return {
            "card_identification_code": _card_id(number),
            "card_number": number,
            "social_security_number": self.body["social_security_number"],
        }

    def normal_card(self) -> str:
        number = str(self.order()["card_number"])
        assert self.act(number, "issue", "operator")["status"] == "issued"
        assert self.act(number, "activate")["status"] == "normal"
        return number


@pytest.fixture
def desk(client: Client, world: World, resident_payload: Payload) -> Desk:
    return Desk(client, world, resident_payload)
