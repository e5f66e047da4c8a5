"""The host session reading soft cards through the in-process virtual reader.

These tests join the two sides; each side is also pinned to the profile's bytes on its
own (test_session.py here, tests/simulators/test_ssc_card.py there).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from readers.card.errors import PinBlocked, SecurityStatusNotSatisfied, WrongPin
from readers.card.models import CardAlgorithm, PinState
from readers.card.session import SocialSecurityCardSession
from readers.connection import CardRemovedError, Protocol_
from simulators.card.personalisation import GENERATIONS, CardPersonalisation, Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import load_card, save_card
from simulators.population import generate_population, make_personalisation
from simulators.virtual_reader import DEFAULT_READER, VirtualReaderBackend, backend_for_card_file

LONG_NAME = "阿卜杜热合曼·买买提明·艾则孜托合提"  # 36 GBK bytes: needs the extension


def personalisation(generation: Generation, seed: int = 1) -> CardPersonalisation:
    resident = generate_population(1, seed=seed, generations=(generation,))[0]
    return make_personalisation(resident)


def backend_with(card: SoftSocialSecurityCard) -> VirtualReaderBackend:
    backend = VirtualReaderBackend()
    backend.insert(DEFAULT_READER, card)
    return backend


@pytest.mark.parametrize("protocol", ["T0", "T1"])
@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_generation_reads_back_what_was_personalised(
    generation: Generation, protocol: Protocol_
) -> None:
    p = personalisation(generation)
    backend = backend_with(SoftSocialSecurityCard.personalised(p, protocol=protocol))
    with backend.connect(DEFAULT_READER) as connection:
        session = SocialSecurityCardSession(connection)
        info = session.read_card_info()
        holder = session.read_holder()
        photo = session.read_photo()
    expected_algorithm = CardAlgorithm.SM4 if generation == "3.00" else CardAlgorithm.TRIPLE_DES
    assert session.application.algorithm is expected_algorithm
    assert info.generation == generation
    assert info.card_identification_code == p.card_identification_code
    assert info.card_number == p.card_number
    assert info.issue_date.strftime("%Y%m%d") == p.issue_date
    assert info.expiry_date.strftime("%Y%m%d") == p.expiry_date
    assert info.region_code == p.region_code
    assert holder.social_security_number == p.social_security_number
    assert holder.name == p.name
    assert holder.sex.value == p.sex
    assert holder.ethnic_group == p.ethnic_group
    assert holder.birthplace == p.birthplace
    assert holder.birth_date.strftime("%Y%m%d") == p.birth_date
    assert photo == p.photo


@pytest.mark.parametrize("padding", [0x00, 0xFF])
@pytest.mark.parametrize("generation", ["2.00", "3.00"])
def test_long_names_come_back_whole(generation: Generation, padding: int) -> None:
    p = dataclasses.replace(personalisation(generation), name=LONG_NAME, name_padding=padding)
    backend = backend_with(SoftSocialSecurityCard.personalised(p))
    with backend.connect(DEFAULT_READER) as connection:
        assert SocialSecurityCardSession(connection).read_holder().name == LONG_NAME


def test_wrong_pin_counts_down_and_is_remembered_in_the_card_file(tmp_path: Path) -> None:
    card_file = tmp_path / "card.json"
    save_card(SoftSocialSecurityCard.personalised(personalisation("3.00")), card_file)

    def verify(pin: str) -> None:
        with backend_for_card_file(card_file).connect(DEFAULT_READER) as connection:
            SocialSecurityCardSession(connection).verify_pin(pin)

    with pytest.raises(WrongPin) as first:
        verify("000000")
    assert first.value.tries_left == 2
    with pytest.raises(WrongPin) as second:
        verify("000000")  # a new reader and a new session: the count came from the file
    assert second.value.tries_left == 1
    with pytest.raises(PinBlocked):
        verify("000000")
    with pytest.raises(PinBlocked):
        verify("123456")  # blocked: even the right PIN is refused now
    assert load_card(card_file).memory.pin_tries_left == 0


def test_right_pin_restores_the_tries(tmp_path: Path) -> None:
    card = SoftSocialSecurityCard.personalised(personalisation("2.00"))
    backend = backend_with(card)
    with backend.connect(DEFAULT_READER) as connection:
        session = SocialSecurityCardSession(connection)
        with pytest.raises(WrongPin):
            session.verify_pin("999999")
        session.verify_pin("123456")
        session.change_pin("123456", "2468")
        with pytest.raises(WrongPin) as caught:
            session.verify_pin("123456")
        assert caught.value.tries_left == 2
        session.verify_pin("2468")


def test_card_pulled_mid_read_gives_the_typed_error_and_the_next_card_reads() -> None:
    p = personalisation("3.00")
    pull_on_second_record = iter([False, False, True])
    backend = VirtualReaderBackend(fault=lambda reader, apdu: next(pull_on_second_record, False))
    backend.insert(DEFAULT_READER, SoftSocialSecurityCard.personalised(p))
    with backend.connect(DEFAULT_READER) as connection:
        session = SocialSecurityCardSession(connection)
        with pytest.raises(CardRemovedError):
            session.read_card_info()
    backend.insert(DEFAULT_READER, SoftSocialSecurityCard.personalised(p))
    with backend.connect(DEFAULT_READER) as connection:
        assert SocialSecurityCardSession(connection).read_card_info().card_number == p.card_number


def test_reset_loses_the_verified_pin() -> None:
    backend = backend_with(SoftSocialSecurityCard.personalised(personalisation("2.00")))
    with backend.connect(DEFAULT_READER) as connection:
        session = SocialSecurityCardSession(connection)
        assert session.pin_state() == PinState(verified=False, tries_left=3, blocked=False)
        session.verify_pin("123456")
        assert session.pin_state().verified
        connection.reset()
        session = SocialSecurityCardSession(connection)
        assert session.pin_state() == PinState(verified=False, tries_left=3, blocked=False)


def test_holder_fields_the_card_withholds_raise_the_typed_error() -> None:
    # A card that answers 6982 for EF06, as a 3.00 card does before read authentication.
    class Withholding(SoftSocialSecurityCard):
        def execute(self, apdu: bytes) -> bytes:
            if apdu[1] == 0xB2 and apdu[3] == 0x30:
                return bytes.fromhex("6982")
            return super().execute(apdu)

    card = Withholding.personalised(personalisation("3.00"))
    with (
        backend_with(card).connect(DEFAULT_READER) as connection,
        pytest.raises(SecurityStatusNotSatisfied),
    ):
        SocialSecurityCardSession(connection).read_holder()
