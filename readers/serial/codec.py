"""The window-reader frame codec, sans-I/O: bytes in, frames and typed errors out.

A frame is ``STX LEN_H LEN_L SEQ CODE PAYLOAD… BCC ETX`` (``docs/serial-reader-protocol.md``):
LEN counts SEQ, CODE and PAYLOAD; BCC is the XOR of LEN_H through the last payload byte.
Outside frames a single ACK or NAK byte acknowledges the frame the other side sent.

``FrameDecoder.feed`` turns whatever the line delivered into events: a ``Frame``, a
``Control`` byte, or a ``FrameError`` for a candidate frame that failed. It never raises
on input. After a failure it resumes scanning at the byte after the failed start byte, so
a stray STX in line noise cannot hide the real frame that follows. Truncation needs a
clock, which the decoder has not: the I/O layer calls ``expire`` when the line has been
quiet too long in the middle of a frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

STX = 0x02
ETX = 0x03
# [our choice] the longest SEQ + CODE + PAYLOAD: a short APDU (261 bytes) with room to spare.
MAX_BODY = 1024
# STX, LEN (2), SEQ, CODE, BCC, ETX around the payload.
OVERHEAD = 7
MAX_PAYLOAD = MAX_BODY - 2


class Control(IntEnum):
    """The single bytes sent between frames."""

    ACK = 0x06
    NAK = 0x15


@dataclass(frozen=True)
class Frame:
    """One framed message: sequence number, command or reply ``code``, and ``payload``.

    A reply echoes the sequence number of its command, so that a late duplicate of an old
    reply is never taken for the answer to the next command.
    """

    seq: int
    code: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not (0 <= self.seq <= 0xFF and 0 <= self.code <= 0xFF):
            raise ValueError(f"frame sequence {self.seq} or code {self.code} is not a byte")
        if len(self.payload) > MAX_PAYLOAD:
            raise ValueError(f"frame payload of {len(self.payload)} bytes exceeds {MAX_PAYLOAD}")


class FrameErrorKind(Enum):
    BAD_LENGTH = "bad length"  # LEN below 2 (SEQ, CODE) or above MAX_BODY
    BAD_END = "bad end byte"  # no ETX where LEN says the frame ends
    BAD_CHECK = "bad check byte"  # ETX in place, BCC wrong
    TRUNCATED = "truncated"  # the line went quiet inside a frame


@dataclass(frozen=True)
class FrameError:
    """A candidate frame that was dropped; ``raw`` holds its bytes as received."""

    kind: FrameErrorKind
    raw: bytes

    @property
    def damaged_frame(self) -> bool:
        """True when a real frame was probably damaged (worth a NAK), not mere line noise."""
        return self.kind in (FrameErrorKind.BAD_CHECK, FrameErrorKind.TRUNCATED)


Event = Frame | Control | FrameError


def check_byte(data: bytes | bytearray) -> int:
    """XOR of all bytes of ``data`` (the LEN and body of a frame)."""
    bcc = 0
    for byte in data:
        bcc ^= byte
    return bcc


def encode_frame(frame: Frame) -> bytes:
    """The bytes of ``frame`` on the wire."""
    body = bytes([frame.seq, frame.code]) + frame.payload
    covered = len(body).to_bytes(2, "big") + body
    return bytes([STX]) + covered + bytes([check_byte(covered), ETX])


def frame_size(payload_length: int) -> int:
    """Bytes on the wire of a frame with ``payload_length`` payload bytes."""
    return OVERHEAD + payload_length


class FrameDecoder:
    """Incremental decoder; feed it bytes in any chunks, get events in order."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def in_frame(self) -> bool:
        """True while a start byte has been seen and its frame is not complete yet."""
        return bool(self._buffer)

    def feed(self, data: bytes) -> list[Event]:
        """Add received bytes; return the events they complete."""
        self._buffer += data
        return self._scan()

    def expire(self) -> list[Event]:
        """The line went quiet: drop a partial frame as truncated and rescan after it."""
        if not self._buffer:
            return []
        raw = bytes(self._buffer)
        del self._buffer[:1]
        return [FrameError(FrameErrorKind.TRUNCATED, raw), *self._scan()]

    def _scan(self) -> list[Event]:
        events: list[Event] = []
        buffer = self._buffer
        while buffer:
            first = buffer[0]
            if first != STX:
                del buffer[:1]
                if first in (Control.ACK, Control.NAK):
                    events.append(Control(first))
                continue
            if len(buffer) < 3:
                break
            length = int.from_bytes(buffer[1:3], "big")
            if not 2 <= length <= MAX_BODY:
                events.append(self._drop(FrameErrorKind.BAD_LENGTH, 3))
                continue
            end = 3 + length + 2
            if len(buffer) < end:
                break
            if buffer[end - 1] != ETX:
                events.append(self._drop(FrameErrorKind.BAD_END, end))
                continue
            if check_byte(buffer[1 : end - 1]) != 0:
                events.append(self._drop(FrameErrorKind.BAD_CHECK, end))
                continue
            events.append(Frame(buffer[3], buffer[4], bytes(buffer[5 : end - 2])))
            del buffer[:end]
        return events

    def _drop(self, kind: FrameErrorKind, size: int) -> FrameError:
        # Resume after the start byte only: the rest may hold the real frame.
        error = FrameError(kind, bytes(self._buffer[:size]))
        del self._buffer[:1]
        return error
