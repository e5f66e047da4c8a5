"""``SocialSecurityCardSession`` reading soft cards through the serial backend and simulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from readers.card.errors import PinBlocked, WrongPin
from readers.card.models import CardAlgorithm
from readers.card.session import SocialSecurityCardSession
from readers.connection import CardRemovedError, Protocol_
from readers.serial.messages import Command
from simulators.card.personalisation import GENERATIONS, Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.serial.engine import Fault

if TYPE_CHECKING:
    from tests.readers.serial.conftest import MakeCard, Rig

SEED = 3


@pytest.mark.parametrize("protocol", ["T0", "T1"])
@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_generation_reads_back_whole(
    rig: Rig, make_card: MakeCard, generation: Generation, protocol: Protocol_
) -> None:
    p = make_personalisation(generate_population(1, seed=SEED, generations=(generation,))[0])
    rig.reader.insert(SoftSocialSecurityCard.personalised(p, protocol=protocol))
    with rig.open().connect(rig.url) as connection:
        session = SocialSecurityCardSession(connection)
        info = session.read_card_info()
        holder = session.read_holder()
        photo = session.read_photo()
    expected = CardAlgorithm.SM4 if generation == "3.00" else CardAlgorithm.TRIPLE_DES
    assert session.application.algorithm is expected
    assert info.generation == generation
    assert info.card_identification_code == p.card_identification_code
    assert info.card_number == p.card_number
    assert holder.social_security_number == p.social_security_number
    assert holder.name == p.name
    assert photo == p.photo


def test_wrong_pin_counts_down_across_sessions(rig: Rig, make_card: MakeCard) -> None:
    rig.reader.insert(make_card("3.00", "T0", SEED))
    backend = rig.open()

    def verify(pin: str) -> None:
        with backend.connect(rig.url) as connection:
            SocialSecurityCardSession(connection).verify_pin(pin)

    with pytest.raises(WrongPin) as first:
        verify("000000")
    assert first.value.tries_left == 2
    with pytest.raises(WrongPin) as second:
        verify("000000")
    assert second.value.tries_left == 1
    with pytest.raises(PinBlocked):
        verify("000000")
    with pytest.raises(PinBlocked):
        verify("123456")


def test_card_removed_mid_read_gives_the_typed_error_and_the_next_insertion_reads(
    rig: Rig, make_card: MakeCard
) -> None:
    card = make_card("3.00", "T1", SEED)
    rig.reader.insert(card)
    backend = rig.open()
    apdus = iter(range(1, 100))
    # Pull the card at the third APDU: SELECT and one record went through.
    rig.reader.fault = lambda code, data: (
        Fault.PULL if code == Command.APDU and next(apdus) == 3 else None
    )
    with backend.connect(rig.url) as connection:
        session = SocialSecurityCardSession(connection)
        with pytest.raises(CardRemovedError):
            session.read_card_info()
    rig.reader.fault = None
    rig.reader.insert(card)
    with backend.connect(rig.url) as connection:
        info = SocialSecurityCardSession(connection).read_card_info()
    assert info.generation == "3.00"
