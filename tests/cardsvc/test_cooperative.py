"""Synchronous database code run without blocking the event loop (``cardsvc.cooperative``)."""

from __future__ import annotations

import asyncio
import threading
import time

from sqlalchemy import text

from cardsvc import cooperative
from cardsvc.db import make_engine

SLEEP_S = 0.4
TICK_S = 0.02


def _sleep_in_the_database(engine_url: str) -> tuple[float, str]:
    """Run a slow statement through ``cooperative.run`` while a ticker counts loop turns."""
    engine = make_engine(engine_url)

    def slow_statement() -> str:
        with engine.connect() as connection:  # a new engine: the connection is opened here
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_sleep(:s)"), {"s": SLEEP_S})
            else:  # SQLite has no sleep: hold the thread instead
                time.sleep(SLEEP_S)
            return threading.current_thread().name

    async def scenario() -> tuple[float, str]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                await asyncio.sleep(TICK_S)
                ticks += 1

        task = asyncio.create_task(ticker())
        try:
            thread = await cooperative.run(engine, slow_statement)
        finally:
            stop.set()
            await task
        return ticks * TICK_S, thread

    try:
        return asyncio.run(scenario())
    finally:
        engine.dispose()


def test_the_event_loop_runs_while_the_database_works(database_url: str) -> None:
    """A window's request is not held up by another batch's wait for the database."""
    ticked_s, thread = _sleep_in_the_database(database_url)
    # The loop kept turning for most of the statement's duration (timer granularity aside).
    assert ticked_s >= SLEEP_S * 0.6, ticked_s
    if database_url.startswith("postgresql"):
        # ... and the work ran on the loop's own thread, waiting on the loop.
        assert thread == "MainThread"
    else:
        assert thread != "MainThread"  # SQLite: in a worker thread


def test_cooperative_connections_wait_as_usual_outside_the_loop(database_url: str) -> None:
    """The CLI, tests and worker threads use the same engines with ordinary waits."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 41 + 1")).scalar_one() == 42
            driver = connection.connection.driver_connection
            expected = (
                cooperative.CooperativeConnection if cooperative.cooperates(engine) else object
            )
            assert isinstance(driver, expected)
    finally:
        engine.dispose()
