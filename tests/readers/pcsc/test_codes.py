"""Every PC/SC return code: its value, its name, and the typed error it becomes.

The table is written out here from pcsc-lite's ``pcsclite.h`` (and checked against the
installed headers through pyscard), not read from ``readers.pcsc.codes``: a wrong value
or a wrong mapping there fails a row.
"""

from __future__ import annotations

import pytest

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
from readers.pcsc import codes

# (value, name, the error a failed call with it raises)
TABLE: list[tuple[int, str, type[ReaderError]]] = [
    (0x80100001, "SCARD_F_INTERNAL_ERROR", ReaderError),
    (0x80100002, "SCARD_E_CANCELLED", ReaderError),
    # pcsc-lite answers this for a handle whose pcscd went away
    (0x80100003, "SCARD_E_INVALID_HANDLE", ServiceUnavailableError),
    (0x80100004, "SCARD_E_INVALID_PARAMETER", ReaderError),
    (0x80100005, "SCARD_E_INVALID_TARGET", ReaderError),
    (0x80100006, "SCARD_E_NO_MEMORY", ReaderError),
    (0x80100007, "SCARD_F_WAITED_TOO_LONG", ReaderError),
    (0x80100008, "SCARD_E_INSUFFICIENT_BUFFER", ReaderError),
    (0x80100009, "SCARD_E_UNKNOWN_READER", ReaderUnavailableError),
    (0x8010000A, "SCARD_E_TIMEOUT", ReaderTimeoutError),
    (0x8010000B, "SCARD_E_SHARING_VIOLATION", SharingViolationError),
    (0x8010000C, "SCARD_E_NO_SMARTCARD", NoCardError),
    (0x8010000D, "SCARD_E_UNKNOWN_CARD", ReaderError),
    (0x8010000E, "SCARD_E_CANT_DISPOSE", ReaderError),
    (0x8010000F, "SCARD_E_PROTO_MISMATCH", ReaderError),
    (0x80100010, "SCARD_E_NOT_READY", ReaderError),
    (0x80100011, "SCARD_E_INVALID_VALUE", ReaderError),
    (0x80100012, "SCARD_E_SYSTEM_CANCELLED", ReaderError),
    # … and this for a context whose pcscd went away
    (0x80100013, "SCARD_F_COMM_ERROR", ServiceUnavailableError),
    (0x8010006A, "SCARD_W_SECURITY_VIOLATION", ServiceUnavailableError),
    (0x80100014, "SCARD_F_UNKNOWN_ERROR", ReaderError),
    (0x80100015, "SCARD_E_INVALID_ATR", ReaderError),
    (0x80100016, "SCARD_E_NOT_TRANSACTED", ReaderError),
    (0x80100017, "SCARD_E_READER_UNAVAILABLE", ReaderUnavailableError),
    (0x80100018, "SCARD_P_SHUTDOWN", ReaderError),
    (0x80100019, "SCARD_E_PCI_TOO_SMALL", ReaderError),
    (0x8010001A, "SCARD_E_READER_UNSUPPORTED", ReaderError),
    (0x8010001B, "SCARD_E_DUPLICATE_READER", ReaderError),
    (0x8010001C, "SCARD_E_CARD_UNSUPPORTED", ReaderError),
    (0x8010001D, "SCARD_E_NO_SERVICE", ServiceUnavailableError),
    (0x8010001E, "SCARD_E_SERVICE_STOPPED", ServiceUnavailableError),
    (0x8010001F, "SCARD_E_UNSUPPORTED_FEATURE", ReaderError),
    (0x80100027, "SCARD_E_NO_ACCESS", ServiceUnavailableError),
    (0x8010002E, "SCARD_E_NO_READERS_AVAILABLE", ReaderUnavailableError),
    (0x80100065, "SCARD_W_UNSUPPORTED_CARD", ReaderError),
    (0x80100066, "SCARD_W_UNRESPONSIVE_CARD", ReaderError),
    (0x80100067, "SCARD_W_UNPOWERED_CARD", ReaderError),
    (0x80100068, "SCARD_W_RESET_CARD", CardResetError),
    (0x80100069, "SCARD_W_REMOVED_CARD", CardRemovedError),
]


@pytest.mark.parametrize(("value", "name", "error"), TABLE, ids=[row[1] for row in TABLE])
def test_each_code_has_its_name_and_typed_error(
    value: int, name: str, error: type[ReaderError]
) -> None:
    assert codes.code_name(value) == name
    assert codes.CODES[name] == value
    raised = codes.error_for(value, "transmit on 'Reader A'")
    assert type(raised) is error
    assert raised.pcsc_code == name
    assert str(raised) == f"transmit on 'Reader A' ({name})"


def test_the_table_covers_every_named_code() -> None:
    assert {value: name for value, name, _ in TABLE} == codes.CODE_NAMES


def test_the_values_are_those_of_the_installed_pcsc_lite() -> None:
    scard = pytest.importorskip("smartcard.scard")
    assert {name: getattr(scard, name) & 0xFFFFFFFF for _, name, _ in TABLE} == {
        name: value for value, name, _ in TABLE
    }


def test_a_negative_code_as_a_signed_long_is_the_same_code() -> None:
    # 32-bit LONG return values come back negative from some bindings (WinSCard).
    signed = codes.CODES["SCARD_E_TIMEOUT"] - (1 << 32)
    assert codes.code_name(signed) == "SCARD_E_TIMEOUT"
    assert isinstance(codes.error_for(signed, "wait"), ReaderTimeoutError)


def test_success_and_unknown_codes_are_named_too() -> None:
    assert codes.code_name(codes.SUCCESS) == "SCARD_S_SUCCESS"
    assert codes.code_name(0x80100099) == "SCARD_0x80100099"
    unknown = codes.error_for(0x80100099, "connect")
    assert type(unknown) is ReaderError
    assert unknown.pcsc_code == "SCARD_0x80100099"


def test_the_event_counter_is_the_high_16_bits_of_the_event_state() -> None:
    assert codes.event_counter(codes.STATE_PRESENT | codes.STATE_CHANGED | (0x1234 << 16)) == (
        0x1234
    )
    assert codes.event_counter(codes.STATE_EMPTY) == 0
