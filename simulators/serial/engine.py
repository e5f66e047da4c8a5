"""A window reader with a soft card inside, sans-I/O: host bytes in, reader bytes out.

``SerialReaderSimulator`` speaks the reader side of ``docs/serial-reader-protocol.md``.
Carriers (a pty, a ``sim://`` URL) move its bytes. It is not thread-safe: carriers hold a
lock around every call.

``fault(command, data) -> Fault | None``, when given, is asked for every command frame
received, before it runs, so that tests can damage exactly the exchange they choose.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from readers.serial.codec import STX, Control, Event, Frame, FrameDecoder, FrameError, encode_frame
from readers.serial.messages import (
    CardStatus,
    Command,
    SlotState,
    Status,
    encode_card_status,
    encode_power_answer,
    notice_frame,
    reply_frame,
)
from simulators.card.os import CardOS

VERSION = "SSCARD-SIM 1.0"
# A stray start byte with an impossible length: the host must resync past it.
NOISE = bytes([0xFF, 0x00, STX, 0x00, 0x01, 0x55])


class Fault(Enum):
    NAK = "nak"  # refuse the command frame with NAK, as if its check byte were wrong
    BAD_CHECK = "bad check"  # send the reply with a wrong check byte (the resend is right)
    TRUNCATED = "truncated"  # send half of the reply, then go quiet (the resend is whole)
    NOTICE = "notice"  # an unsolicited status notice between the ACK and the reply
    NOISE = "noise"  # line noise holding a stray start byte before the ACK
    MUTE = "mute"  # stop answering anything, from this command on, until ``mute = False``
    MUTE_CARD = "mute card"  # the card does not answer this command: status MUTE_CARD
    PULL = "pull"  # the card is pulled during the command: CARD_REMOVED, then a notice


FaultPlan = Callable[[int, bytes], Fault | None]


class SerialReaderSimulator:
    """The reader's firmware: a slot for one soft card, notices on insert and remove."""

    def __init__(
        self,
        card: CardOS | None = None,
        *,
        notices: bool = True,
        fault: FaultPlan | None = None,
        version: str = VERSION,
    ) -> None:
        self.notices = notices
        self.fault = fault
        self.version = version
        self.mute = False
        self.beeps: list[int] = []
        self.commands: list[tuple[int, bytes]] = []
        self._card = card
        self._powered = False
        self._decoder = FrameDecoder()
        self._last_reply = b""

    @property
    def card_status(self) -> CardStatus:
        if self._card is None:
            return CardStatus(SlotState.ABSENT)
        state = SlotState.POWERED if self._powered else SlotState.PRESENT
        return CardStatus(state, self._card.atr)

    # --- the slot (scripted by tests): each returns the bytes to send to the host ---

    def insert(self, card: CardOS) -> bytes:
        """Put ``card`` into the empty slot; ValueError if it holds one."""
        if self._card is not None:
            raise ValueError("the reader already holds a card")
        self._card = card
        return self._notice()

    def remove(self) -> bytes:
        """Take the card out; ValueError if the slot is empty."""
        if self._card is None:
            raise ValueError("the reader holds no card")
        self._take_card()
        return self._notice()

    # --- the line ---

    def receive(self, data: bytes) -> bytes:
        """Bytes from the host in; the reader's answer out."""
        return b"".join(self._handle(event) for event in self._decoder.feed(data))

    def expire(self) -> bytes:
        """The host went quiet in the middle of a frame: NAK it."""
        return b"".join(self._handle(event) for event in self._decoder.expire())

    def _handle(self, event: Event) -> bytes:
        if self.mute:
            return b""
        if event is Control.NAK:
            return self._last_reply
        if isinstance(event, FrameError):
            return bytes([Control.NAK]) if event.damaged_frame else b""
        if isinstance(event, Frame):
            return self._command(event)
        return b""  # an ACK: the host got our reply

    def _command(self, frame: Frame) -> bytes:
        self.commands.append((frame.code, frame.payload))
        fault = self.fault(frame.code, frame.payload) if self.fault is not None else None
        if fault is Fault.MUTE:
            self.mute = True
            return b""
        if fault is Fault.NAK:
            return bytes([Control.NAK])
        status, data = self._run(frame.code, frame.payload, fault)
        self._last_reply = encode_frame(reply_frame(frame.seq, frame.code, status, data))
        out = (NOISE if fault is Fault.NOISE else b"") + bytes([Control.ACK])
        if fault is Fault.NOTICE:
            out += encode_frame(notice_frame(self.card_status))
        if fault is Fault.BAD_CHECK:
            reply = bytearray(self._last_reply)
            reply[-2] ^= 0xFF
            return out + reply
        if fault is Fault.TRUNCATED:
            return out + self._last_reply[: len(self._last_reply) // 2]
        out += self._last_reply
        return out + (self._notice() if fault is Fault.PULL else b"")

    def _run(self, code: int, data: bytes, fault: Fault | None) -> tuple[Status, bytes]:
        if code == Command.VERSION:
            return Status.OK, self.version.encode("ascii")
        if code == Command.CARD_STATUS:
            return Status.OK, encode_card_status(self.card_status)
        if code == Command.BEEP:
            if len(data) != 1:
                return Status.BAD_LENGTH, b""
            self.beeps.append(data[0])
            return Status.OK, b""
        if code not in (Command.POWER_ON, Command.POWER_OFF, Command.RESET, Command.APDU):
            return Status.BAD_COMMAND, b""
        return self._run_card(code, data, fault)

    def _run_card(self, code: int, data: bytes, fault: Fault | None) -> tuple[Status, bytes]:
        card = self._card
        if code == Command.POWER_OFF:
            if card is not None:
                card.power_off()
            self._powered = False
            return Status.OK, b""
        if card is None:
            return Status.NO_CARD, b""
        if fault is Fault.PULL:
            self._take_card()
            return Status.CARD_REMOVED, b""
        if fault is Fault.MUTE_CARD:
            return Status.MUTE_CARD, b""
        if code == Command.POWER_ON:
            self._powered = True
            return Status.OK, encode_power_answer(card.protocol, card.power_on())
        if not self._powered:
            return Status.NOT_POWERED, b""
        if code == Command.RESET:
            return Status.OK, encode_power_answer(card.protocol, card.reset())
        return Status.OK, card.execute(data)

    def _take_card(self) -> None:
        if self._card is not None:
            self._card.power_off()
        self._card = None
        self._powered = False

    def _notice(self) -> bytes:
        return encode_frame(notice_frame(self.card_status)) if self.notices else b""
