"""Readers plugged in and pulled out (PnP), over a scripted PC/SC layer.

vpcd's readers never come or go, so this is tested against ``PluggableScard``: a small
stand-in for pcscd whose reader list changes while the monitor waits in
SCardGetStatusChange, answering as pcsc-lite does.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from readers.connection import (
    CardInserted,
    CardRemoved,
    ReaderAdded,
    ReaderEvent,
    ReaderRemoved,
    ReaderUnavailableError,
)
from readers.pcsc import PcscBackend, codes
from readers.pcsc.api import ReaderState
from readers.pcsc.monitor import ReaderMonitor

ATR = bytes.fromhex("3B6D0000008153534350593201AABBCCDD")
DESK, PSAM = "Desk Reader 00 00", "PSAM Reader 01 00"
WAIT = 5.0  # a safety net against hangs, not a timing assertion
OK = codes.SUCCESS


def code(name: str) -> int:
    return codes.CODES[name]


class PluggableScard:
    """A ``ScardApi`` over readers that a test plugs, unplugs and puts cards into.

    SCardGetStatusChange returns as soon as a requested state differs from the caller's
    (``STATE_CHANGED`` set on it), else waits for a change, a cancel or the timeout. The
    PnP pseudo-reader changes on every plug and unplug. A reader no longer there is
    reported as ``STATE_UNKNOWN | STATE_CHANGED`` (pcsc-lite), or, with
    ``unknown_reader_fails``, fails the whole call with SCARD_E_UNKNOWN_READER (older
    pcsc-lite). Calls on a handle of an unplugged reader answer ``gone_code``.
    """

    def __init__(self, *readers: str) -> None:
        self.unknown_reader_fails = False
        self.gone_code = code("SCARD_E_READER_UNAVAILABLE")
        self._changed = threading.Condition()
        self._states: dict[str, int] = {name: codes.STATE_EMPTY for name in readers}
        self._plugs = 0
        self._cancelled: set[int] = set()
        self._handles: dict[int, str] = {}
        self._next_id = 1

    # --- what the test does at the desk ---

    def plug(self, reader: str) -> None:
        with self._changed:
            self._states[reader] = codes.STATE_EMPTY
            self._plugs += 1
            self._changed.notify_all()

    def unplug(self, reader: str) -> None:
        with self._changed:
            del self._states[reader]
            self._plugs += 1
            self._changed.notify_all()

    def insert(self, reader: str) -> None:
        with self._changed:
            counter = codes.event_counter(self._states[reader]) + 1
            self._states[reader] = codes.STATE_PRESENT | counter << codes.EVENT_COUNTER_SHIFT
            self._changed.notify_all()

    # --- ScardApi ---

    def establish_context(self) -> tuple[int, int]:
        with self._changed:
            self._next_id += 1
            return OK, self._next_id

    def release_context(self, context: int) -> int:
        return OK

    def cancel(self, context: int) -> int:
        with self._changed:
            self._cancelled.add(context)
            self._changed.notify_all()
        return OK

    def list_readers(self, context: int) -> tuple[int, list[str]]:
        with self._changed:
            if not self._states:
                return code("SCARD_E_NO_READERS_AVAILABLE"), []
            return OK, list(self._states)

    def get_status_change(
        self, context: int, timeout_ms: int, states: Sequence[tuple[str, int]]
    ) -> tuple[int, list[ReaderState]]:
        deadline = time.monotonic() + timeout_ms / 1000
        with self._changed:
            while True:
                if context in self._cancelled:
                    self._cancelled.discard(context)
                    return code("SCARD_E_CANCELLED"), []
                missing = [n for n, _ in states if n not in self._states]
                if self.unknown_reader_fails and set(missing) - {codes.PNP_NOTIFICATION}:
                    return code("SCARD_E_UNKNOWN_READER"), []
                answer = [self._state(name, current) for name, current in states]
                if any(state.event_state & codes.STATE_CHANGED for state in answer):
                    return OK, answer
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return code("SCARD_E_TIMEOUT"), answer
                self._changed.wait(remaining)

    def connect(
        self, context: int, reader: str, share: int, protocols: int
    ) -> tuple[int, int, int]:
        with self._changed:
            if reader not in self._states:
                return code("SCARD_E_UNKNOWN_READER"), 0, 0
            if not self._states[reader] & codes.STATE_PRESENT:
                return code("SCARD_E_NO_SMARTCARD"), 0, 0
            self._next_id += 1
            self._handles[self._next_id] = reader
            return OK, self._next_id, codes.PROTOCOL_T0

    def reconnect(
        self, card: int, share: int, protocols: int, initialization: int
    ) -> tuple[int, int]:
        return self._on_handle(card), codes.PROTOCOL_T0

    def disconnect(self, card: int, disposition: int) -> int:
        return OK

    def begin_transaction(self, card: int) -> int:
        return self._on_handle(card)

    def end_transaction(self, card: int, disposition: int) -> int:
        return self._on_handle(card)

    def transmit(self, card: int, protocol: int, apdu: bytes) -> tuple[int, bytes]:
        result = self._on_handle(card)
        return result, (b"\x90\x00" if result == OK else b"")

    def status(self, card: int) -> tuple[int, bytes]:
        result = self._on_handle(card)
        return result, (ATR if result == OK else b"")

    # --- plumbing ---

    def _state(self, name: str, current: int) -> ReaderState:
        if name == codes.PNP_NOTIFICATION:
            event = self._plugs << codes.EVENT_COUNTER_SHIFT
        elif name not in self._states:
            return ReaderState(name, codes.STATE_UNKNOWN | codes.STATE_CHANGED)
        else:
            event = self._states[name]
        changed = current == codes.STATE_UNAWARE or event != current & ~codes.STATE_CHANGED
        atr = ATR if event & codes.STATE_PRESENT and name != codes.PNP_NOTIFICATION else b""
        return ReaderState(name, event | codes.STATE_CHANGED if changed else event, atr)

    def _on_handle(self, card: int) -> int:
        with self._changed:
            return OK if self._handles[card] in self._states else self.gone_code


class Events:
    """The monitor's events for one subscriber, taken as they come."""

    def __init__(self, monitor: ReaderMonitor) -> None:
        self._monitor = monitor
        self._subscription = monitor.subscribe()

    def next(self, count: int) -> list[ReaderEvent]:
        inbox: queue.Queue[ReaderEvent] = self._subscription.inbox
        return [inbox.get(timeout=WAIT) for _ in range(count)]

    def none_pending(self) -> bool:
        return self._subscription.inbox.empty()

    def close(self) -> None:
        self._monitor.unsubscribe(self._subscription)


