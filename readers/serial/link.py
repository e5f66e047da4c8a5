"""One command, one reply, over a port: acknowledgements, resends and deadlines.

The host sends a command frame; the reader answers ACK (or NAK: the host resends) and then
a reply frame echoing the command's sequence number. A damaged reply (bad check byte, or
truncated: the line went quiet inside it) is answered with NAK and the reader resends it.
Both resends are bounded by ``MAX_RESENDS``. Notices may arrive at any moment, in between;
they go to ``on_notice``. Replies with another sequence number are stale and dropped.

Deadlines come from the baud rate: a byte takes 10 bits on the wire (start, 8 data, stop),
so ``n`` bytes take ``10 n / baud`` seconds; the reader is allowed ``timeout`` seconds on
top to acknowledge a command and to answer it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from readers.connection import ReaderError, ReaderTimeoutError
from readers.serial.codec import (
    MAX_PAYLOAD,
    Control,
    Event,
    Frame,
    FrameDecoder,
    FrameError,
    encode_frame,
    frame_size,
)
from readers.serial.messages import (
    CardStatus,
    Command,
    MessageError,
    Reply,
    Status,
    command_frame,
    parse_card_status,
    parse_reply,
)
from readers.serial.port import Port, port_error

logger = logging.getLogger(__name__)

# [our choice] resends of one command after NAK, and NAKs sent for one reply.
MAX_RESENDS = 3
BITS_PER_BYTE = 10
# [our choice] the line may pause this long inside a frame (plus 2 byte times) before the
# frame counts as truncated; USB serial adapters deliver in bursts a few ms apart.
GAP_MARGIN = 0.05


class SerialProtocolError(ReaderError):
    """The reader broke the protocol, refused a command, or garbled every resend."""


@dataclass(frozen=True)
class Timing:
    """Deadlines for a line at ``baudrate`` and a reader allowed ``timeout`` seconds."""

    baudrate: int
    timeout: float

    def wire_time(self, size: int) -> float:
        return size * BITS_PER_BYTE / self.baudrate

    def ack_time(self, command: bytes) -> float:
        return self.wire_time(len(command) + 1) + self.timeout

    @property
    def reply_time(self) -> float:
        return self.wire_time(frame_size(MAX_PAYLOAD)) + self.timeout

    @property
    def gap(self) -> float:
        return self.wire_time(2) + GAP_MARGIN


class Link:
    """Exchanges on one port; not thread-safe (the backend serialises its calls)."""

    def __init__(
        self, port: Port, name: str, timing: Timing, on_notice: Callable[[CardStatus], None]
    ) -> None:
        self.timing = timing
        self._port = port
        self._name = name
        self._on_notice = on_notice
        self._decoder = FrameDecoder()
        self._seq = 0
        self._last_byte = time.monotonic()

    def exchange(self, command: Command, data: bytes = b"") -> Reply:
        """Send ``command`` and return its reply, after any resends."""
        self.drain()
        self._seq = self._seq % 0xFF + 1  # 1…255: notices carry 0
        wire = encode_frame(command_frame(self._seq, command, data))
        # APDUs carry PINs and personal data: log their size only.
        logger.debug("> %s seq %d, %d bytes", command.name, self._seq, len(data))
        self._write(wire)
        deadline = time.monotonic() + self.timing.ack_time(wire)
        acked, resends, naks = False, 0, 0
        while True:
            damaged = False
            for event in self._next_events(deadline):
                if event is Control.ACK and not acked:
                    acked = True
                    deadline = time.monotonic() + self.timing.reply_time
                elif isinstance(event, FrameError):
                    damaged = damaged or event.damaged_frame
                elif event is Control.NAK or self._refused(event, command):
                    resends = self._count(resends, f"the reader refused {command.name}")
                    self._write(wire)
                    acked, deadline = False, time.monotonic() + self.timing.ack_time(wire)
                elif isinstance(event, Frame):
                    reply = self._reply(event, command)
                    if reply is not None:
                        size = len(reply.data)
                        logger.debug("< %s status %02X, %d bytes", command.name, reply.status, size)
                        return reply
            if damaged and acked:
                naks = self._count(naks, f"every reply to {command.name} arrived damaged")
                self._write(bytes([Control.NAK]))
                deadline = time.monotonic() + self.timing.reply_time

    def drain(self) -> None:
        """Handle what has already arrived (notices), without waiting."""
        while self._port_waiting():
            self._handle_unasked(self._decoder.feed(self._read()))

    def poll(self, wait: float) -> None:
        """Wait up to ``wait`` seconds for notices and handle them."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            events = self._next_events(deadline, raise_on_timeout=False)
            if not events:
                return
            self._handle_unasked(events)

    # --- reading ---

    def _next_events(self, deadline: float, *, raise_on_timeout: bool = True) -> list[Event]:
        """The events of the next bytes to arrive before ``deadline``; an expired partial
        frame counts as arrived. ReaderTimeoutError if nothing does (or [] when asked)."""
        while True:
            now = time.monotonic()
            if self._decoder.in_frame and now >= self._last_byte + self.timing.gap:
                return self._decoder.expire()
            if now >= deadline:
                if raise_on_timeout:
                    raise ReaderTimeoutError(f"the reader on {self._name} did not answer in time")
                return []
            data = self._read()
            if data:
                self._last_byte = time.monotonic()
                events = self._decoder.feed(data)
                if events:
                    return events

    def _read(self) -> bytes:
        try:
            data = self._port.read(max(1, self._port.in_waiting))
            if data and self._port.in_waiting:
                data += self._port.read(self._port.in_waiting)
        except OSError as exc:
            raise port_error(exc, self._name) from exc
        return data

    def _port_waiting(self) -> int:
        try:
            return self._port.in_waiting
        except OSError as exc:
            raise port_error(exc, self._name) from exc

    def _write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except OSError as exc:
            raise port_error(exc, self._name) from exc

    # --- interpreting ---

    def _reply(self, frame: Frame, command: Command) -> Reply | None:
        """The reply to ``command`` in ``frame``, or None after handling anything else."""
        reply = self._parse(frame)
        if reply is None:
            return None
        if reply.is_notice:
            self._notice(reply)
            return None
        if (reply.seq, reply.command) != (self._seq, command):
            logger.debug("dropped a stale reply to %02X (sequence %d)", reply.command, reply.seq)
            return None
        return reply

    def _refused(self, event: Event, command: Command) -> bool:
        """A reader that answers a bad check with a BAD_CHECK reply instead of NAK."""
        if not isinstance(event, Frame) or event.seq != self._seq or event.code != command:
            return False
        return event.payload[:1] == bytes([Status.BAD_CHECK])

    def _handle_unasked(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Frame):
                reply = self._parse(event)
                if reply is not None and reply.is_notice:
                    self._notice(reply)

    def _parse(self, frame: Frame) -> Reply | None:
        try:
            return parse_reply(frame)
        except MessageError as exc:
            logger.warning("ignored a malformed frame from %s: %s", self._name, exc)
            return None

    def _notice(self, reply: Reply) -> None:
        try:
            card_status = parse_card_status(reply.data)
        except MessageError as exc:
            logger.warning("ignored a malformed notice from %s: %s", self._name, exc)
            return
        self._on_notice(card_status)

    def _count(self, done: int, failure: str) -> int:
        if done >= MAX_RESENDS:
            raise SerialProtocolError(f"{failure} {MAX_RESENDS + 1} times on {self._name}")
        return done + 1
