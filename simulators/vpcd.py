"""A vpcd relay: puts a soft card into the real ``pcscd`` through vsmartcard's vpcd driver.

Debian's ``vsmartcard-vpcd`` makes pcscd listen on TCP port 35963 for reader
"Virtual PCD 00 00" and 35964 for "Virtual PCD 00 01"; a virtual card is a TCP client
of that port. Every message, both ways, is a 2-byte big-endian length and that many
bytes. From the driver, a 1-byte message is a contact event — ``00`` power off, ``01``
power on, ``02`` reset (no answer to those three), ``04`` "send your ATR" (pcscd asks
that every ~400 ms to see the card is still there) — and anything longer is a command
APDU, answered with the response APDU.

Inserting a card is connecting. Removing it is answering pcscd's next "send your ATR"
with an empty message, which the driver takes as "no card" (it drops the link), and
then disconnecting: when ``remove()`` returns, pcscd has seen the reader empty, so a
card inserted right after is a new card to pcscd (a new event counter), even one with
the same ATR. While a card is inserted the relay reconnects (with back-off) whenever the
link drops, so a card stays in its reader across a pcscd restart, as a physical card
would.

The latency of a relayed APDU is dominated by delayed ACKs: the relay sets TCP_NODELAY
and re-arms TCP_QUICKACK before every read (measured: ~48 ms per APDU without
QUICKACK, ~0.17 ms with it).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from simulators.card.os import CardNotPoweredError, CardOS

logger = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
SLOT_PORTS = (35963, 35964)
READER_NAMES = ("Virtual PCD 00 00", "Virtual PCD 00 01")

POWER_OFF = 0x00
POWER_ON = 0x01
RESET = 0x02
GET_ATR = 0x04

# Answer to an APDU that reaches an unpowered card; pcscd powers a card before using it.
_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"
RETRY_FIRST_SECONDS = 0.02
RETRY_MAX_SECONDS = 0.5
# pcscd asks for the ATR every 400 ms; past this, remove() just drops the link.
REMOVE_TIMEOUT_SECONDS = 2.0

Fault = Callable[[bytes], bool]


def _quickack(sock: socket.socket) -> None:
    # Linux clears QUICKACK after a while; re-arming it before each read keeps our ACKs
    # immediate so that pcscd's next small write is not held back by Nagle on its side.
    option = getattr(socket, "TCP_QUICKACK", None)
    if option is not None:
        sock.setsockopt(socket.IPPROTO_TCP, option, 1)


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    """``size`` bytes from ``sock``, or None when the peer closed the link first."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


@dataclass
class _Insertion:
    """One stay of a card in the slot: the thread serving it and its current link."""

    card: CardOS
    stop: threading.Event = field(default_factory=threading.Event)
    leaving: threading.Event = field(default_factory=threading.Event)
    connected: threading.Event = field(default_factory=threading.Event)
    sock: socket.socket | None = None
    thread: threading.Thread = field(init=False)


