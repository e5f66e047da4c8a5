"""The seam through which a session reaches cryptography (profile §5).

A PSAM in a second reader (``readers.card.psam.PsamAuthenticator``) or the online key
service implements it; ``readers`` never imports ``keys``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from readers.card.models import CardAlgorithm

#: Issuer key versions (profile §5), newest first.
KEY_VERSIONS = (3, 2, 1)
#: [profile] the city-level diversification factor ends with these two ASCII letters.
CITY_FACTOR_SUFFIX = b"sx"
FACTOR_LENGTH = 8


class CardKey(Enum):
    """Card keys by purpose, with the PSAM key type of profile §5."""

    INTERNAL_AUTHENTICATION = 8  # IRK
    READ = 9  # RKSSSE, key id 0A
    UPDATE = 6  # UK, key id 04


@dataclass(frozen=True)
class CardKeyContext:
    """What diversification needs to know about the card in the reader.

    ``key_version`` names the issuer key version the card was made with (1–3), or 0 for
    the authenticator's highest: after a key rotation, older cards carry older versions.
    """

    card_identification_code: bytes
    region_code: str
    algorithm: CardAlgorithm
    key_version: int = 0

    @property
    def card_factor(self) -> bytes:
        """Card-level factor: the last 8 bytes of the card identification code."""
        return self.card_identification_code[-FACTOR_LENGTH:]

    @property
    def city_factor(self) -> bytes:
        """City-level factor: the 6-digit region code in ASCII followed by ``sx``."""
        return self.region_code.encode("ascii") + CITY_FACTOR_SUFFIX


class Authenticator(Protocol):
    """Computes card cryptograms with the issuer's keys, which it never reveals."""

    @property
    def description(self) -> str:
        """Who checks, for people: e.g. ``PSAM, terminal 320100000001``."""
        ...

    @property
    def region_code(self) -> str | None:
        """The region its keys serve (a PSAM's terminal region), when known."""
        ...

    def cryptogram(
        self, card: CardKeyContext, key: CardKey, process_factor: bytes, original: bytes
    ) -> bytes:
        """The 8-byte cryptogram of ``original`` under the card's session key for ``key``."""
        ...
