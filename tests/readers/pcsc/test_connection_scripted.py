"""PcscConnection and ReaderMonitor over a scripted PC/SC layer: exact calls, typed errors."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from readers.connection import (
    CardInserted,
    CardRemoved,
    CardRemovedError,
    CardResetError,
    ReaderAdded,
    ReaderRemoved,
    ReaderTimeoutError,
    ReaderUnavailableError,
    ServiceDown,
    ServiceUnavailableError,
    ServiceUp,
    SharingViolationError,
)
from readers.pcsc import codes
from readers.pcsc.api import ReaderState
from readers.pcsc.connection import PcscConnection
from readers.pcsc.monitor import ReaderMonitor

READER = "Reader A"
ATR = bytes.fromhex("3B6D0000008153534350593201AABBCCDD")
CARD_HERE = codes.STATE_PRESENT | (3 << 16)
APDU = bytes.fromhex("00B2012C12")
WAIT = 5.0  # a safety net against hangs, not a timing assertion


class ScriptedScard:
    """Records every call; answers from per-call scripts, else success."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.transmit_answers: list[tuple[int, bytes]] = []
        self.begin_answers: list[int] = []
        self.connect_answer = codes.SUCCESS
        self.establish_answers: list[int] = []
        self.reader_states: list[tuple[int, int]] = []  # (code, event state)
        self.readers: list[str] = [READER]
        self.cancelled = threading.Event()

    def establish_context(self) -> tuple[int, int]:
        self.calls.append(("establish",))
        return (self.establish_answers.pop(0) if self.establish_answers else 0), 7

    def release_context(self, context: int) -> int:
        self.calls.append(("release", context))
        return 0

    def cancel(self, context: int) -> int:
        self.cancelled.set()
        return 0

    def list_readers(self, context: int) -> tuple[int, list[str]]:
        return 0, list(self.readers)

    def get_status_change(
        self, context: int, timeout_ms: int, states: Sequence[tuple[str, int]]
    ) -> tuple[int, list[ReaderState]]:
        self.calls.append(("status_change", timeout_ms, tuple(states)))
        if self.reader_states:
            code, state = self.reader_states.pop(0)
        elif any(current == codes.STATE_UNAWARE for _, current in states):
            code, state = 0, CARD_HERE
        else:
            self.cancelled.wait(timeout_ms / 1000)
            return codes.CODES["SCARD_E_CANCELLED"], []
        return code, [ReaderState(name, state, ATR) for name, _ in states]

    def connect(
        self, context: int, reader: str, share: int, protocols: int
    ) -> tuple[int, int, int]:
        self.calls.append(("connect", reader, share, protocols))
        return self.connect_answer, 99, codes.PROTOCOL_T0

    def reconnect(self, card: int, share: int, protocols: int, init: int) -> tuple[int, int]:
        self.calls.append(("reconnect", init))
        return 0, codes.PROTOCOL_T0

    def disconnect(self, card: int, disposition: int) -> int:
        self.calls.append(("disconnect", disposition))
        return 0

    def begin_transaction(self, card: int) -> int:
        self.calls.append(("begin",))
        return self.begin_answers.pop(0) if self.begin_answers else 0

    def end_transaction(self, card: int, disposition: int) -> int:
        self.calls.append(("end", disposition))
        return 0

    def transmit(self, card: int, protocol: int, apdu: bytes) -> tuple[int, bytes]:
        self.calls.append(("transmit", protocol, apdu))
        return self.transmit_answers.pop(0) if self.transmit_answers else (0, b"\x90\x00")

    def status(self, card: int) -> tuple[int, bytes]:
        return 0, ATR


def code(name: str) -> int:
    return codes.CODES[name]


@pytest.fixture
def scard() -> ScriptedScard:
    return ScriptedScard()


def connect(scard: ScriptedScard, **options: object) -> PcscConnection:
    connection = PcscConnection(scard, READER, removal_grace=0.0, **options)  # type: ignore[arg-type]
    scard.calls.clear()
    return connection


def test_connect_is_shared_t0_or_t1_and_remembers_the_event_counter(scard: ScriptedScard) -> None:
    connection = PcscConnection(scard, READER)
    assert ("connect", READER, codes.SHARE_SHARED, codes.PROTOCOL_T0 | codes.PROTOCOL_T1) in (
        scard.calls
    )
    assert (connection.atr, connection.protocol, connection.event_counter) == (ATR, "T0", 3)


