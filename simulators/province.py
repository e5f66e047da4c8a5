"""A synthetic province's issuer keys, made quickly for demos, tests and benchmarks.

``create_synthetic_province(directory)`` creates a ``SoftwareKeyStore`` there (cheap
scrypt: these keys protect nothing real) holding random master keys for every card-key
purpose in SM4 (3.00 cards) and 3DES (1.00/2.00 cards), and a factory transport key whose
manufacturer copy comes back with it. Two calls give two provinces with unrelated keys.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from keys.algorithms import Algorithm
from keys.software_store import SoftwareKeyStore
from keys.store_file import Passphrase, ScryptParams
from simulators.card.keyring import CARD_KEY_ORDER
from simulators.factory import CardFactory
from simulators.key_loading import TransportKey, install_transport_key

#: scrypt cost of synthetic stores: fast to open, fine for keys that protect nothing.
SYNTHETIC_SCRYPT = ScryptParams(n=2**10)
CARD_ALGORITHMS = (Algorithm.SM4, Algorithm.TDES)
_ALGORITHM_TAGS = {Algorithm.SM4: "sm4", Algorithm.TDES: "3des"}


@dataclass
class SyntheticProvince:
    """An open key store of one province's masters, and the factory's transport key."""

    code: str
    store_path: Path
    passphrase: Passphrase = field(repr=False)
    store: SoftwareKeyStore
    transport: TransportKey

    def factory(self) -> CardFactory:
        """A card factory loading this province's card keys."""
        return CardFactory(self.store, self.transport)

    def close(self) -> None:
        self.store.close()


def master_label(purpose_value: str, algorithm: Algorithm) -> str:
    """The label synthetic stores give a master key, e.g. ``irk-sm4``."""
    return f"{purpose_value.lower()}-{_ALGORITHM_TAGS[algorithm]}"


def create_synthetic_province(
    directory: Path, code: str = "320000", *, passphrase: str | None = None
) -> SyntheticProvince:
    """A new store ``<directory>/keys-<code>.json`` with random masters and a transport key.

    The store opens with ``passphrase`` (random when None; it is kept in the result).
    """
    if len(code) != 6 or not code.isdigit():
        raise ValueError("a province code is 6 digits, e.g. 320000")
    path = directory / f"keys-{code}.json"
    secret = Passphrase(secrets.token_hex(16) if passphrase is None else passphrase)
    store = SoftwareKeyStore.create(path, secret, SYNTHETIC_SCRYPT)
    for algorithm in CARD_ALGORITHMS:
        for purpose in CARD_KEY_ORDER:
            store.generate(master_label(purpose.value, algorithm), algorithm, purpose)
    transport = install_transport_key(store)
    return SyntheticProvince(code, path, secret, store, transport)
