"""What the frames of the window-reader protocol mean, sans-I/O.

A command frame carries a ``Command`` code and its data. A reply frame echoes the
command's code and sequence number, and its payload is one ``Status`` byte followed by
data. A notice is a reply the reader sends unasked (code ``NOTICE``) when a card comes or
goes; its data, like that of CARD STATUS, is a ``CardStatus``. All codes are [our choice];
``docs/serial-reader-protocol.md`` has the byte examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from readers.connection import Protocol_
from readers.serial.codec import Frame

NOTICE = 0xA0
# Notices answer no command; they carry this sequence number.
NOTICE_SEQ = 0x00


class Command(IntEnum):
    VERSION = 0x10  # → ASCII firmware version
    CARD_STATUS = 0x11  # → CardStatus
    BEEP = 0x12  # data: duration in units of 10 ms
    POWER_ON = 0x20  # → protocol byte + ATR
    POWER_OFF = 0x21
    RESET = 0x22  # warm reset → protocol byte + ATR
    APDU = 0x30  # data: command APDU → response APDU (data + SW1 SW2), raw T=0/T=1


class Status(IntEnum):
    OK = 0x00
    NO_CARD = 0x01
    CARD_REMOVED = 0x02  # the card left during the command
    MUTE_CARD = 0x03  # the card gave no ATR or no answer
    NOT_POWERED = 0x04  # APDU or reset to a card that is not powered (power was lost)
    BAD_COMMAND = 0x10  # unknown command code
    BAD_LENGTH = 0x11  # data of the wrong length for the command
    BAD_CHECK = 0x12  # framed form of NAK, sent by some readers


class SlotState(IntEnum):
    ABSENT = 0x00
    PRESENT = 0x01  # in the slot, not powered
    POWERED = 0x02


PROTOCOL_BYTES: dict[Protocol_, int] = {"T0": 0x00, "T1": 0x01}


class MessageError(ValueError):
    """A well-framed message whose content does not follow the protocol."""


@dataclass(frozen=True)
class Reply:
    """A reply (or, with ``command == NOTICE``, a notice) from the reader."""

    seq: int
    command: int
    status: int
    data: bytes = b""

    @property
    def is_notice(self) -> bool:
        return self.command == NOTICE


@dataclass(frozen=True)
class CardStatus:
    """What is in the slot; the reader learns the ATR when the card is inserted."""

    state: SlotState
    atr: bytes = b""

    @property
    def present(self) -> bool:
        return self.state is not SlotState.ABSENT


def command_frame(seq: int, command: Command, data: bytes = b"") -> Frame:
    return Frame(seq, command, data)


def reply_frame(seq: int, command: int, status: Status, data: bytes = b"") -> Frame:
    return Frame(seq, command, bytes([status]) + data)


def notice_frame(card_status: CardStatus) -> Frame:
    return reply_frame(NOTICE_SEQ, NOTICE, Status.OK, encode_card_status(card_status))


def parse_reply(frame: Frame) -> Reply:
    """The reply in a frame from the reader; MessageError when it has no status byte."""
    if not frame.payload:
        raise MessageError(f"reply to command {frame.code:02X} has no status byte")
    return Reply(frame.seq, frame.code, frame.payload[0], frame.payload[1:])


def encode_card_status(card_status: CardStatus) -> bytes:
    return bytes([card_status.state]) + card_status.atr


def parse_card_status(data: bytes) -> CardStatus:
    """``state [ATR]``; MessageError when the state is unknown or the ATR is misplaced."""
    if not data:
        raise MessageError("card status is empty")
    try:
        state = SlotState(data[0])
    except ValueError:
        raise MessageError(f"unknown card state {data[0]:02X}") from None
    if (state is SlotState.ABSENT) != (len(data) == 1):
        raise MessageError("a card status carries an ATR exactly when a card is present")
    return CardStatus(state, data[1:])


def encode_power_answer(protocol: Protocol_, atr: bytes) -> bytes:
    return bytes([PROTOCOL_BYTES[protocol]]) + atr


def parse_power_answer(data: bytes) -> tuple[Protocol_, bytes]:
    """``protocol ATR`` from POWER ON or RESET; MessageError when malformed."""
    for protocol, byte in PROTOCOL_BYTES.items():
        if data[:1] == bytes([byte]) and len(data) > 1:
            return protocol, data[1:]
    raise MessageError(f"not a protocol byte and an ATR: {data.hex().upper()}")
