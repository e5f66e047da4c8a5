"""PC/SC numbers and the one place that turns a PC/SC return code into our typed error.

Pure: the values are the PC/SC standard's (pcsc-lite and WinSCard agree), so this module
needs no pyscard and its tables are tested on their own.
"""

from __future__ import annotations

from readers.connection import (
    CardRemovedError,
    CardResetError,
    NoCardError,
    ReaderError,
    ReaderTimeoutError,
    ReaderUnavailableError,
    ServiceUnavailableError,
    SharingViolationError,
)

SUCCESS = 0x00000000
# One notification pseudo-reader: its state changes when a reader is plugged or unplugged.
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"

SCOPE_USER = 0
SHARE_EXCLUSIVE = 1
SHARE_SHARED = 2
PROTOCOL_T0 = 1
PROTOCOL_T1 = 2

LEAVE_CARD = 0
RESET_CARD = 1
UNPOWER_CARD = 2
EJECT_CARD = 3

STATE_UNAWARE = 0x0000
STATE_IGNORE = 0x0001
STATE_CHANGED = 0x0002
STATE_UNKNOWN = 0x0004
STATE_UNAVAILABLE = 0x0008
STATE_EMPTY = 0x0010
STATE_PRESENT = 0x0020
STATE_EXCLUSIVE = 0x0080
STATE_INUSE = 0x0100
STATE_MUTE = 0x0200
# The high 16 bits of a reader's event state count its card insertions and removals.
EVENT_COUNTER_SHIFT = 16

CODE_NAMES: dict[int, str] = {
    0x80100001: "SCARD_F_INTERNAL_ERROR",
    0x80100002: "SCARD_E_CANCELLED",
    0x80100003: "SCARD_E_INVALID_HANDLE",
    0x80100004: "SCARD_E_INVALID_PARAMETER",
    0x80100005: "SCARD_E_INVALID_TARGET",
    0x80100006: "SCARD_E_NO_MEMORY",
    0x80100007: "SCARD_F_WAITED_TOO_LONG",
    0x80100008: "SCARD_E_INSUFFICIENT_BUFFER",
    0x80100009: "SCARD_E_UNKNOWN_READER",
    0x8010000A: "SCARD_E_TIMEOUT",
    0x8010000B: "SCARD_E_SHARING_VIOLATION",
    0x8010000C: "SCARD_E_NO_SMARTCARD",
    0x8010000D: "SCARD_E_UNKNOWN_CARD",
    0x8010000E: "SCARD_E_CANT_DISPOSE",
    0x8010000F: "SCARD_E_PROTO_MISMATCH",
    0x80100010: "SCARD_E_NOT_READY",
    0x80100011: "SCARD_E_INVALID_VALUE",
    0x80100012: "SCARD_E_SYSTEM_CANCELLED",
    0x80100013: "SCARD_F_COMM_ERROR",
    0x80100014: "SCARD_F_UNKNOWN_ERROR",
    0x80100015: "SCARD_E_INVALID_ATR",
    0x80100016: "SCARD_E_NOT_TRANSACTED",
    0x80100017: "SCARD_E_READER_UNAVAILABLE",
    0x80100018: "SCARD_P_SHUTDOWN",
    0x80100019: "SCARD_E_PCI_TOO_SMALL",
    0x8010001A: "SCARD_E_READER_UNSUPPORTED",
    0x8010001B: "SCARD_E_DUPLICATE_READER",
    0x8010001C: "SCARD_E_CARD_UNSUPPORTED",
    0x8010001D: "SCARD_E_NO_SERVICE",
    0x8010001E: "SCARD_E_SERVICE_STOPPED",
    0x8010001F: "SCARD_E_UNSUPPORTED_FEATURE",
    0x80100027: "SCARD_E_NO_ACCESS",
    0x8010002E: "SCARD_E_NO_READERS_AVAILABLE",
    0x80100065: "SCARD_W_UNSUPPORTED_CARD",
    0x80100066: "SCARD_W_UNRESPONSIVE_CARD",
    0x80100067: "SCARD_W_UNPOWERED_CARD",
    0x80100068: "SCARD_W_RESET_CARD",
    0x80100069: "SCARD_W_REMOVED_CARD",
    0x8010006A: "SCARD_W_SECURITY_VIOLATION",
}
CODES: dict[str, int] = {name: code for code, name in CODE_NAMES.items()}

_ERROR_TYPES: dict[str, type[ReaderError]] = {
    "SCARD_W_REMOVED_CARD": CardRemovedError,
    "SCARD_E_NO_SMARTCARD": NoCardError,
    "SCARD_W_RESET_CARD": CardResetError,
    "SCARD_E_UNKNOWN_READER": ReaderUnavailableError,
    "SCARD_E_READER_UNAVAILABLE": ReaderUnavailableError,
    "SCARD_E_NO_READERS_AVAILABLE": ReaderUnavailableError,
    "SCARD_E_NO_SERVICE": ServiceUnavailableError,
    "SCARD_E_SERVICE_STOPPED": ServiceUnavailableError,
    "SCARD_E_NO_ACCESS": ServiceUnavailableError,
    # pcsc-lite answers these when pcscd went away under an open context or handle.
    "SCARD_F_COMM_ERROR": ServiceUnavailableError,
    "SCARD_E_INVALID_HANDLE": ServiceUnavailableError,
    # and this one while a restarting pcscd refuses a client it does not know yet.
    "SCARD_W_SECURITY_VIOLATION": ServiceUnavailableError,
    "SCARD_E_SHARING_VIOLATION": SharingViolationError,
    "SCARD_E_TIMEOUT": ReaderTimeoutError,
}


def code_name(code: int) -> str:
    """``SCARD_W_REMOVED_CARD`` for 0x80100069; unknown codes as ``SCARD_0x…``."""
    code &= 0xFFFFFFFF
    if code == SUCCESS:
        return "SCARD_S_SUCCESS"
    return CODE_NAMES.get(code, f"SCARD_0x{code:08X}")


def error_for(code: int, what: str) -> ReaderError:
    """The typed error for PC/SC return ``code`` of the operation ``what``."""
    name = code_name(code)
    return _ERROR_TYPES.get(name, ReaderError)(what, pcsc_code=name)


def event_counter(event_state: int) -> int:
    return (event_state >> EVENT_COUNTER_SHIFT) & 0xFFFF
