"""What an issuer writes onto a card: the data that personalises one soft SSC card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Generation = Literal["1.00", "2.00", "3.00"]
GENERATIONS: tuple[Generation, ...] = ("1.00", "2.00", "3.00")
DEFAULT_PIN = "123456"


@dataclass(frozen=True)
class CardPersonalisation:
    """Everything in EF05, EF06 and EF08 of one card, plus its chip facts.

    Text fields are kept as the profile's field values (digits as str, dates YYYYMMDD);
    the card OS encodes them into records.
    """

    generation: Generation
    chip_serial: bytes  # 4 bytes, also in the ATR and the card identification code
    region_code: str  # 6 digits, GB/T 2260: the issuing region
    card_identification_code: bytes  # 16 bytes (profile §4)
    card_number: str  # 9 characters with check character
    issue_date: str  # YYYYMMDD
    expiry_date: str  # YYYYMMDD
    social_security_number: str  # 18 characters
    name: str  # up to 30 GBK bytes, or 50 on 2.00/3.00 cards (tag 09 + extension 4E)
    sex: str  # "1" male, "2" female, "9" unspecified
    ethnic_group: str  # 2 digits, GB 3304
    birthplace: str  # 6 digits, GB/T 2260
    birth_date: str  # YYYYMMDD
    photo: bytes = b""  # JPEG, at most 16 KiB
    card_type: str = "3"
    initialising_organisation: str = ""  # 12 ASCII chars; default region code + "000001"
    pin: str = DEFAULT_PIN
    name_padding: int = 0x00  # 0x00, or 0xFF as one issuer pads the name extension
