"""The real PC/SC path: pcscd (started if needed) and soft cards relayed over vpcd."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from readers.pcsc import PcscBackend, codes
from readers.pcsc.api import PyscardApi
from simulators.card.os import CardOS
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.vpcd import VpcdSlot

SETTLE_MS = 5000  # a safety net against hangs, not a timing assertion


@pytest.fixture
def slot(pcscd: int) -> Iterator[VpcdSlot]:
    """vpcd slot 0 ("Virtual PCD 00 00"), emptied after the test."""
    relay = VpcdSlot(0)
    yield relay
    relay.close()


@pytest.fixture
def backend(pcscd: int) -> PcscBackend:
    return PcscBackend()


def _resident_card(seed: int) -> SoftSocialSecurityCard:
    resident = generate_population(1, seed=seed, generations=("2.00",))[0]
    return SoftSocialSecurityCard.personalised(make_personalisation(resident))


@pytest.fixture
def make_card() -> Callable[[int], SoftSocialSecurityCard]:
    """``make_card(seed)``: a soft 2.00 T=0 card of synthetic resident ``seed``."""
    return _resident_card


def _current_state(reader: str) -> int:
    """pcscd's event state of ``reader`` now (a status change from "unaware" is at once)."""
    api = PyscardApi()
    code, context = api.establish_context()
    assert code == codes.SUCCESS, codes.code_name(code)
    try:
        code, states = api.get_status_change(context, 0, [(reader, codes.STATE_UNAWARE)])
        assert code == codes.SUCCESS, codes.code_name(code)
        return int(states[0].event_state & ~codes.STATE_CHANGED)
    finally:
        api.release_context(context)


def _wait_for_card(reader: str, *, present: bool, after: int | None = None) -> int:
    """Block until pcscd shows ``reader`` with (or without) a card, and with ``after``, a
    later event than the state ``after`` (a swapped card, not the one still shown); its
    event state."""
    api = PyscardApi()
    code, context = api.establish_context()
    assert code == codes.SUCCESS, codes.code_name(code)
    deadline = time.monotonic() + 30
    try:
        state = codes.STATE_UNAWARE
        while True:
            assert time.monotonic() < deadline, f"{reader}: no such card event within 30 s"
            code, states = api.get_status_change(context, SETTLE_MS, [(reader, state)])
            assert code == codes.SUCCESS, codes.code_name(code)
            state = states[0].event_state & ~codes.STATE_CHANGED
            later = after is None or codes.event_counter(state) > codes.event_counter(after)
            if bool(state & codes.STATE_PRESENT) == present and later:
                return state
    finally:
        api.release_context(context)


@pytest.fixture
def insert(slot: VpcdSlot) -> Callable[[CardOS], int]:
    """``insert(card)``: put a card in slot 0, wait until pcscd shows it; its event counter."""

    def put(card: CardOS) -> int:
        # The reader's state before: a removal just made may not be in pcscd's yet, and
        # the card it still shows must not be taken for the one inserted now.
        before = _current_state(slot.reader)
        slot.insert(card)
        return codes.event_counter(_wait_for_card(slot.reader, present=True, after=before))

    return put


@pytest.fixture
def wait_for_card() -> Callable[..., int]:
    """``wait_for_card(reader, present=True)``: pcscd's event state once it shows that."""
    return _wait_for_card
