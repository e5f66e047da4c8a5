"""Synchronous database code run on the event loop, awaiting its waits (PostgreSQL).

Identify batches are ordinary synchronous code (a ``Session``, the repositories, the
audit trail). In a worker thread, a batch hands the interpreter lock back and forth with
the event loop's thread at every database round trip, and under load both threads paid
for it: the loop's thread used about 40 µs more CPU per request than when the batches
did no database work, and a batch took three times as long as alone (bench/RESULTS.md).

``run`` instead calls the code in a greenlet on the event loop's own thread (SQLAlchemy's
``greenlet_spawn``, the bridge its asyncio extension is built on). The connections of an
engine made cooperative by ``install`` are psycopg connections whose every wait for the
server, inside such a greenlet, is awaited on the loop (psycopg's own ``wait_async``): while
a batch waits for PostgreSQL, the loop serves other requests and other batches; outside
such a greenlet (worker threads, the CLI, tests) they wait as usual. Opening a new
connection is handed to a worker thread, so an unreachable server never stalls the loop.

SQLite has no socket to await: its code still runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio
import psycopg
from psycopg import waiting
from psycopg.abc import PQGen
from sqlalchemy import Engine, event
from sqlalchemy.util import await_, greenlet_spawn
from sqlalchemy.util.concurrency import in_greenlet

R = TypeVar("R")

# psycopg's own default: how often a wait wakes up to check for interruptions.
_WAIT_INTERVAL_S = 0.1


class CooperativeConnection(psycopg.Connection[Any]):
    """A psycopg connection whose waits, inside ``run``, are awaited on the event loop."""

    def wait(
        self, gen: PQGen[R], interval: float = _WAIT_INTERVAL_S, timeout: float | None = None
    ) -> R:
        if in_greenlet():
            return await_(
                waiting.wait_async(gen, self.pgconn.socket, interval=interval, timeout=timeout)
            )
        return super().wait(gen, interval, timeout)


def _connect(
    _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
) -> CooperativeConnection:
    connect = partial(CooperativeConnection.connect, *cargs, **cparams)
    if in_greenlet():  # connecting blocks (DNS, TCP, authentication): not on the loop
        return await_(anyio.to_thread.run_sync(connect))
    return connect()


def cooperates(engine: Engine) -> bool:
    """Whether ``engine``'s connections can wait on the event loop (psycopg)."""
    return engine.dialect.driver == "psycopg"


def install(engine: Engine) -> None:
    """Make ``engine``'s connections cooperative (psycopg; other drivers are left alone)."""
    if cooperates(engine):
        event.listen(engine, "do_connect", _connect)


async def run(engine: Engine, fn: Callable[..., R], *args: Any) -> R:
    """``fn(*args)``, synchronous code using ``engine``, without blocking the event loop.

    The caller must hold a database slot (``cardsvc.deps.database_slot``): a pooled
    connection is then free, and checking it out does not wait.
    """
    if cooperates(engine):
        return await greenlet_spawn(fn, *args)
    return await anyio.to_thread.run_sync(partial(fn, *args))
