"""Group requests that arrive together into one batch of work (group commit).

A busy province has hundreds of windows identifying cards at once. Done one request at
a time, each identify pays for its own transaction: a connection, the audit chain's
lock, several round trips and a commit, and the chain's lock makes the appends queue
behind each other anyway. A ``Batcher`` runs the first request at once
and gathers the ones that arrive while it runs into the next batch: one transaction,
one lock of the chain and one commit serve them all. A lone request waits for nothing;
under load, batches grow by themselves, up to ``max_size``. Up to ``in_flight`` batches
run at once, so that one can do its reads while another waits for its commit.

Each submitter gets its own outcome: the batch function returns one result or one
exception per item, in order. If the batch function itself fails (its transaction is
rolled back as a whole: nothing of it was stored), each item is run again alone, so that
one item that breaks its batch cannot fail the others; an item that fails alone gets a
``BatchFailedError`` of its own caused by that failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Run = Callable[[list[T]], Awaitable[Sequence[R | Exception]]]


log = logging.getLogger(__name__)


class BatchFailedError(RuntimeError):
    """The batch an item was part of failed as a whole; ``__cause__`` says why."""


class Batcher(Generic[T, R]):
    """Runs submitted items through ``run`` in batches, ``in_flight`` batches at a time."""

    def __init__(self, run: Run[T, R], *, max_size: int, in_flight: int = 1) -> None:
        if max_size < 1 or in_flight < 1:
            raise ValueError("max_size and in_flight must be at least 1")
        self._run = run
        self._max_size = max_size
        self._in_flight = in_flight
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drainers: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        """The outcome of ``item``: its result, or its exception raised here."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests run several in turn)
            self._loop, self._waiting, self._drainers = loop, [], set()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if len(self._drainers) < self._in_flight:
            self._drainers.add(loop.create_task(self._drain()))
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_size]
                del self._waiting[: self._max_size]
                await self._settle(batch)
        finally:
            # At once, not from a done callback: a submitter woken by the last batch may
            # run before such a callback and would find no room for a drainer of its own.
            self._drainers.discard(asyncio.current_task())

    async def _alone(self, item: T) -> R | Exception:
        try:
            outcomes = await self._run([item])
            if len(outcomes) != 1:
                raise RuntimeError(f"batch of 1 gave {len(outcomes)} outcomes")
            return outcomes[0]
        except Exception as exc:
            return _failed(1, exc)

    async def _settle(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            outcomes: Sequence[R | Exception] = await self._run([item for item, _ in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"batch of {len(batch)} gave {len(outcomes)} outcomes")
        except Exception as exc:  # the whole batch failed: each item again, alone
            if len(batch) == 1:
                outcomes = [_failed(1, exc)]
            else:
                log.warning("a batch of %d failed (%s); each item runs alone", len(batch), exc)
                outcomes = [await self._alone(item) for item, _ in batch]
        except BaseException:  # cancelled (shutting down): nobody waits forever
            for _, future in batch:
                future.cancel()
            for _, future in self._waiting:
                future.cancel()
            self._waiting.clear()
            raise
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its submitter went away (client disconnected)
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


def _failed(size: int, cause: Exception) -> BatchFailedError:
    # One exception per submitter: an instance raised in many tasks would gather all
    # their tracebacks.
    error = BatchFailedError(f"a batch of {size} failed: {type(cause).__name__}")
    error.__cause__ = cause
    return error
