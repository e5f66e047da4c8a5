"""An in-process reader backend: soft cards in named virtual readers, scripted by tests.

The test thread calls ``insert``/``remove`` (and ``add_reader``/``remove_reader``); code
under test sees a ``readers.connection.ReaderBackend``. Each insertion increments the
reader's event counter; ``CardRemoved`` carries the counter of the card that left.

A connection powers the card on when it is the reader's first open connection and powers
it off when the last one closes, so every new session starts from a cold card. A
connection made before a removal keeps failing with CardRemovedError, even after another
card is inserted.

``fault(reader, apdu) -> bool``, when given, is asked before every transmit: True pulls
the card out of the reader (a ``CardRemoved`` event) and that transmit raises
CardRemovedError, as when a holder pulls the card mid-read.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from readers.connection import (
    CardInserted,
    CardRemoved,
    CardRemovedError,
    ClosingContext,
    NoCardError,
    Protocol_,
    ReaderAdded,
    ReaderError,
    ReaderEvent,
    ReaderRemoved,
    ReaderUnavailableError,
    SharingViolationError,
)
from simulators.card.os import CardOS
from simulators.card.state import load_card

DEFAULT_READER = "Virtual Reader 0"
PSAM_READER = "Virtual PSAM 0"
# events() looks at its cancel event at least this often (seconds).
CANCEL_POLL_SECONDS = 0.05

Fault = Callable[[str, bytes], bool]


@dataclass
class _Slot:
    card: CardOS | None = None
    event_counter: int = 0
    connections: int = 0
    exclusive: bool = False
    commands: list[bytes] = field(default_factory=list)


class VirtualReaderBackend:
    """Named virtual readers holding soft cards; thread-safe."""

    def __init__(
        self, readers: Iterable[str] = (DEFAULT_READER,), *, fault: Fault | None = None
    ) -> None:
        self.fault = fault
        self._lock = threading.RLock()
        self._slots: dict[str, _Slot] = {name: _Slot() for name in readers}
        self._subscribers: list[queue.Queue[ReaderEvent]] = []

    # --- scripting, from the test thread ---

    def add_reader(self, reader: str) -> None:
        """Plug in an empty reader; ValueError if the name is taken."""
        with self._lock:
            if reader in self._slots:
                raise ValueError(f"reader {reader!r} already exists")
            self._slots[reader] = _Slot()
            self._publish(ReaderAdded(reader))

    def remove_reader(self, reader: str) -> None:
        """Unplug a reader, removing its card first if it holds one."""
        with self._lock:
            slot = self._slot_for_script(reader)
            if slot.card is not None:
                self._take_card(reader, slot)
            del self._slots[reader]
            self._publish(ReaderRemoved(reader))

    def insert(self, reader: str, card: CardOS) -> None:
        """Put ``card`` into an empty reader; ValueError if it already holds one."""
        with self._lock:
            slot = self._slot_for_script(reader)
            if slot.card is not None:
                raise ValueError(f"reader {reader!r} already holds a card")
            slot.card = card
            slot.event_counter += 1
            self._publish(CardInserted(reader, slot.event_counter, card.atr))

    def remove(self, reader: str) -> None:
        """Take the card out of ``reader``; ValueError if it is empty."""
        with self._lock:
            slot = self._slot_for_script(reader)
            if slot.card is None:
                raise ValueError(f"reader {reader!r} holds no card")
            self._take_card(reader, slot)

    def commands(self, reader: str) -> list[bytes]:
        """Every command APDU transmitted to ``reader`` so far, oldest first."""
        with self._lock:
            return list(self._slot_for_script(reader).commands)

    # --- ReaderBackend ---

    def list_readers(self) -> list[str]:
        with self._lock:
            return list(self._slots)

    def connect(self, reader: str, *, exclusive: bool = False) -> VirtualCardConnection:
        with self._lock:
            slot = self._slots.get(reader)
            if slot is None:
                raise ReaderUnavailableError(f"no reader named {reader!r}")
            if slot.card is None:
                raise NoCardError(f"no card in {reader!r}")
            if slot.exclusive or (exclusive and slot.connections):
                raise SharingViolationError(f"{reader!r} is in use")
            atr = slot.card.power_on() if slot.connections == 0 else slot.card.atr
            slot.connections += 1
            slot.exclusive = exclusive
            return VirtualCardConnection(self, reader, slot.event_counter, atr, slot.card.protocol)

    def events(self, cancel: threading.Event) -> Iterator[ReaderEvent]:
        inbox: queue.Queue[ReaderEvent] = queue.Queue()
        with self._lock:
            present: list[ReaderEvent] = [ReaderAdded(name) for name in self._slots]
            present += [
                CardInserted(name, slot.event_counter, slot.card.atr)
                for name, slot in self._slots.items()
                if slot.card is not None
            ]
            self._subscribers.append(inbox)
        try:
            for event in present:
                if cancel.is_set():
                    return
                yield event
            while not cancel.is_set():
                try:
                    event = inbox.get(timeout=CANCEL_POLL_SECONDS)
                except queue.Empty:
                    continue
                if not cancel.is_set():
                    yield event
        finally:
            with self._lock:
                self._subscribers.remove(inbox)

    # --- used by VirtualCardConnection ---

    def _transmit(self, reader: str, event_counter: int, apdu: bytes) -> tuple[bytes, int]:
        with self._lock:
            slot, card = self._inserted(reader, event_counter)
            slot.commands.append(bytes(apdu))
            if self.fault is not None and self.fault(reader, bytes(apdu)):
                self._take_card(reader, slot)
                raise CardRemovedError(f"card pulled from {reader!r} during the command")
            response = card.execute(bytes(apdu))
        return response[:-2], int.from_bytes(response[-2:], "big")

    def _reset(self, reader: str, event_counter: int) -> bytes:
        with self._lock:
            _, card = self._inserted(reader, event_counter)
            return card.reset()

    def _release(self, reader: str, event_counter: int) -> None:
        with self._lock:
            slot = self._slots.get(reader)
            if slot is None or slot.card is None or slot.event_counter != event_counter:
                return
            slot.connections -= 1
            slot.exclusive = False
            if slot.connections == 0:
                slot.card.power_off()

    def _inserted(self, reader: str, event_counter: int) -> tuple[_Slot, CardOS]:
        slot = self._slots.get(reader)
        if slot is None:
            raise ReaderUnavailableError(f"reader {reader!r} is gone")
        if slot.card is None or slot.event_counter != event_counter:
            raise CardRemovedError(f"the card was removed from {reader!r}")
        return slot, slot.card

    def _take_card(self, reader: str, slot: _Slot) -> None:
        if slot.card is not None:
            slot.card.power_off()
        slot.card = None
        slot.connections = 0
        slot.exclusive = False
        self._publish(CardRemoved(reader, slot.event_counter))

    def _slot_for_script(self, reader: str) -> _Slot:
        slot = self._slots.get(reader)
        if slot is None:
            raise ValueError(f"no reader named {reader!r}")
        return slot

    def _publish(self, event: ReaderEvent) -> None:
        for inbox in self._subscribers:
            inbox.put(event)


class VirtualCardConnection(ClosingContext):
    """A ``readers.connection.CardConnection`` to a card in a virtual reader."""

    def __init__(
        self,
        backend: VirtualReaderBackend,
        reader: str,
        event_counter: int,
        atr: bytes,
        protocol: Protocol_,
    ) -> None:
        self._backend = backend
        self._reader = reader
        self._event_counter = event_counter
        self._atr = atr
        self._protocol = protocol
        self._closed = False

    @property
    def reader(self) -> str:
        return self._reader

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> Protocol_:
        return self._protocol

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self._check_open()
        return self._backend._transmit(self._reader, self._event_counter, apdu)

    def reset(self) -> bytes:
        self._check_open()
        self._atr = self._backend._reset(self._reader, self._event_counter)
        return self._atr

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._backend._release(self._reader, self._event_counter)

    def _check_open(self) -> None:
        if self._closed:
            raise ReaderError("the connection is closed")


def backend_for_card_file(card_file: str | os.PathLike[str]) -> VirtualReaderBackend:
    """One virtual reader holding the soft card saved in ``card_file``.

    The card saves itself back after every change, so PIN tries and writes persist. This is
    the ``soft-card-file`` reader backend that ``sscard-read --card-file`` opens.
    """
    backend = VirtualReaderBackend((DEFAULT_READER,))
    backend.insert(DEFAULT_READER, load_card(card_file))
    return backend


def backend_for_psam_file(psam_file: str | os.PathLike[str]) -> VirtualReaderBackend:
    """One virtual reader, ``PSAM_READER``, holding the soft PSAM saved in ``psam_file``.

    This is the ``soft-psam-file`` reader backend that ``sscard-read --psam-file`` opens.
    """
    from simulators.psam_state import load_psam  # the PSAM is optional for card readers

    backend = VirtualReaderBackend((PSAM_READER,))
    backend.insert(PSAM_READER, load_psam(psam_file))
    return backend
