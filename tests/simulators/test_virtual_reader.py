"""The in-process virtual reader backend, driven from the test thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from readers.connection import (
    CardConnection,
    CardInserted,
    CardRemoved,
    CardRemovedError,
    NoCardError,
    ReaderAdded,
    ReaderBackend,
    ReaderError,
    ReaderRemoved,
    ReaderUnavailableError,
    SharingViolationError,
)
from readers.event_queue import ReaderEventQueue
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.virtual_reader import VirtualReaderBackend

MakeCard = Callable[..., SoftSocialSecurityCard]
READER = "Virtual Reader 0"
ATR = bytes.fromhex("3B6D0000 00815353435059 3201 1A2B3C4D")
SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
FCI = bytes.fromhex("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101")
WAIT = 5.0  # seconds: a safety net against hangs, not a timing assertion


@pytest.fixture
def backend() -> VirtualReaderBackend:
    return VirtualReaderBackend()


@pytest.fixture
def card(make_card: MakeCard) -> SoftSocialSecurityCard:
    card = make_card("T1")
    card.power_off()
    return card


@pytest.fixture
def listen(backend: VirtualReaderBackend) -> Iterator[Callable[[], ReaderEventQueue]]:
    listeners: list[ReaderEventQueue] = []

    def start() -> ReaderEventQueue:
        listeners.append(ReaderEventQueue(backend, timeout=WAIT))
        return listeners[-1]

    yield start
    for listener in listeners:
        listener.close()
        assert not listener.running


def test_it_is_a_reader_backend_with_one_default_reader(backend: VirtualReaderBackend) -> None:
    seam: ReaderBackend = backend
    assert seam.list_readers() == [READER]
    assert VirtualReaderBackend(["A", "B"]).list_readers() == ["A", "B"]


def test_connect_powers_the_card_and_transmits(
    backend: VirtualReaderBackend, card: SoftSocialSecurityCard
) -> None:
    backend.insert(READER, card)
    connection: CardConnection = backend.connect(READER)
    with connection:
        assert connection.reader == READER
        assert connection.atr == ATR
        assert connection.protocol == "T1"
        assert connection.transmit(SELECT_SSSE) == (FCI, 0x9000)
        assert connection.transmit(bytes.fromhex("00B2072C0B")) == (
            bytes.fromhex("0709413030303030303131"),
            0x9000,
        )
    with pytest.raises(ReaderError, match="closed"):
        connection.transmit(SELECT_SSSE)


def test_a_t0_card_answers_61xx_through_the_reader(
    backend: VirtualReaderBackend, make_card: MakeCard
) -> None:
    backend.insert(READER, make_card("T0"))
    with backend.connect(READER) as connection:
        assert connection.protocol == "T0"
        assert connection.transmit(SELECT_SSSE) == (b"", 0x611B)
        assert connection.transmit(bytes.fromhex("00C000001B")) == (FCI, 0x9000)


def test_connect_errors(backend: VirtualReaderBackend, card: SoftSocialSecurityCard) -> None:
    with pytest.raises(NoCardError):
        backend.connect(READER)
    with pytest.raises(ReaderUnavailableError):
        backend.connect("Nowhere")
    backend.insert(READER, card)
    with backend.connect(READER, exclusive=True), pytest.raises(SharingViolationError):
        backend.connect(READER)
    with backend.connect(READER), pytest.raises(SharingViolationError):
        backend.connect(READER, exclusive=True)


def test_scripting_mistakes_are_value_errors(
    backend: VirtualReaderBackend, card: SoftSocialSecurityCard, make_card: MakeCard
) -> None:
    with pytest.raises(ValueError, match="holds no card"):
        backend.remove(READER)
    backend.insert(READER, card)
    with pytest.raises(ValueError, match="already holds a card"):
        backend.insert(READER, make_card())
    with pytest.raises(ValueError, match="no reader"):
        backend.insert("Nowhere", card)
    with pytest.raises(ValueError, match="already exists"):
        backend.add_reader(READER)


def test_removed_card_fails_old_connections_even_after_reinsertion(
    backend: VirtualReaderBackend, card: SoftSocialSecurityCard
) -> None:
    backend.insert(READER, card)
    old = backend.connect(READER)
    backend.remove(READER)
    with pytest.raises(CardRemovedError):
        old.transmit(SELECT_SSSE)
    with pytest.raises(CardRemovedError):
        old.reset()
    backend.insert(READER, card)
    with pytest.raises(CardRemovedError):
        old.transmit(SELECT_SSSE)
    old.close()
    with backend.connect(READER) as new:
        assert new.transmit(SELECT_SSSE) == (FCI, 0x9000)


def test_each_session_starts_from_a_cold_card(
    backend: VirtualReaderBackend, card: SoftSocialSecurityCard
) -> None:
    backend.insert(READER, card)
    verify = bytes.fromhex("0020000003123456")
    query = bytes.fromhex("00200000")
    with backend.connect(READER) as first:
        assert first.transmit(verify) == (b"", 0x9000)
        with backend.connect(READER) as shared:
            assert shared.transmit(query) == (b"", 0x9000)  # same powered card
        assert first.reset() == ATR
        assert first.transmit(query) == (b"", 0x63C3)
        assert first.transmit(verify) == (b"", 0x9000)
    with backend.connect(READER) as second:
        assert second.transmit(query) == (b"", 0x63C3)


def test_fault_pulls_the_card_mid_read(
    backend: VirtualReaderBackend,
    card: SoftSocialSecurityCard,
    listen: Callable[[], ReaderEventQueue],
) -> None:
    backend.fault = lambda reader, apdu: apdu[1] == 0xB2 and apdu[2] == 0x02
    backend.insert(READER, card)
    listener = listen()
    assert listener.next() == ReaderAdded(READER)
    assert listener.next() == CardInserted(READER, 1, ATR)
    with backend.connect(READER) as connection:
        connection.transmit(SELECT_SSSE)
        assert connection.transmit(bytes.fromhex("00B2012C12"))[1] == 0x9000
        with pytest.raises(CardRemovedError):
            connection.transmit(bytes.fromhex("00B2022C03"))
        with pytest.raises(CardRemovedError):
            connection.transmit(bytes.fromhex("00B2032C06"))
    assert listener.next() == CardRemoved(READER, 1)
    with pytest.raises(NoCardError):
        backend.connect(READER)


def test_commands_are_logged_per_reader(
    backend: VirtualReaderBackend, card: SoftSocialSecurityCard
) -> None:
    backend.insert(READER, card)
    with backend.connect(READER) as connection:
        connection.transmit(SELECT_SSSE)
        connection.transmit(bytes.fromhex("00B2012C12"))
    assert backend.commands(READER) == [SELECT_SSSE, bytes.fromhex("00B2012C12")]


def test_events_start_with_the_present_state_then_follow_changes(
    backend: VirtualReaderBackend,
    card: SoftSocialSecurityCard,
    make_card: MakeCard,
    listen: Callable[[], ReaderEventQueue],
) -> None:
    backend.add_reader("Virtual Reader 1")
    backend.insert("Virtual Reader 1", card)
    listener = listen()
    assert listener.next() == ReaderAdded(READER)
    assert listener.next() == ReaderAdded("Virtual Reader 1")
    assert listener.next() == CardInserted("Virtual Reader 1", 1, ATR)

    other = make_card("T1", chip_serial=bytes.fromhex("0102A0B0"), region_code="320500")
    backend.insert(READER, other)
    assert listener.next() == CardInserted(
        READER, 1, bytes.fromhex("3B6D0000 00815353435059 3205 0102A0B0")
    )
    backend.remove("Virtual Reader 1")
    assert listener.next() == CardRemoved("Virtual Reader 1", 1)
    backend.insert("Virtual Reader 1", card)
    assert listener.next() == CardInserted("Virtual Reader 1", 2, ATR)
    backend.remove_reader("Virtual Reader 1")
    assert listener.next() == CardRemoved("Virtual Reader 1", 2)
    assert listener.next() == ReaderRemoved("Virtual Reader 1")
    assert backend.list_readers() == [READER]


def test_cancel_ends_the_event_stream(backend: VirtualReaderBackend) -> None:
    cancel = threading.Event()
    events = backend.events(cancel)
    assert next(events) == ReaderAdded(READER)
    cancel.set()
    assert list(events) == []

    already = threading.Event()
    already.set()
    assert list(backend.events(already)) == []


def test_a_listener_stops_while_waiting(
    backend: VirtualReaderBackend, listen: Callable[[], ReaderEventQueue]
) -> None:
    listener = listen()
    assert listener.next() == ReaderAdded(READER)
    listener.close()
    assert not listener.running
    assert listener.pending() == 0
