"""``SerialReaderBackend`` against the simulated reader, over a pty and over ``sim://``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
    ReaderTimeoutError,
    ReaderUnavailableError,
    SharingViolationError,
)
from readers.event_queue import ReaderEventQueue
from readers.serial.backend import SerialReaderBackend
from readers.serial.messages import Command
from simulators.serial.engine import VERSION, Fault

if TYPE_CHECKING:
    from tests.readers.serial.conftest import MakeCard, Rig

    Listen = Callable[[ReaderBackend], ReaderEventQueue]

ATR = bytes.fromhex("3B6D0000 00815353435059 3201 1A2B3C4D")
SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
FCI_SM4 = bytes.fromhex("6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860103")
READ_CARD_NUMBER = bytes.fromhex("00B2072C0B")
VERIFY = bytes.fromhex("0020000003123456")
PIN_STATE = bytes.fromhex("00200000")
MUTE_TIMEOUT = 0.2


def apdus(rig: Rig) -> list[bytes]:
    return [data for code, data in rig.simulator.commands if code == Command.APDU]


def fault_on(command: Command, fault: Fault) -> Callable[[int, bytes], Fault | None]:
    """``fault`` for the first ``command`` only."""
    armed = [True]

    def plan(code: int, data: bytes) -> Fault | None:
        if code == command and armed[0]:
            armed[0] = False
            return fault
        return None

    return plan


def test_it_is_a_reader_backend_named_after_its_port(rig: Rig) -> None:
    backend: ReaderBackend = rig.open()
    assert backend.list_readers() == [rig.url]
    assert rig.backends[0].version() == VERSION
    rig.backends[0].beep(0.25)
    assert rig.simulator.beeps == [25]
    with pytest.raises(ValueError, match="beep"):
        rig.backends[0].beep(3.0)


def test_connect_powers_the_card_and_transmits(rig: Rig, make_card: MakeCard) -> None:
    rig.reader.insert(make_card("3.00", "T1"))
    backend = rig.open()
    connection: CardConnection = backend.connect(rig.url)
    with connection:
        assert connection.reader == rig.url
        assert connection.protocol == "T1"
        assert connection.atr[:11] == ATR[:11]
        assert connection.transmit(SELECT_SSSE) == (FCI_SM4, 0x9000)
        data, sw = connection.transmit(READ_CARD_NUMBER)
        assert (data[:2], sw) == (bytes.fromhex("0709"), 0x9000)
    with pytest.raises(ReaderError, match="closed"):
        connection.transmit(SELECT_SSSE)


def test_a_t0_card_answers_61xx_raw(rig: Rig, make_card: MakeCard) -> None:
    rig.reader.insert(make_card("3.00", "T0"))
    with rig.open().connect(rig.url) as connection:
        assert connection.protocol == "T0"
        assert connection.transmit(SELECT_SSSE) == (b"", 0x611B)
        assert connection.transmit(bytes.fromhex("00C000001B")) == (FCI_SM4, 0x9000)


def test_connect_errors(rig: Rig, make_card: MakeCard) -> None:
    backend = rig.open()
    with pytest.raises(NoCardError):
        backend.connect(rig.url)
    with pytest.raises(ReaderUnavailableError):
        backend.connect("COM9")
    rig.reader.insert(make_card())
    with backend.connect(rig.url, exclusive=True), pytest.raises(SharingViolationError):
        backend.connect(rig.url)
    with backend.connect(rig.url), pytest.raises(SharingViolationError):
        backend.connect(rig.url, exclusive=True)


def test_the_port_is_opened_exclusively(rig: Rig) -> None:
    rig.open()
    with pytest.raises(SharingViolationError):
        SerialReaderBackend(rig.url)


def test_each_session_starts_from_a_cold_card_and_reset_loses_the_pin(
    rig: Rig, make_card: MakeCard
) -> None:
    rig.reader.insert(make_card())
    backend = rig.open()
    with backend.connect(rig.url) as first:
        assert first.transmit(VERIFY) == (b"", 0x9000)
        with backend.connect(rig.url) as shared:
            assert shared.transmit(PIN_STATE) == (b"", 0x9000)  # the same powered card
        assert first.reset()[:11] == ATR[:11]
        assert first.transmit(PIN_STATE) == (b"", 0x63C3)
        assert first.transmit(VERIFY) == (b"", 0x9000)
    with backend.connect(rig.url) as second:
        assert second.transmit(PIN_STATE) == (b"", 0x63C3)
    assert [code for code, _ in rig.simulator.commands].count(Command.POWER_OFF) == 2


def test_events_start_with_the_present_state_then_count_insertions(
    rig: Rig, make_card: MakeCard, listen: Listen
) -> None:
    card = make_card()
    rig.reader.insert(card)
    backend = rig.open()
    listener = listen(backend)
    assert listener.next() == ReaderAdded(rig.url)
    first = listener.next()
    assert isinstance(first, CardInserted)
    assert (first.reader, first.event_counter) == (rig.url, 1)
    rig.reader.remove()
    assert listener.next() == CardRemoved(rig.url, 1)
    rig.reader.insert(card)
    assert listener.next() == CardInserted(rig.url, 2, first.atr)
    other = make_card("2.00", seed=7)
    rig.reader.remove()
    rig.reader.insert(other)
    assert listener.next() == CardRemoved(rig.url, 2)
    assert listener.next() == CardInserted(rig.url, 3, other.atr)


def test_cards_are_seen_by_polling_when_the_reader_sends_no_notices(
    rig: Rig, make_card: MakeCard, listen: Listen
) -> None:
    rig.simulator.notices = False
    backend = rig.open(poll_interval=0.02)
    listener = listen(backend)
    assert listener.next() == ReaderAdded(rig.url)
    card = make_card()
    rig.reader.insert(card)
    assert listener.next() == CardInserted(rig.url, 1, card.atr)
    rig.reader.remove()
    assert listener.next() == CardRemoved(rig.url, 1)


@pytest.mark.parametrize(
    "fault", [Fault.NAK, Fault.BAD_CHECK, Fault.TRUNCATED, Fault.NOTICE, Fault.NOISE]
)
def test_line_faults_are_recovered_and_the_card_runs_the_command_once(
    rig: Rig, make_card: MakeCard, listen: Listen, fault: Fault
) -> None:
    rig.reader.insert(make_card("3.00", "T1"))
    backend = rig.open()
    listener = listen(backend)
    assert listener.next() == ReaderAdded(rig.url)
    assert isinstance(listener.next(), CardInserted)
    with backend.connect(rig.url) as connection:
        rig.reader.fault = fault_on(Command.APDU, fault)
        assert connection.transmit(SELECT_SSSE) == (FCI_SM4, 0x9000)
        assert connection.transmit(READ_CARD_NUMBER)[1] == 0x9000
    expected = [SELECT_SSSE, SELECT_SSSE] if fault is Fault.NAK else [SELECT_SSSE]
    assert apdus(rig) == [*expected, READ_CARD_NUMBER]
    assert listener.pending() == 0  # an unsolicited notice of the same card is no event


def test_a_mute_reader_times_out_and_the_link_recovers(rig: Rig, make_card: MakeCard) -> None:
    rig.reader.insert(make_card("3.00", "T1"))
    backend = rig.open(timeout=MUTE_TIMEOUT)
    with backend.connect(rig.url) as connection:
        rig.reader.fault = fault_on(Command.APDU, Fault.MUTE)
        with pytest.raises(ReaderTimeoutError):
            connection.transmit(SELECT_SSSE)
        rig.simulator.mute = False
        assert connection.transmit(SELECT_SSSE) == (FCI_SM4, 0x9000)


def test_opening_a_mute_reader_times_out(rig: Rig) -> None:
    rig.simulator.mute = True
    with pytest.raises(ReaderTimeoutError):
        rig.open(timeout=MUTE_TIMEOUT)


def test_a_mute_card_times_out(rig: Rig, make_card: MakeCard) -> None:
    rig.reader.insert(make_card())
    backend = rig.open()
    rig.reader.fault = fault_on(Command.POWER_ON, Fault.MUTE_CARD)
    with pytest.raises(ReaderTimeoutError, match="does not answer"):
        backend.connect(rig.url)
    with backend.connect(rig.url) as connection:
        rig.reader.fault = fault_on(Command.APDU, Fault.MUTE_CARD)
        with pytest.raises(ReaderTimeoutError):
            connection.transmit(SELECT_SSSE)


def test_a_card_pulled_mid_command_fails_that_connection_for_good(
    rig: Rig, make_card: MakeCard, listen: Listen
) -> None:
    card = make_card("3.00", "T1")
    rig.reader.insert(card)
    backend = rig.open()
    listener = listen(backend)
    assert listener.next() == ReaderAdded(rig.url)
    assert isinstance(listener.next(), CardInserted)
    old = backend.connect(rig.url)
    old.transmit(SELECT_SSSE)
    rig.reader.fault = fault_on(Command.APDU, Fault.PULL)
    with pytest.raises(CardRemovedError):
        old.transmit(READ_CARD_NUMBER)
    assert listener.next() == CardRemoved(rig.url, 1)
    with pytest.raises(CardRemovedError):
        old.transmit(SELECT_SSSE)
    with pytest.raises(NoCardError):
        backend.connect(rig.url)
    rig.reader.insert(card)
    assert listener.next() == CardInserted(rig.url, 2, card.atr)
    with pytest.raises(CardRemovedError):
        old.reset()
    old.close()
    with backend.connect(rig.url) as new:
        assert new.transmit(SELECT_SSSE) == (FCI_SM4, 0x9000)


def test_a_card_swapped_unseen_between_commands_is_a_removal(rig: Rig, make_card: MakeCard) -> None:
    rig.simulator.notices = False  # the backend only learns it from the reader's answers
    card = make_card()
    rig.reader.insert(card)
    backend = rig.open()
    with backend.connect(rig.url) as connection:
        rig.reader.remove()
        rig.reader.insert(card)
        with pytest.raises(CardRemovedError):
            connection.transmit(SELECT_SSSE)
        rig.reader.remove()
        with pytest.raises(CardRemovedError):
            connection.transmit(SELECT_SSSE)


def test_an_unplugged_reader_is_unavailable(rig: Rig, make_card: MakeCard, listen: Listen) -> None:
    rig.reader.insert(make_card())
    backend = rig.open()
    listener = listen(backend)
    assert listener.next() == ReaderAdded(rig.url)
    assert isinstance(listener.next(), CardInserted)
    connection = backend.connect(rig.url)
    rig.unplug()
    assert listener.next() == CardRemoved(rig.url, 1)
    assert listener.next() == ReaderRemoved(rig.url)
    with pytest.raises(ReaderUnavailableError):
        connection.transmit(SELECT_SSSE)
    with pytest.raises(ReaderUnavailableError):
        backend.connect(rig.url)
    assert backend.list_readers() == []
    connection.close()


def test_opening_a_port_that_is_not_there_is_unavailable() -> None:
    with pytest.raises(ReaderUnavailableError):
        SerialReaderBackend("/dev/ttyNOSUCHREADER")
