"""``SerialReaderBackend``: one window reader on a serial port, as a ``ReaderBackend``.

The reader is named after its port. Its behaviour follows the in-process virtual reader
(``simulators.virtual_reader``), so that sessions and terminals cannot tell them apart:

- every insertion the reader reports increments the event counter; ``CardRemoved``
  carries the counter of the card that left; events start with the present state;
- a connection powers the card on when it is the first one open and off when the last
  one closes; a connection made before a removal keeps failing with CardRemovedError,
  even after another card is inserted;
- the reader's status words map to typed errors: no card → NoCardError (connect) or
  CardRemovedError (later), mute card or reader → ReaderTimeoutError, port gone →
  ReaderUnavailableError, protocol trouble → ``SerialProtocolError``.

Insertions and removals come from the reader's notices; with ``poll_interval`` the event
stream also asks CARD STATUS that often, for readers that send no notices.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

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
    ReaderTimeoutError,
    ReaderUnavailableError,
    SharingViolationError,
)
from readers.serial.link import Link, SerialProtocolError, Timing
from readers.serial.messages import (
    CardStatus,
    Command,
    MessageError,
    Reply,
    SlotState,
    Status,
    parse_card_status,
    parse_power_answer,
)
from readers.serial.port import open_port

DEFAULT_BAUDRATE = 115200
# [our choice] what the reader may take, beyond the wire time, to acknowledge or answer.
DEFAULT_TIMEOUT = 2.0
# events() looks at its cancel event at least this often (seconds).
CANCEL_POLL_SECONDS = 0.05
# The event stream holds the port this long at a time to wait for notices (seconds).
PUMP_SECONDS = 0.01
_CARD_GONE = frozenset({Status.NO_CARD, Status.CARD_REMOVED, Status.NOT_POWERED})
_NO_CARD = CardStatus(SlotState.ABSENT)
_T = TypeVar("_T")


class SerialReaderBackend(ClosingContext):
    """The reader on ``url`` (a device path or a pyserial URL); thread-safe.

    Opening asks the reader for its card status, so a reader that does not answer raises
    ReaderTimeoutError here.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        timeout: float = DEFAULT_TIMEOUT,
        poll_interval: float | None = None,
    ) -> None:
        self.name = url
        self.poll_interval = poll_interval
        self._port = open_port(url, baudrate=baudrate)
        self._link = Link(self._port, url, Timing(baudrate, timeout), self._card_status_changed)
        self._lock = threading.RLock()
        self._waiting_lock = threading.Lock()
        self._waiting = 0  # commands waiting for the port: the event pump steps aside
        self._subscribers: list[queue.Queue[ReaderEvent]] = []
        self._card = _NO_CARD
        self._event_counter = 0
        self._powered: int | None = None  # event counter of the card we powered
        self._protocol: Protocol_ = "T0"
        self._atr = b""
        self._connections = 0
        self._exclusive = False
        self._gone = False
        self._last_poll = time.monotonic()
        try:
            self._refresh_card_status()
        except ReaderError:
            self._port.close()
            raise

    # --- reader commands ---

    def version(self) -> str:
        """The reader's firmware version text."""
        with self._turn():
            return self._command(Command.VERSION).decode("ascii", "replace")

    def beep(self, duration: float = 0.1) -> None:
        """Sound the buzzer for ``duration`` seconds (10 ms steps, at most 2.55 s)."""
        steps = round(duration * 100)
        if not 0 <= steps <= 0xFF:
            raise ValueError(f"a beep lasts 0 to 2.55 s, not {duration}")
        with self._turn():
            self._command(Command.BEEP, bytes([steps]))

    def card_status(self) -> CardStatus:
        """Ask the reader what its slot holds now; any change is published as events."""
        with self._turn():
            if self._gone:
                raise ReaderUnavailableError(f"reader {self.name!r} is gone")
            return self._refresh_card_status()

    def close(self) -> None:
        """Close the port; the reader is gone for every connection and event stream."""
        with self._turn():
            if not self._gone:
                self._gone = True
                self._port.close()

    # --- ReaderBackend ---

    def list_readers(self) -> list[str]:
        with self._turn():
            return [] if self._gone else [self.name]

    def connect(self, reader: str, *, exclusive: bool = False) -> SerialCardConnection:
        with self._turn():
            if reader != self.name or self._gone:
                raise ReaderUnavailableError(f"no reader named {reader!r}")
            self._guarded(self._link.drain)
            if not self._card.present and not self._refresh_card_status().present:
                raise NoCardError(f"no card in {reader!r}")
            if self._exclusive or (exclusive and self._connections):
                raise SharingViolationError(f"{reader!r} is in use")
            if self._connections == 0 or self._powered != self._event_counter:
                reply = self._exchange(Command.POWER_ON)
                if reply.status in _CARD_GONE:
                    raise NoCardError(f"no card in {reader!r}")
                protocol, atr = self._power_answer(self._ok(reply))
                self._powered, self._connections = self._event_counter, 0
            else:
                protocol, atr = self._protocol, self._atr
            self._protocol, self._atr = protocol, atr
            self._connections += 1
            self._exclusive = exclusive
            return SerialCardConnection(self, self._event_counter, atr, protocol)

    def events(self, cancel: threading.Event) -> Iterator[ReaderEvent]:
        inbox: queue.Queue[ReaderEvent] = queue.Queue()
        with self._lock:
            present: list[ReaderEvent] = [] if self._gone else [ReaderAdded(self.name)]
            if self._card.present and not self._gone:
                present.append(CardInserted(self.name, self._event_counter, self._card.atr))
            self._subscribers.append(inbox)
        try:
            yield from _until(cancel, present)
            while not cancel.is_set() and not (self._gone and inbox.empty()):
                self._pump()
                yield from _until(cancel, _take_all(inbox))
        finally:
            with self._lock:
                self._subscribers.remove(inbox)

    # --- used by SerialCardConnection ---

    def _transmit(self, event_counter: int, apdu: bytes) -> tuple[bytes, int]:
        with self._turn():
            self._check_card(event_counter)
            response = self._card_command(Command.APDU, apdu)
        if len(response) < 2:
            raise SerialProtocolError(f"{self.name} answered an APDU without a status word")
        return response[:-2], int.from_bytes(response[-2:], "big")

    def _reset(self, event_counter: int) -> tuple[Protocol_, bytes]:
        with self._turn():
            self._check_card(event_counter)
            self._protocol, self._atr = self._power_answer(self._card_command(Command.RESET))
            return self._protocol, self._atr

    def _release(self, event_counter: int) -> None:
        with self._turn():
            if self._gone or self._powered != event_counter or not self._connections:
                return
            self._connections -= 1
            self._exclusive = False
            if self._connections == 0:
                self._powered = None
                # If the card or reader left meanwhile, the card is unpowered either way.
                with contextlib.suppress(ReaderError):
                    self._exchange(Command.POWER_OFF)

    # --- internals (called with the lock held) ---

    def _check_card(self, event_counter: int) -> None:
        if self._gone:
            raise ReaderUnavailableError(f"reader {self.name!r} is gone")
        self._guarded(self._link.drain)
        if not self._card.present or self._powered != event_counter:
            raise CardRemovedError(f"the card was removed from {self.name!r}")

    def _card_command(self, command: Command, data: bytes = b"") -> bytes:
        reply = self._exchange(command, data)
        if reply.status in _CARD_GONE:
            self._powered = None
            if reply.status != Status.NOT_POWERED:
                self._card_status_changed(_NO_CARD)
            raise CardRemovedError(f"the card left {self.name!r} during {command.name}")
        return self._ok(reply)

    def _command(self, command: Command, data: bytes = b"") -> bytes:
        if self._gone:
            raise ReaderUnavailableError(f"reader {self.name!r} is gone")
        return self._ok(self._exchange(command, data))

    def _exchange(self, command: Command, data: bytes = b"") -> Reply:
        return self._guarded(lambda: self._link.exchange(command, data))

    def _guarded(self, operation: Callable[[], _T]) -> _T:
        """Run a port operation; when the port fails, the reader is gone for good."""
        try:
            return operation()
        except ReaderUnavailableError:
            self._unplugged()
            raise

    def _ok(self, reply: Reply) -> bytes:
        if reply.status == Status.OK:
            return reply.data
        if reply.status == Status.MUTE_CARD:
            raise ReaderTimeoutError(f"the card in {self.name!r} does not answer")
        raise SerialProtocolError(
            f"{self.name} answered status {reply.status:02X} to command {reply.command:02X}"
        )

    def _power_answer(self, data: bytes) -> tuple[Protocol_, bytes]:
        try:
            return parse_power_answer(data)
        except MessageError as exc:
            raise SerialProtocolError(f"{self.name}: {exc}") from None

    def _ask_card_status(self) -> CardStatus:
        try:
            return parse_card_status(self._ok(self._exchange(Command.CARD_STATUS)))
        except MessageError as exc:
            raise SerialProtocolError(f"{self.name}: {exc}") from None

    def _refresh_card_status(self) -> CardStatus:
        self._card_status_changed(self._ask_card_status())
        return self._card

    def _card_status_changed(self, card: CardStatus) -> None:
        """Apply a notice or polled status: publish removals and insertions."""
        with self._lock:
            old, self._card = self._card, card
            if old.present and (not card.present or card.atr != old.atr):
                self._card_left()
            if card.present and (not old.present or card.atr != old.atr):
                self._event_counter += 1
                self._publish(CardInserted(self.name, self._event_counter, card.atr))

    def _card_left(self) -> None:
        self._powered = None
        self._connections = 0
        self._exclusive = False
        self._publish(CardRemoved(self.name, self._event_counter))

    def _unplugged(self) -> None:
        if self._gone:
            return
        if self._card.present:
            self._card = _NO_CARD
            self._card_left()
        self._publish(ReaderRemoved(self.name))
        self.close()

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the port for a command, ahead of the event streams' pumping."""
        with self._waiting_lock:
            self._waiting += 1
        try:
            with self._lock:
                yield
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def _pump(self) -> None:
        """Wait briefly for notices (and poll the card status when it is time)."""
        if self._waiting or not self._lock.acquire(timeout=CANCEL_POLL_SECONDS):
            time.sleep(PUMP_SECONDS)
            return
        try:
            if self._gone:
                return
            if self.poll_interval is not None and (
                time.monotonic() - self._last_poll >= self.poll_interval
            ):
                self._last_poll = time.monotonic()
                self._refresh_card_status()
            self._guarded(lambda: self._link.poll(PUMP_SECONDS))
        except ReaderError:
            pass  # published as events (ReaderRemoved) or retried at the next pump
        finally:
            self._lock.release()

    def _publish(self, event: ReaderEvent) -> None:
        for inbox in self._subscribers:
            inbox.put(event)


class SerialCardConnection(ClosingContext):
    """A ``readers.connection.CardConnection`` to the card in a serial reader."""

    def __init__(
        self, backend: SerialReaderBackend, event_counter: int, atr: bytes, protocol: Protocol_
    ) -> None:
        self._backend = backend
        self._event_counter = event_counter
        self._atr = atr
        self._protocol = protocol
        self._closed = False

    @property
    def reader(self) -> str:
        return self._backend.name

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> Protocol_:
        return self._protocol

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self._check_open()
        return self._backend._transmit(self._event_counter, bytes(apdu))

    def reset(self) -> bytes:
        self._check_open()
        self._protocol, self._atr = self._backend._reset(self._event_counter)
        return self._atr

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._backend._release(self._event_counter)

    def _check_open(self) -> None:
        if self._closed:
            raise ReaderError("the connection is closed")


def _until(cancel: threading.Event, events: list[ReaderEvent]) -> Iterator[ReaderEvent]:
    for event in events:
        if cancel.is_set():
            return
        yield event


def _take_all(inbox: queue.Queue[ReaderEvent]) -> list[ReaderEvent]:
    taken = []
    while not inbox.empty():
        taken.append(inbox.get_nowait())
    return taken
