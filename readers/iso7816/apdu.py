"""Command and response APDUs (ISO/IEC 7816-3 cases 1-4, short and extended).

Le is the number of bytes the host expects: 1-256 for short APDUs (256 is sent as
``00``) and 1-65536 for extended ones (65536 is sent as ``00 00``). ``None`` means the
command carries no Le (cases 1 and 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from readers.iso7816.errors import MalformedApduError

SHORT_MAX_LC = 255
SHORT_MAX_LE = 256
EXTENDED_MAX_LC = 65535
EXTENDED_MAX_LE = 65536


class ApduCase(IntEnum):
    """The four ISO 7816-3 command cases."""

    NO_DATA_NO_LE = 1
    LE_ONLY = 2
    DATA_ONLY = 3
    DATA_AND_LE = 4


def _check_byte(name: str, value: int) -> None:
    if not 0 <= value <= 0xFF:
        raise MalformedApduError(f"{name} must be one byte, got {value!r}")


@dataclass(frozen=True)
class CommandApdu:
    """A command APDU. Extended form is used when the data or Le need it, or on request."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    force_extended: bool = False

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            _check_byte(name, getattr(self, name))
        if len(self.data) > EXTENDED_MAX_LC:
            raise MalformedApduError(f"command data too long: {len(self.data)} bytes")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise MalformedApduError(f"Le must be 1..65536 or absent, got {self.le}")

    @property
    def case(self) -> ApduCase:
        if self.data:
            return ApduCase.DATA_AND_LE if self.le is not None else ApduCase.DATA_ONLY
        return ApduCase.LE_ONLY if self.le is not None else ApduCase.NO_DATA_NO_LE

    @property
    def extended(self) -> bool:
        return (
            self.force_extended
            or len(self.data) > SHORT_MAX_LC
            or (self.le is not None and self.le > SHORT_MAX_LE)
        )

    def with_le(self, le: int | None) -> CommandApdu:
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le, self.force_extended)

    def to_bytes(self) -> bytes:
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.case is ApduCase.NO_DATA_NO_LE:
            # Case 1 has no extended form: a lone 00 would be read back as case 2S, Le=256.
            return header
        if not self.extended:
            body = b""
            if self.data:
                body += bytes((len(self.data),)) + self.data
            if self.le is not None:
                body += bytes((self.le % 256,))
            return header + body
        body = b"\x00"
        if self.data:
            body += len(self.data).to_bytes(2, "big") + self.data
        if self.le is not None:
            body += (self.le % 65536).to_bytes(2, "big")
        return header + body

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CommandApdu:
        """Parse a command APDU; any byte string that is not one raises MalformedApduError."""
        raw = bytes(raw)
        n = len(raw)
        if n < 4:
            raise MalformedApduError(f"command APDU needs at least 4 bytes, got {n}")
        cla, ins, p1, p2 = raw[:4]
        if n == 4:
            return cls(cla, ins, p1, p2)
        b0 = raw[4]
        if n == 5:
            return cls(cla, ins, p1, p2, le=b0 or SHORT_MAX_LE)
        if b0 != 0:
            lc = b0
            if n == 5 + lc:
                return cls(cla, ins, p1, p2, raw[5:])
            if n == 6 + lc:
                return cls(cla, ins, p1, p2, raw[5:-1], le=raw[-1] or SHORT_MAX_LE)
            raise MalformedApduError(f"Lc={lc} does not match an APDU of {n} bytes")
        if n == 7:
            le = int.from_bytes(raw[5:7], "big") or EXTENDED_MAX_LE
            return cls(cla, ins, p1, p2, le=le, force_extended=True)
        if n < 7:
            raise MalformedApduError(f"extended APDU of {n} bytes is truncated")
        lc = int.from_bytes(raw[5:7], "big")
        if lc == 0:
            raise MalformedApduError("extended Lc of zero is not allowed")
        if n == 7 + lc:
            return cls(cla, ins, p1, p2, raw[7:], force_extended=True)
        if n == 9 + lc:
            le = int.from_bytes(raw[-2:], "big") or EXTENDED_MAX_LE
            return cls(cla, ins, p1, p2, raw[7:-2], le=le, force_extended=True)
        raise MalformedApduError(f"extended Lc={lc} does not match an APDU of {n} bytes")


@dataclass(frozen=True)
class ResponseApdu:
    """Response data and the two status bytes."""

    data: bytes
    sw: int

    def __post_init__(self) -> None:
        if not 0 <= self.sw <= 0xFFFF:
            raise MalformedApduError(f"status word out of range: {self.sw!r}")

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def from_bytes(cls, raw: bytes) -> ResponseApdu:
        if len(raw) < 2:
            raise MalformedApduError(f"response APDU needs at least 2 bytes, got {len(raw)}")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))
