"""The seam through which a session reaches cryptography (profile §5).

A PSAM in a second reader or the online key service implements it; ``readers`` never
imports ``keys``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from readers.card.models import Algorithm


class CardKey(Enum):
    """Card keys by purpose, with the PSAM key type of profile §5."""

    INTERNAL_AUTHENTICATION = 8  # IRK
    READ = 9  # RKSSSE, key id 0A
    UPDATE = 6  # UK, key id 04


@dataclass(frozen=True)
class CardKeyContext:
    """What diversification needs to know about the card in the reader."""

    card_identification_code: bytes
    region_code: str
    algorithm: Algorithm


class Authenticator(Protocol):
    def cryptogram(
        self, card: CardKeyContext, key: CardKey, process_factor: bytes, original: bytes
    ) -> bytes:
        """The 8-byte cryptogram of ``original`` under the card's session key for ``key``."""
        ...
