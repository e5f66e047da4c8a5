"""Identify batches in worker processes: ``cardsvc serve`` uses the machine's other cores.

One uvicorn worker runs Python on one core at a time (the interpreter lock). Under load,
the event loop's own work (HTTP, the endpoint) and the identify batches' database work
(statements, rows, the audit chain's hashes) took turns on that core while the others
waited. ``cardsvc serve`` therefore runs the batches in processes of their own, each
with its own connection pool; the event loop only sends each batch and receives its
answers (a few µs a request). In process (tests, ``create_app`` alone) the batches run
in a worker thread on the app's own sessions instead: the batch itself is the same
function either way, ``identify_router.identify_batch``.

The processes are started (``spawn``: they share nothing with the server) and warmed up
before the server listens; they stop with the app's lifespan, and end with the server
process if it is killed. If one dies, the batch it had fails (each of its requests
gets a 503 problem to retry; nothing of it was stored) and a new pool takes over.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from cardsvc.db import make_engine, make_session_factory
from cardsvc.settings import Settings

log = logging.getLogger(__name__)

# In each worker process: its own engine and sessions, made once by ``_start``.
_settings: Settings | None = None
_sessions: sessionmaker[Session] | None = None


def _start(settings: Settings, server: int) -> None:
    global _settings, _sessions  # the process's own state, set once
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    _die_with(server)
    _settings = settings
    _sessions = make_session_factory(make_engine(settings.database_url))


def _die_with(server: int) -> None:
    """End this process soon after the server process ends, however it ends."""

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1.0)
        os._exit(0)  # orphaned: the server is gone, and with it every request

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def _ready() -> bool:
    return _sessions is not None


def _run(batch: list[Any]) -> list[bytes | Exception]:
    from cardsvc.cards.identify_router import identify_batch

    assert _settings is not None  # noqa: S101 - set by _start
    assert _sessions is not None  # noqa: S101 - set by _start
    return identify_batch(_sessions, _settings, batch)


class IdentifyWorkers:
    """``processes`` worker processes running identify batches on ``settings``' database."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self._settings = settings
        self._processes = processes
        self._pool = self._new_pool()

    def _new_pool(self) -> Executor:
        return ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self._settings, os.getpid()),
        )

    def warm_up(self, timeout_s: float = 60.0) -> None:
        """Start every process and make its engine (before the server takes requests)."""
        futures = [self._pool.submit(_ready) for _ in range(self._processes)]
        for future in futures:
            future.result(timeout=timeout_s)

    async def run(self, batch: list[Any]) -> list[bytes | Exception]:
        """The outcomes of ``batch``, computed in a worker process."""
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _run, batch)
        except BrokenProcessPool:
            if self._pool is pool:
                log.error("an identify worker process died; starting new ones")
                self._pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def serve_for(self, app: FastAPI) -> None:
        """Run ``app``'s identify batches here, and stop when ``app`` shuts down.

        Stopped from the app's lifespan: uvicorn ends the process with the signal it
        caught as soon as the app has shut down, so nothing after ``uvicorn.run`` runs.
        """
        app.state.identify_workers = self
        served = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(running: Any) -> AsyncIterator[Any]:
            try:
                async with served(running) as state:
                    yield state
            finally:
                self.close()

        app.router.lifespan_context = lifespan
