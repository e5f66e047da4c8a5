"""The card factory: blank soft cards pre-personalised with card keys, ready for issuance.

A manufacturer loads each chip with its card keys: for every purpose (IRK, RKSSSE, UK,
PRK) the issuer's key store derives the card key from its master key (master → city →
card, profile §5) and hands it over wrapped under the transport key; the factory unwraps
it straight into the chip. Masters are found in the store by purpose and algorithm (SM4
for 3.00 cards, 3DES for 1.00/2.00), one label each, at its latest version unless a
version is asked for.

A blank card holds its identification code, spec version, PIN and keys; issuance writes
the rest after EXTERNAL AUTHENTICATE with UK, or ``personalised_card`` writes it directly
(the issuer-side shortcut the tests and demos use).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from keys.algorithms import KeyPurpose
from keys.diversify import CardKeyPath
from keys.store import KeyInfo, KeyStore
from readers.card.numbers import build_card_identification_code
from readers.connection import Protocol_
from simulators.card.keyring import CARD_KEY_ORDER, StoredKey, card_algorithm
from simulators.card.memory import CardMemory
from simulators.card.personalisation import CardPersonalisation, Generation
from simulators.card.records import blank_records
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.key_loading import TransportKey

OnChange = Callable[[SoftSocialSecurityCard], None]


def master_key(
    store: KeyStore, purpose: KeyPurpose, generation: str, version: int | None = None
) -> KeyInfo:
    """The master key a card of ``generation`` gets its ``purpose`` key from.

    ``ValueError`` if the store holds none, or several labels, of that purpose and algorithm.
    """
    algorithm = card_algorithm(generation)
    candidates = [
        info
        for info in store.list_keys()
        if info.purpose is purpose and info.algorithm is algorithm
    ]
    labels = sorted({info.label for info in candidates})
    if len(labels) != 1:
        found = ", ".join(labels) or "none"
        raise ValueError(
            f"need exactly one {algorithm} {purpose} master key label in the store, found {found}"
        )
    if version is None:
        return max(candidates, key=lambda info: info.version)
    for info in candidates:
        if info.version == version:
            return info
    raise ValueError(f"{labels[0]} has no version {version}")


class CardFactory:
    """Makes soft cards whose card keys come from ``store`` (see the module docstring)."""

    def __init__(
        self, store: KeyStore, transport: TransportKey, *, key_version: int | None = None
    ) -> None:
        self._store = store
        self._transport = transport
        self._key_version = key_version

    def card_keys(
        self, generation: str, region_code: str, card_identification_code: bytes
    ) -> dict[KeyPurpose, StoredKey]:
        """The four card keys of one chip, unwrapped from the store's transport wrapping."""
        path = CardKeyPath(region_code, card_identification_code)
        loaded = {}
        for purpose in CARD_KEY_ORDER:
            info = master_key(self._store, purpose, generation, self._key_version)
            wrapped = self._store.derive_card_key_wrapped(info.ref, path, self._transport.ref)
            loaded[purpose] = StoredKey(self._transport.unwrap(wrapped), info.version)
        return loaded

    def blank_card(
        self,
        generation: Generation,
        region_code: str,
        chip_serial: bytes | None = None,
        *,
        protocol: Protocol_ = "T0",
        on_change: OnChange | None = None,
    ) -> SoftSocialSecurityCard:
        """A new chip for ``region_code`` (random serial unless given), keys loaded."""
        serial = os.urandom(4) if chip_serial is None else chip_serial
        card_id = build_card_identification_code(region_code, serial)
        memory = CardMemory(
            generation,
            serial,
            region_code[:4],
            blank_records(generation, card_id),
            keys=self.card_keys(generation, region_code, card_id),
        )
        return SoftSocialSecurityCard(memory, protocol=protocol, on_change=on_change)

    def personalised_card(
        self,
        personalisation: CardPersonalisation,
        *,
        protocol: Protocol_ = "T0",
        on_change: OnChange | None = None,
    ) -> SoftSocialSecurityCard:
        """A genuine card holding ``personalisation``: keys for its identification code."""
        p = personalisation
        card = SoftSocialSecurityCard.personalised(p, protocol=protocol)
        card.memory.keys = self.card_keys(p.generation, p.region_code, p.card_identification_code)
        card.on_change = on_change
        return card