def test_exclusive_on_request(scard: ScriptedScard) -> None:
    PcscConnection(scard, READER, exclusive=True)
    assert ("connect", READER, codes.SHARE_EXCLUSIVE, 3) in scard.calls


def test_each_transmit_is_raw_bytes_inside_its_own_transaction(scard: ScriptedScard) -> None:
    connection = connect(scard)
    scard.transmit_answers = [(0, b"\x61\x1b")]
    assert connection.transmit(APDU) == (b"", 0x611B)
    assert scard.calls == [
        ("begin",),
        ("transmit", codes.PROTOCOL_T0, APDU),
        ("end", codes.LEAVE_CARD),
    ]


def test_a_held_transaction_covers_several_transmits(scard: ScriptedScard) -> None:
    connection = connect(scard)
    with connection.transaction():
        connection.transmit(APDU)
        connection.transmit(APDU)
    assert [call[0] for call in scard.calls] == ["begin", "transmit", "transmit", "end"]


def test_close_leaves_the_card_and_releases_the_context(scard: ScriptedScard) -> None:
    connect(scard).close()
    assert scard.calls == [("disconnect", codes.LEAVE_CARD), ("release", 7)]


def test_a_reset_by_another_program_reconnects_once_and_says_the_state_is_gone(
    scard: ScriptedScard,
) -> None:
    connection = connect(scard)
    scard.begin_answers = [code("SCARD_W_RESET_CARD")]
    with pytest.raises(CardResetError) as raised:
        connection.transmit(APDU)
    assert raised.value.pcsc_code == "SCARD_W_RESET_CARD"
    assert ("reconnect", codes.LEAVE_CARD) in scard.calls
    assert connection.transmit(APDU) == (b"", 0x9000)


def test_an_empty_answer_from_a_card_that_left_is_card_removed(scard: ScriptedScard) -> None:
    connection = connect(scard)
    scard.transmit_answers = [(0, b"")]
    scard.reader_states = [(0, codes.STATE_EMPTY | (4 << 16))]
    with pytest.raises(CardRemovedError) as raised:
        connection.transmit(APDU)
    assert raised.value.pcsc_code == "SCARD_W_REMOVED_CARD"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("SCARD_W_REMOVED_CARD", CardRemovedError),
        ("SCARD_E_NO_SERVICE", ServiceUnavailableError),
        ("SCARD_E_SHARING_VIOLATION", SharingViolationError),
        ("SCARD_E_TIMEOUT", ReaderTimeoutError),
        ("SCARD_E_READER_UNAVAILABLE", ReaderUnavailableError),
    ],
)
def test_pcsc_codes_become_typed_errors_that_name_them(
    scard: ScriptedScard, name: str, error: type[Exception]
) -> None:
    connection = connect(scard)
    scard.transmit_answers = [(code(name), b"")]
    with pytest.raises(error) as raised:
        connection.transmit(APDU)
    assert raised.value.pcsc_code == name  # type: ignore[attr-defined]


def test_still_present_compares_the_event_counter(scard: ScriptedScard) -> None:
    connection = connect(scard)
    scard.reader_states = [(code("SCARD_E_TIMEOUT"), 0)]
    assert connection.still_present()
    scard.reader_states = [(0, codes.STATE_PRESENT | (5 << 16))]
    assert not connection.still_present()


def test_monitor_reports_cards_and_one_service_down_and_up(scard: ScriptedScard) -> None:
    monitor = ReaderMonitor(scard, backoff_first=0.001, backoff_max=0.001)
    lost = code("SCARD_F_COMM_ERROR")
    scard.reader_states = [(0, CARD_HERE), (0, codes.STATE_EMPTY | (4 << 16)), (lost, 0)]
    scard.establish_answers = [0, code("SCARD_E_NO_SERVICE"), code("SCARD_E_NO_SERVICE")]
    subscription = monitor.subscribe()
    events = [subscription.inbox.get(timeout=WAIT) for _ in range(8)]
    monitor.unsubscribe(subscription)
    assert events == [
        ReaderAdded(READER),
        CardInserted(READER, 3, ATR),
        CardRemoved(READER, 3),
        ServiceDown("SCARD_F_COMM_ERROR"),
        ReaderRemoved(READER),
        ServiceUp(),
        ReaderAdded(READER),
        CardInserted(READER, 3, ATR),
    ]
