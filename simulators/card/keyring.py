"""The card keys a soft card holds in its SSSE application (profile §5).

Four keys by purpose: IRK (internal authentication), RKSSSE (key id ``0A``, read key),
UK (key id ``04``, update key) and PRK (PIN reload/unblock key), each with a version
(1–3) and a try counter that persists, as on a chip. Key values never appear in ``repr``.
The algorithm is the card generation's: SM4 on 3.00 cards, 3DES on 1.00/2.00.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keys.algorithms import Algorithm, KeyPurpose

#: [profile] wrong cryptograms or MACs a key takes before it blocks (63Cx, then 6983).
KEY_TRIES = 5
MAX_KEY_VERSION = 3
#: EXTERNAL AUTHENTICATE key ids (profile §3).
EXTERNAL_KEY_IDS = {0x0A: KeyPurpose.READ, 0x04: KeyPurpose.UPDATE}
CARD_KEY_ORDER = (
    KeyPurpose.INTERNAL_AUTH,
    KeyPurpose.READ,
    KeyPurpose.UPDATE,
    KeyPurpose.PIN_RELOAD,
)


def card_algorithm(generation: str) -> Algorithm:
    """SM4 on 3.00 cards, double-length 3DES on 1.00 and 2.00 cards (profile §1, §5)."""
    return Algorithm.SM4 if generation == "3.00" else Algorithm.TDES


@dataclass
class StoredKey:
    """One card key: its value (never shown), version and tries left."""

    value: bytes = field(repr=False)
    version: int
    tries_left: int = KEY_TRIES

    def __post_init__(self) -> None:
        if len(self.value) != 16:
            raise ValueError("a card key is 16 bytes")
        if not 1 <= self.version <= MAX_KEY_VERSION:
            raise ValueError(f"a key version is 1..{MAX_KEY_VERSION}, got {self.version}")
        if not 0 <= self.tries_left <= KEY_TRIES:
            raise ValueError(f"key tries left must be 0..{KEY_TRIES}, got {self.tries_left}")

    @property
    def blocked(self) -> bool:
        return self.tries_left == 0
