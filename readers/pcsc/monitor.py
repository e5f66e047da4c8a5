"""``ReaderMonitor``: one thread per backend watching pcscd, fanning events out to queues.

The thread blocks in SCardGetStatusChange on every reader plus the PnP notification
pseudo-reader, turns state changes into ``readers.connection`` events and puts them on
each subscriber's queue; it never runs subscriber code. When pcscd goes away it releases
its context, reports ``ServiceDown`` once (and the readers and cards as gone), then
establishes a new context with back-off and reports ``ServiceUp`` once it lists readers
again.

``CardInserted`` carries the reader's event counter (the high 16 bits of the reader's
event state; pcsc-lite counts insertions and removals); ``CardRemoved`` carries the
counter of the card that left, so it names the same card as its ``CardInserted``.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from readers.connection import (
    CardInserted,
    CardRemoved,
    ReaderAdded,
    ReaderEvent,
    ReaderRemoved,
    ServiceDown,
    ServiceUp,
)
from readers.pcsc import codes
from readers.pcsc.api import ReaderState, ScardApi

logger = logging.getLogger(__name__)

# A safety net only: SCardCancel wakes the thread when the last subscriber leaves.
WAIT_MS = 1000
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 2.0


@dataclass(frozen=True)
class _Card:
    event_counter: int
    atr: bytes


@dataclass
class Subscription:
    """What a subscriber gets: the state when it joined, as events, then a queue of changes."""

    initial: list[ReaderEvent]
    inbox: queue.Queue[ReaderEvent] = field(default_factory=queue.Queue)


class _ServiceLostError(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ReaderMonitor:
    """Runs while it has subscribers; thread-safe."""

    def __init__(
        self,
        api: ScardApi,
        *,
        backoff_first: float = BACKOFF_FIRST_SECONDS,
        backoff_max: float = BACKOFF_MAX_SECONDS,
    ) -> None:
        self._api = api
        self._backoff_first = backoff_first
        self._backoff_max = backoff_max
        self._lock = threading.Lock()
        # Held while the thread starts or stops, so a new one never overlaps an old one.
        self._lifecycle = threading.Lock()
        self._subscribers: list[Subscription] = []
        self._readers: dict[str, _Card | None] = {}
        self._down_reason: str | None = None
        self._context: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self) -> Subscription:
        """Join: the present state comes first, then every change; starts the thread."""
        with self._lifecycle, self._lock:
            initial: list[ReaderEvent] = [ReaderAdded(name) for name in self._readers]
            initial += [
                CardInserted(name, card.event_counter, card.atr)
                for name, card in self._readers.items()
                if card is not None
            ]
            if self._down_reason is not None:
                initial.insert(0, ServiceDown(self._down_reason))
            subscription = Subscription(initial)
            self._subscribers.append(subscription)
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)
                self._thread.start()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Leave; the last subscriber to leave stops the thread and waits for it."""
        with self._lifecycle:
            with self._lock:
                self._subscribers.remove(subscription)
                if self._subscribers or self._thread is None:
                    return
                thread, self._thread = self._thread, None
                self._stop.set()
                if self._context is not None:
                    self._api.cancel(self._context)
            thread.join()

    # --- the monitor thread ---

    def _run(self) -> None:
        delay = self._backoff_first
        while not self._stop.is_set():
            code, context = self._api.establish_context()
            if code != codes.SUCCESS:
                self._service_down(codes.code_name(code))
                self._stop.wait(delay)
                delay = min(delay * 2, self._backoff_max)
                continue
            with self._lock:
                self._context = context
            try:
                self._watch(context)
                delay = self._backoff_first
            except _ServiceLostError as lost:
                self._service_down(lost.reason)
                self._stop.wait(delay)
                delay = min(delay * 2, self._backoff_max)
            finally:
                with self._lock:
                    self._context = None
                self._api.release_context(context)
        with self._lock:
            self._readers.clear()
            self._down_reason = None

    def _watch(self, context: int) -> None:
        readers = self._list_readers(context)
        with self._lock:
            if self._down_reason is not None:
                self._down_reason = None
                self._publish(ServiceUp())
        self._sync_readers(readers)
        known: dict[str, int] = {}
        pnp = codes.STATE_UNAWARE
        while not self._stop.is_set():
            request = [(name, known.get(name, codes.STATE_UNAWARE)) for name in readers]
            request.append((codes.PNP_NOTIFICATION, pnp))
            code, states = self._api.get_status_change(context, WAIT_MS, request)
            name = codes.code_name(code)
            if name in ("SCARD_E_TIMEOUT", "SCARD_E_CANCELLED"):
                continue
            if name == "SCARD_E_UNKNOWN_READER":
                readers = self._relist(context, known)
                continue
            if code != codes.SUCCESS:
                raise _ServiceLostError(name)
            plugged = False
            for state in states:
                settled = state.event_state & ~codes.STATE_CHANGED
                if state.reader == codes.PNP_NOTIFICATION:
                    plugged = bool(state.event_state & codes.STATE_CHANGED)
                    pnp = settled
                elif state.event_state & codes.STATE_UNKNOWN:
                    plugged = True
                else:
                    known[state.reader] = settled
                    self._update_card(state)
            if plugged:
                readers = self._relist(context, known)

    def _list_readers(self, context: int) -> list[str]:
        code, readers = self._api.list_readers(context)
        name = codes.code_name(code)
        if name == "SCARD_E_NO_READERS_AVAILABLE":
            return []
        if code != codes.SUCCESS:
            raise _ServiceLostError(name)
        return readers

    def _relist(self, context: int, known: dict[str, int]) -> list[str]:
        readers = self._list_readers(context)
        for gone in set(known) - set(readers):
            del known[gone]
        self._sync_readers(readers)
        return readers

    def _sync_readers(self, readers: list[str]) -> None:
        with self._lock:
            for name in [name for name in self._readers if name not in readers]:
                self._forget_reader(name)
            for name in readers:
                if name not in self._readers:
                    self._readers[name] = None
                    self._publish(ReaderAdded(name))

    def _update_card(self, state: ReaderState) -> None:
        present = bool(state.event_state & codes.STATE_PRESENT)
        counter = codes.event_counter(state.event_state)
        with self._lock:
            if state.reader not in self._readers:
                return
            card = self._readers[state.reader]
            if card is not None and (not present or card.event_counter != counter):
                self._readers[state.reader] = None
                self._publish(CardRemoved(state.reader, card.event_counter))
                card = None
            if card is None and present:
                self._readers[state.reader] = _Card(counter, state.atr)
                self._publish(CardInserted(state.reader, counter, state.atr))

    def _service_down(self, reason: str) -> None:
        with self._lock:
            if self._down_reason is not None:
                return
            logger.warning("PC/SC service unavailable: %s", reason)
            self._down_reason = reason
            self._publish(ServiceDown(reason))
            for name in list(self._readers):
                self._forget_reader(name)

    def _forget_reader(self, name: str) -> None:
        card = self._readers.pop(name)
        if card is not None:
            self._publish(CardRemoved(name, card.event_counter))
        self._publish(ReaderRemoved(name))

    def _publish(self, event: ReaderEvent) -> None:
        for subscription in self._subscribers:
            subscription.inbox.put(event)
