"""Key diversification and the three-level key hierarchy of profile §5.

issuer master key → city key (factor: 6 region digits as ASCII + ``sx``) → card key
(factor: last 8 bytes of the card identification code) → session key (factor: the 8-byte
process factor of one authentication).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keys.algorithms import Algorithm, ecb_encrypt, with_odd_parity

FACTOR_LENGTH = 8
CARD_IDENTIFICATION_CODE_LENGTH = 16
_REGION_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class CardKeyPath:
    """Where a card key sits under a master key: the card's region and identification code."""

    region_code: str
    card_identification_code: bytes

    def __post_init__(self) -> None:
        city_factor(self.region_code)
        card_factor(self.card_identification_code)

    def __repr__(self) -> str:
        return f"CardKeyPath({self.region_code!r}, {self.card_identification_code.hex().upper()})"


def city_factor(region_code: str) -> bytes:
    """The city-level factor: the 6-digit region code in ASCII followed by ``sx``."""
    if not _REGION_CODE.fullmatch(region_code):
        raise ValueError("a region code is 6 digits")
    return region_code.encode("ascii") + b"sx"


def card_factor(card_identification_code: bytes) -> bytes:
    """The card-level factor: the last 8 bytes of the 16-byte card identification code."""
    if len(card_identification_code) != CARD_IDENTIFICATION_CODE_LENGTH:
        raise ValueError("a card identification code is 16 bytes")
    return card_identification_code[-FACTOR_LENGTH:]


def diversification_data(factor: bytes) -> bytes:
    """``D ‖ ~D`` for an 8-byte factor D: the 16 bytes every diversification encrypts."""
    if len(factor) != FACTOR_LENGTH:
        raise ValueError("a diversification factor is 8 bytes")
    return factor + bytes(b ^ 0xFF for b in factor)


def diversify(algorithm: Algorithm, key: bytes, factor: bytes) -> bytes:
    """Diversify ``key`` with an 8-byte factor D.

    SM4 (and AES-128): ``E_K(D ‖ ~D)``, one 16-byte block. 3DES: ``E_K(D) ‖ E_K(~D)`` (the
    same bytes encrypted as two 8-byte blocks), then odd DES parity on every byte.
    """
    if not algorithm.card_algorithm:
        raise ValueError(f"{algorithm} keys are not diversified")
    derived = ecb_encrypt(algorithm, key, diversification_data(factor))
    return with_odd_parity(derived) if algorithm is Algorithm.TDES else derived


def city_key(algorithm: Algorithm, master_key: bytes, region_code: str) -> bytes:
    """The city key of ``region_code`` under an issuer master key."""
    return diversify(algorithm, master_key, city_factor(region_code))


def card_key(algorithm: Algorithm, master_key: bytes, path: CardKeyPath) -> bytes:
    """The card key at ``path`` under an issuer master key (two diversifications)."""
    city = city_key(algorithm, master_key, path.region_code)
    return diversify(algorithm, city, card_factor(path.card_identification_code))


def session_key(algorithm: Algorithm, card_key: bytes, process_factor: bytes) -> bytes:
    """The session (process) key of one authentication: ``diversify(card key, pf)``."""
    return diversify(algorithm, card_key, process_factor)
