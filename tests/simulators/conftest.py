"""Synthetic card data for the simulator tests (check characters are valid, people are not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from readers.connection import Protocol_
from simulators.card.personalisation import CardPersonalisation
from simulators.card.ssc import SoftSocialSecurityCard

# A tiny "JPEG": SOI, APP0 marker start, EOI. Only the bytes matter to the card.
PHOTO = bytes.fromhex("FFD8FFE000104A46494600FFD9")

MakePersonalisation = Callable[..., CardPersonalisation]


@pytest.fixture
def make_personalisation() -> MakePersonalisation:
    """Build a Nanjing 2.00 card's data; keyword arguments override fields."""

    def make(**overrides: Any) -> CardPersonalisation:
        fields: dict[str, Any] = {
            "generation": "2.00",
            "chip_serial": bytes.fromhex("1A2B3C4D"),
            "region_code": "320100",
            # region 320100 + RID + serial + first 4 bytes of SM3(region ‖ RID ‖ serial)
            "card_identification_code": bytes.fromhex("320100D1560000051A2B3C4DF591858C"),
            "card_number": "A00000011",
            "issue_date": "20240115",
            "expiry_date": "20340115",
            "social_security_number": "320102199001011232",
            "name": "张三丰",
            "sex": "1",
            "ethnic_group": "01",
            "birthplace": "320102",
            "birth_date": "19900101",
            "photo": PHOTO,
        }
        fields.update(overrides)
        return CardPersonalisation(**fields)

    return make


@pytest.fixture
def make_card(
    make_personalisation: MakePersonalisation,
) -> Callable[..., SoftSocialSecurityCard]:
    """A powered card: ``make_card(protocol="T1", generation="3.00", name=...)``."""

    def make(protocol: Protocol_ = "T0", **overrides: Any) -> SoftSocialSecurityCard:
        card = SoftSocialSecurityCard.personalised(
            make_personalisation(**overrides), protocol=protocol
        )
        card.power_on()
        return card

    return make
