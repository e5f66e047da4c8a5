"""Engines and units of work as the service makes them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from cardsvc.app import create_app
from cardsvc.settings import Settings
from tests.cardsvc.conftest import World, session_on


def test_database_errors_never_carry_the_statement_parameters(engine: Engine) -> None:
    """An unexpected database error reaches the server's log: no resident data in it."""
    ssn = "320102199001010021"
    with engine.connect() as connection, pytest.raises(DBAPIError) as raised:
        connection.execute(text("SELECT * FROM no_such_table WHERE ssn = :ssn"), {"ssn": ssn})
    assert ssn not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)


def test_a_change_is_answered_only_after_its_commit(
    connection: Connection,
    settings: Settings,
    world: World,
    resident_payload: Callable[..., dict[str, object]],
) -> None:
    """A commit that fails turns into an error answer, never into a 201 already sent."""

    def failing_commits() -> Session:
        session = session_on(connection)

        @event.listens_for(session, "before_commit")
        def refuse(_session: Session) -> None:
            raise OperationalError("COMMIT", {}, Exception("the server went away"))

        return session

    app = create_app(settings, sessions=failing_commits)

    async def register() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post(
                "/residents", json=resident_payload(), headers=world.headers("clerk_a1")
            )

    answer = asyncio.run(register())
    assert answer.status_code == 500, answer.text
    assert answer.json()["code"] == "internal_error"
