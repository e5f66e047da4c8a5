"""Faults at a real window, through the real pcscd: restarts, pulled cards, swapped cards."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import pytest

from readers.card.session import SocialSecurityCardSession
from readers.connection import (
    CardInserted,
    CardRemovedError,
    ReaderEvent,
    ServiceDown,
    ServiceUp,
)
from readers.pcsc import PcscBackend
from simulators.card.os import CardOS
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.pcscd import ensure_pcscd, stop_pcscd
from simulators.vpcd import VpcdSlot

WAIT = 10.0  # seconds: a safety net against hangs, not a timing assertion
MakeCard = Callable[[int], SoftSocialSecurityCard]


class ReaderLoop:
    """An application's reader loop: consumes events on its own thread, never crashes."""

    def __init__(self, backend: PcscBackend) -> None:
        self.cancel = threading.Event()
        self.events: queue.Queue[ReaderEvent] = queue.Queue()
        self.crashed: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(backend,), daemon=True)
        self._thread.start()

    def _run(self, backend: PcscBackend) -> None:
        try:
            for event in backend.events(self.cancel):
                self.events.put(event)
        except BaseException as exc:
            self.crashed.append(exc)

    def wait_for(self, wanted: Callable[[ReaderEvent], bool]) -> list[ReaderEvent]:
        """Events up to and including the first that is ``wanted``."""
        seen = []
        while True:
            event = self.events.get(timeout=WAIT)
            seen.append(event)
            if wanted(event):
                return seen

    def stop(self) -> None:
        self.cancel.set()
        self._thread.join(WAIT)
        assert not self._thread.is_alive()


def test_a_pcscd_restart_is_service_down_then_up_and_reading_works_again(
    backend: PcscBackend, slot: VpcdSlot, insert: Callable[[CardOS], int], make_card: MakeCard
) -> None:
    card = make_card(21)
    insert(card)
    loop = ReaderLoop(backend)
    try:
        loop.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == slot.reader)
        stop_pcscd()
        ensure_pcscd()
        during = loop.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == slot.reader)
        assert loop.crashed == []
    finally:
        loop.stop()
    kinds = [type(event) for event in during]
    assert kinds.count(ServiceDown) == 1
    assert kinds.count(ServiceUp) == 1
    assert kinds.index(ServiceDown) < kinds.index(ServiceUp)
    with backend.connect(slot.reader) as connection:
        assert SocialSecurityCardSession(connection).read_card_info().card_number


def test_a_card_removed_between_two_apdus_is_card_removed(
    backend: PcscBackend, slot: VpcdSlot, insert: Callable[[CardOS], int], make_card: MakeCard
) -> None:
    insert(make_card(22))
    with backend.connect(slot.reader) as connection:
        session = SocialSecurityCardSession(connection)
        slot.remove()
        with pytest.raises(CardRemovedError) as raised:
            session.read_card_info()
        assert raised.value.pcsc_code == "SCARD_W_REMOVED_CARD"
        assert not connection.still_present()


def test_two_cards_with_the_same_atr_swapped_between_reads_are_told_apart(
    backend: PcscBackend, slot: VpcdSlot, insert: Callable[[CardOS], int], make_card: MakeCard
) -> None:
    first, second = make_card(23), make_card(24)
    second.memory.chip_serial = first.memory.chip_serial
    second.memory.city_code = first.memory.city_code
    assert first.atr == second.atr
    insert(first)
    with backend.connect(slot.reader) as connection:
        number = SocialSecurityCardSession(connection).read_card_info().card_number
        assert connection.still_present()
        slot.remove()
        counter = insert(second)
        assert counter != connection.event_counter
        assert not connection.still_present()
    with backend.connect(slot.reader) as connection:
        assert connection.event_counter == counter
        assert SocialSecurityCardSession(connection).read_card_info().card_number != number
