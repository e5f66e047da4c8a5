"""What a session reads off a card, as small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from readers.card.ethnic_groups import ethnic_group_name


class CardAlgorithm(Enum):
    """The card's algorithm flag, FCI tag 9F0C of SELECT SSSE (profile §1)."""

    TRIPLE_DES = 0x01
    SSF33 = 0x02
    SM4 = 0x03


class Sex(Enum):
    """GB/T 2261.1 sex codes as stored on the card."""

    MALE = "1"
    FEMALE = "2"
    UNSPECIFIED = "9"

    @property
    def label(self) -> str:
        return {"1": "男", "2": "女", "9": "未说明"}[self.value]


@dataclass(frozen=True)
class ApplicationInfo:
    """The answer to SELECT SSSE."""

    algorithm: CardAlgorithm
    fci: bytes = field(repr=False)


@dataclass(frozen=True)
class CardInfo:
    """EF05: the card and its issuer. ``card_number`` is None when the card withholds it."""

    card_identification_code: bytes
    card_type: str
    generation: str
    initialising_organisation: str
    issue_date: date
    expiry_date: date
    card_number: str | None

    @property
    def region_code(self) -> str:
        """The issuing region: the first three BCD bytes of the identification code."""
        return self.card_identification_code[:3].hex().upper()

    def expired(self, today: date) -> bool:
        return today > self.expiry_date


@dataclass(frozen=True)
class CardHolder:
    """EF06: the resident the card belongs to. Personal data: never log it in clear."""

    social_security_number: str = field(repr=False)
    name: str = field(repr=False)
    sex: Sex
    ethnic_group: str
    birthplace: str
    birth_date: date = field(repr=False)

    @property
    def ethnic_group_name(self) -> str | None:
        return ethnic_group_name(self.ethnic_group)


@dataclass(frozen=True)
class PinState:
    """What the card says of its PIN; ``tries_left`` is None when the card does not say."""

    verified: bool
    tries_left: int | None
    blocked: bool
