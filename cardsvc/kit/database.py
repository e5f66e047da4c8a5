"""The service's database: its engine, its sessions, and admission to it.

One ``Database`` per process (the app's lifespan, a CLI command). Several processes,
on one machine or many, share one PostgreSQL: whatever must be unique across them is
guarded in the database (row locks, unique keys, advisory locks), never in memory.

Units of work are synchronous code (a ``Session``, the repositories, the services).
Routes run them in FastAPI's worker threads. ``Database.run`` runs one from the event
loop for a hot path (identify batches): on PostgreSQL it is bridged with SQLAlchemy's
documented ``AsyncSession.run_sync`` (the code runs in a greenlet on the loop's thread
and every wait for the server is awaited), on SQLite in a worker thread. A worker
thread on PostgreSQL was measured at half the throughput: after each round trip the
batch's thread waited for the interpreter lock held by the loop's thread serving a
hundred connections (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

import anyio
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from cardsvc.kit.uow import AfterRollback, Sessions, unit_of_work

P = ParamSpec("P")
R = TypeVar("R")

# Connections an engine keeps (PostgreSQL; SQLAlchemy's file-SQLite default is 5 + 10
# overflow, the same total); the app admits as many units of work to the database at once.
POOL_SIZE = 15
# Pooled connections older than this are replaced on checkout. No ``pool_pre_ping``: it
# cost every request a round trip (a SELECT 1, ~0.2 ms of server CPU per identify). A
# connection the server dropped fails one request, and SQLAlchemy then discards every
# connection of the pool that predates the failure.
POOL_RECYCLE_S = 1800
# Connections of the event loop's own engine (``Database.run``): one per identify batch
# in flight (``Settings.identify_batches_in_flight``, at most 4).
LOOP_POOL_SIZE = 4


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and real transactions.

    Statement parameters are kept out of database errors: they hold social security
    numbers and names, and an unexpected error's message reaches the server's log.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_recycle=POOL_RECYCLE_S,
        pool_size=POOL_SIZE,
        max_overflow=0,
        hide_parameters=True,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _loop_engine(engine: Engine) -> AsyncEngine | None:
    """An engine whose waits are awaited on the event loop, for PostgreSQL (psycopg)."""
    if engine.dialect.name != "postgresql":
        return None
    return create_async_engine(
        engine.url,
        pool_recycle=POOL_RECYCLE_S,
        pool_size=LOOP_POOL_SIZE,
        max_overflow=0,
        hide_parameters=True,
    )


class Database:
    """Units of work on one engine, and the admission that keeps them from starving.

    ``sessions`` replaces the engine's own sessions (tests bind them to one connection
    whose transaction they roll back). ``after_rollback`` is given every failed unit of
    work (see ``cardsvc.kit.uow``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        sessions: Sessions | None = None,
        after_rollback: AfterRollback | None = None,
        admitted: int = POOL_SIZE,
    ) -> None:
        self.engine = engine
        self.sessions: Sessions = sessions or make_session_factory(engine)
        self._after_rollback = after_rollback
        self._admitted = admitted
        self._admission: anyio.Semaphore | None = None
        # Given sessions (tests) may be bound to a connection of their own: ``run`` uses
        # them in a worker thread, never a second engine.
        self._loop_engine = _loop_engine(engine) if sessions is None else None

    @classmethod
    def at(cls, url: str, **options: Any) -> Database:
        return cls(make_engine(url), **options)

    def unit_of_work(self) -> AbstractContextManager[Session]:
        return unit_of_work(self.sessions, self._after_rollback)

    @asynccontextmanager
    async def admission(self) -> AsyncIterator[None]:
        """Wait, without holding a thread, until a pooled connection is free for a unit of work.

        A request's session holds its connection across several worker-thread hops (the
        dependencies, the endpoint, the teardown), and waits for a free worker thread
        between them. Without admission, many concurrent requests take every worker
        thread waiting for a connection while the connections' holders wait for a thread:
        the service stalls until the pool times out.
        """
        if self._admission is None:  # made on first use, inside the serving event loop
            self._admission = anyio.Semaphore(self._admitted)
        async with self._admission:
            yield

    async def run(
        self, work: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``work(session, …)`` in a unit of work of its own, admitted, without blocking
        the event loop (see the module's docstring).

        ``after_rollback`` is not called: ``work`` returns what must be recorded.
        """
        async with self.admission():
            if self._loop_engine is None:
                run = partial(_in_unit_of_work, self.sessions, work, *args, **kwargs)
                return await anyio.to_thread.run_sync(run)
            async with AsyncSession(self._loop_engine, expire_on_commit=False) as session:
                return await session.run_sync(
                    lambda sync: _in_unit_of_work(lambda: sync, work, *args, **kwargs)
                )

    async def dispose_async(self) -> None:
        """Close every pooled connection (the app's lifespan, at shutdown)."""
        if self._loop_engine is not None:
            await self._loop_engine.dispose()
        self.engine.dispose()

    def dispose(self) -> None:
        """Close the engine's pooled connections (commands, outside an event loop)."""
        self.engine.dispose()


def _in_unit_of_work(sessions: Sessions, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    with unit_of_work(sessions) as session:
        return work(session, *args, **kwargs)
