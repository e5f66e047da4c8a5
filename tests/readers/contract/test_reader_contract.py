"""One behaviour, every backend: reading, PINs, pulled cards, resets and card events."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from readers.card.errors import SocialSecurityCardError, WrongPin
from readers.card.session import SocialSecurityCardSession
from readers.connection import (
    CardInserted,
    CardRemoved,
    CardRemovedError,
    CardResetError,
    NoCardError,
    Protocol_,
    ReaderBackend,
    SharingViolationError,
)
from simulators.card.personalisation import CardPersonalisation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation

READ_RECORD = 0xB2


def resident_card(
    seed: int, protocol: Protocol_ = "T0"
) -> tuple[SoftSocialSecurityCard, CardPersonalisation]:
    resident = generate_population(1, seed=seed, generations=("2.00",))[0]
    personalisation = make_personalisation(resident)
    return SoftSocialSecurityCard.personalised(personalisation, protocol=protocol), personalisation


@pytest.mark.parametrize("protocol", ["T0", "T1"])
def test_a_card_reads_with_the_session(backend_harness, protocol: Protocol_) -> None:
    card, expected = resident_card(11, protocol)
    backend_harness.insert(card)
    with backend_harness.backend.connect(backend_harness.reader) as connection:
        assert connection.atr == card.atr
        session = SocialSecurityCardSession(connection)
        info = session.read_card_info()
        holder = session.read_holder()
        photo = session.read_photo()
    assert info.card_number == expected.card_number
    assert info.card_identification_code == expected.card_identification_code
    assert holder.social_security_number == expected.social_security_number
    assert holder.name == expected.name
    assert photo == expected.photo


def test_wrong_pin_counts_down_and_the_right_pin_still_works(backend_harness) -> None:
    card, expected = resident_card(12)
    backend_harness.insert(card)
    wrong = "000000" if expected.pin != "000000" else "111111"
    with backend_harness.backend.connect(backend_harness.reader) as connection:
        session = SocialSecurityCardSession(connection)
        tries = []
        for _ in range(2):
            with pytest.raises(WrongPin) as raised:
                session.verify_pin(wrong)
            tries.append(raised.value.tries_left)
        session.verify_pin(expected.pin)
    assert tries == [2, 1]


def test_a_card_pulled_mid_read_is_card_removed_and_the_next_card_reads(
    backend_harness,
) -> None:
    first, _ = resident_card(13)
    second, expected = resident_card(14)
    backend_harness.insert(first)
    backend_harness.pull_on(lambda apdu: apdu[1] == READ_RECORD)
    with backend_harness.backend.connect(backend_harness.reader) as connection:
        session = SocialSecurityCardSession(connection)
        with pytest.raises(CardRemovedError):
            session.read_card_info()
    backend_harness.insert(second)
    with backend_harness.backend.connect(backend_harness.reader) as connection:
        assert SocialSecurityCardSession(connection).read_card_info().card_number == (
            expected.card_number
        )


def test_a_reset_by_another_program_clears_the_session_and_a_new_one_works(
    backend_harness,
) -> None:
    card, expected = resident_card(15)
    backend_harness.insert(card)
    backend = backend_harness.backend
    with backend.connect(backend_harness.reader) as mine:
        session = SocialSecurityCardSession(mine)
        session.verify_pin(expected.pin)
        with backend.connect(backend_harness.reader) as theirs:
            theirs.reset()
        # The old session learns of the reset, or finds its selection gone.
        with contextlib.suppress(CardResetError, SocialSecurityCardError):
            session.read_card_info()
        fresh = SocialSecurityCardSession(mine)
        assert fresh.read_card_info().card_number == expected.card_number
        assert not fresh.pin_state().verified


def test_insertions_and_removals_are_events_with_increasing_counters(
    backend_harness, listen: Callable[[ReaderBackend], object]
) -> None:
    reader = backend_harness.reader
    listener = listen(backend_harness.backend)
    first, _ = resident_card(16)
    second, _ = resident_card(17)
    backend_harness.insert(first)
    inserted = listener.next_card_event(reader)
    backend_harness.remove()
    removed = listener.next_card_event(reader)
    backend_harness.insert(second)
    again = listener.next_card_event(reader)
    assert isinstance(inserted, CardInserted)
    assert inserted.atr == first.atr
    assert removed == CardRemoved(reader, inserted.event_counter)
    assert isinstance(again, CardInserted)
    assert again.atr == second.atr
    assert again.event_counter > inserted.event_counter


def test_an_empty_reader_is_no_card(backend_harness) -> None:
    with pytest.raises(NoCardError):
        backend_harness.backend.connect(backend_harness.reader)


def test_an_exclusive_connection_keeps_others_out(backend_harness) -> None:
    card, _ = resident_card(18)
    backend_harness.insert(card)
    backend = backend_harness.backend
    with (
        backend.connect(backend_harness.reader, exclusive=True),
        pytest.raises(SharingViolationError),
    ):
        backend.connect(backend_harness.reader)
    with backend.connect(backend_harness.reader) as connection:
        SocialSecurityCardSession(connection)