@pytest.fixture
def scard() -> PluggableScard:
    return PluggableScard(DESK)


@pytest.fixture
def events(scard: PluggableScard) -> Iterator[Events]:
    subscriber = Events(ReaderMonitor(scard))
    yield subscriber
    subscriber.close()


def test_a_reader_plugged_in_is_added_then_its_card_inserted(
    scard: PluggableScard, events: Events
) -> None:
    assert events.next(1) == [ReaderAdded(DESK)]
    scard.plug(PSAM)
    assert events.next(1) == [ReaderAdded(PSAM)]
    scard.insert(PSAM)
    assert events.next(1) == [CardInserted(PSAM, 1, ATR)]
    assert events.none_pending()


@pytest.mark.parametrize("unknown_reader_fails", [False, True], ids=["state", "return-code"])
def test_a_reader_pulled_out_with_its_card_is_reported_card_removed_then_reader_removed(
    scard: PluggableScard, events: Events, unknown_reader_fails: bool
) -> None:
    scard.unknown_reader_fails = unknown_reader_fails
    scard.plug(PSAM)
    scard.insert(PSAM)
    assert events.next(3) == [ReaderAdded(DESK), ReaderAdded(PSAM), CardInserted(PSAM, 1, ATR)]
    scard.unplug(PSAM)
    assert events.next(2) == [CardRemoved(PSAM, 1), ReaderRemoved(PSAM)]
    scard.plug(PSAM)  # the same reader plugged back in is a new reader, with no card
    assert events.next(1) == [ReaderAdded(PSAM)]
    assert events.none_pending()


def test_the_last_reader_pulled_out_leaves_an_empty_list(
    scard: PluggableScard, events: Events
) -> None:
    assert events.next(1) == [ReaderAdded(DESK)]
    scard.unplug(DESK)
    assert events.next(1) == [ReaderRemoved(DESK)]
    assert PcscBackend(scard).list_readers() == []


@pytest.mark.parametrize(
    ("answer", "pcsc_code"),
    [
        # pcsc-lite's answer on a handle whose reader is gone
        ("SCARD_E_READER_UNAVAILABLE", "SCARD_E_READER_UNAVAILABLE"),
        # a failed exchange: the connection asks the reader's state, which is unknown now
        ("SCARD_F_COMM_ERROR", "SCARD_E_UNKNOWN_READER"),
    ],
)
def test_a_connection_to_a_pulled_out_reader_raises_reader_unavailable_with_the_code(
    scard: PluggableScard, answer: str, pcsc_code: str
) -> None:
    scard.plug(PSAM)
    scard.insert(PSAM)
    scard.gone_code = code(answer)
    backend = PcscBackend(scard, removal_grace=0.0)
    connection = backend.connect(PSAM)
    assert connection.transmit(bytes.fromhex("00A4040006D15600000590")) == (b"", 0x9000)
    scard.unplug(PSAM)
    with pytest.raises(ReaderUnavailableError) as raised:
        connection.transmit(bytes.fromhex("00B0960006"))
    assert raised.value.pcsc_code == pcsc_code
    assert pcsc_code in str(raised.value)
    with pytest.raises(ReaderUnavailableError) as raised:
        connection.still_present()
    assert raised.value.pcsc_code == "SCARD_E_UNKNOWN_READER"
    connection.close()
    with pytest.raises(ReaderUnavailableError) as raised:
        backend.connect(PSAM)
    assert raised.value.pcsc_code == "SCARD_E_UNKNOWN_READER"
