"""``ReaderEventQueue``: a backend's events on a thread, taken with deadlines."""

from __future__ import annotations

import pytest

from readers.connection import CardInserted, CardRemoved, ReaderAdded, ReaderTimeoutError
from readers.event_queue import ReaderEventQueue
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.virtual_reader import VirtualReaderBackend


def soft_card() -> SoftSocialSecurityCard:
    resident = generate_population(1, seed=3, generations=("2.00",))[0]
    return SoftSocialSecurityCard.personalised(make_personalisation(resident))


def test_events_arrive_in_order_and_card_events_can_be_picked_out() -> None:
    backend = VirtualReaderBackend(("A", "B"))
    with ReaderEventQueue(backend, timeout=2) as events:
        assert {events.next(), events.next()} == {ReaderAdded("A"), ReaderAdded("B")}
        backend.insert("A", soft_card())
        backend.insert("B", soft_card())
        backend.remove("B")
        inserted = events.next_card_event("B")
        assert isinstance(inserted, CardInserted)
        assert events.next_card_event("B") == CardRemoved("B", inserted.event_counter)
    assert not events.running


def test_no_event_in_time_is_a_reader_timeout() -> None:
    with ReaderEventQueue(VirtualReaderBackend(), timeout=2) as events:
        events.next()  # the reader itself
        with pytest.raises(ReaderTimeoutError, match=r"no reader event within 0\.05 s"):
            events.next(timeout=0.05)
        assert events.pending() == 0