class VpcdSlot:
    """One vpcd reader slot holding at most one soft card; driven from any thread.

    ``fault(apdu) -> bool``, when given, is asked before each command APDU: True pulls
    the card out (the link closes without an answer), as when a holder pulls the card
    mid-command.
    """

    def __init__(
        self,
        slot: int = 0,
        *,
        host: str = VPCD_HOST,
        port: int | None = None,
        fault: Fault | None = None,
    ) -> None:
        if slot not in (0, 1):
            raise ValueError(f"vpcd slot must be 0 or 1, got {slot}")
        self.slot = slot
        self.host = host
        self.port = SLOT_PORTS[slot] if port is None else port
        self.fault = fault
        self._lock = threading.Lock()
        self._insertion: _Insertion | None = None

    @property
    def reader(self) -> str:
        """The reader name pcscd gives this slot."""
        return READER_NAMES[self.slot]

    @property
    def card(self) -> CardOS | None:
        with self._lock:
            return self._insertion.card if self._insertion else None

    def insert(self, card: CardOS) -> None:
        """Put ``card`` in the slot; ValueError if it holds one. Returns at once."""
        with self._lock:
            if self._insertion is not None:
                raise ValueError(f"{self.reader} already holds a card")
            insertion = _Insertion(card)
            insertion.thread = threading.Thread(
                target=self._serve, args=(insertion,), name=f"vpcd-{self.port}", daemon=True
            )
            self._insertion = insertion
        insertion.thread.start()

    def wait_connected(self, timeout: float) -> bool:
        """Whether the inserted card's link to pcscd is up within ``timeout`` seconds."""
        with self._lock:
            insertion = self._insertion
        return insertion is not None and insertion.connected.wait(timeout)

    def remove(self) -> CardOS | None:
        """Take the card out; returns it, or None if the slot was empty.

        Returns once pcscd has seen the slot empty (or the link was down, or after
        ``REMOVE_TIMEOUT_SECONDS``).
        """
        with self._lock:
            insertion, self._insertion = self._insertion, None
        if insertion is None:
            return None
        if insertion.connected.is_set():
            insertion.leaving.set()
            insertion.thread.join(REMOVE_TIMEOUT_SECONDS)
        self._end(insertion)
        insertion.thread.join()
        return insertion.card

    def swap(self, card: CardOS) -> CardOS | None:
        """Remove the present card (if any) and insert ``card``; returns the old card."""
        old = self.remove()
        self.insert(card)
        return old

    def close(self) -> None:
        self.remove()

    # --- the serving thread ---

    def _end(self, insertion: _Insertion) -> None:
        with self._lock:
            insertion.stop.set()
            sock = insertion.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # the peer closed it already
                sock.shutdown(socket.SHUT_RDWR)

    def _serve(self, insertion: _Insertion) -> None:
        delay = RETRY_FIRST_SECONDS
        while not insertion.stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                insertion.stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            delay = RETRY_FIRST_SECONDS
            with sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(None)
                with self._lock:
                    if insertion.stop.is_set():
                        return
                    insertion.sock = sock
                insertion.connected.set()
                try:
                    self._exchange(sock, insertion)
                except OSError as exc:
                    logger.debug("vpcd link on port %d dropped: %s", self.port, exc)
                finally:
                    insertion.connected.clear()
                    with self._lock:
                        insertion.sock = None
                    insertion.card.power_off()

    def _exchange(self, sock: socket.socket, insertion: _Insertion) -> None:
        while not insertion.stop.is_set():
            _quickack(sock)
            header = _receive_exactly(sock, 2)
            if header is None:
                return
            message = _receive_exactly(sock, int.from_bytes(header, "big"))
            if message is None:
                return
            if len(message) > 1 and self.fault is not None and self.fault(message):
                self._pull(insertion)
                return
            if message == bytes([GET_ATR]) and insertion.leaving.is_set():
                sock.sendall(b"\x00\x00")  # "no card": the driver drops the link
                insertion.stop.set()
                return
            answer = self._answer(insertion.card, message)
            if answer is not None:
                sock.sendall(len(answer).to_bytes(2, "big") + answer)

    def _pull(self, insertion: _Insertion) -> None:
        with self._lock:
            if self._insertion is insertion:
                self._insertion = None
        insertion.stop.set()

    def _answer(self, card: CardOS, message: bytes) -> bytes | None:
        if len(message) == 1:
            control = message[0]
            if control == GET_ATR:
                return card.atr
            if control == POWER_ON:
                card.power_on()
            elif control == POWER_OFF:
                card.power_off()
            elif control == RESET:
                card.reset()
            else:
                logger.warning("vpcd port %d: unknown control message %02X", self.port, control)
            return None
        try:
            return card.execute(message)
        except CardNotPoweredError:
            logger.warning("vpcd port %d: APDU to an unpowered card", self.port)
            return _NO_PRECISE_DIAGNOSIS
