"""How keys travel from an issuer's key store into soft cards and soft PSAMs.

Keys never leave a ``keys.KeyStore`` in clear: the store wraps them (RFC 3394 key wrap)
under a transport key, and the receiving side — the card factory or the PSAM
personalisation, playing the manufacturer — unwraps them with its own copy of that
transport key. The manufacturer's copy reaches the issuer's store as custodians'
components (``install_transport_key``), as a key ceremony would carry it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from keys.algorithms import Algorithm, KeyPurpose
from keys.compare import constant_time_equal
from keys.components import KeyComponent
from keys.kcv import key_check_value
from keys.store import KeyInfo, KeyRef, KeyStore
from keys.wrap import unwrap_key

DEFAULT_TRANSPORT_LABEL = "factory-tk"


@dataclass(frozen=True)
class TransportKey:
    """The manufacturer's copy of a transport key, and the store's reference to it."""

    ref: KeyRef
    algorithm: Algorithm
    value: bytes = field(repr=False)

    def unwrap(self, wrapped: bytes) -> bytes:
        """A key the store wrapped under this transport key (``UnwrapFailed`` if altered)."""
        return unwrap_key(self.algorithm, self.value, wrapped)


def install_transport_key(
    store: KeyStore,
    label: str = DEFAULT_TRANSPORT_LABEL,
    value: bytes | None = None,
    algorithm: Algorithm = Algorithm.AES256,
) -> TransportKey:
    """Import a transport key into ``store`` as two custodians' components.

    ``value`` is the manufacturer's key (random when None). An existing label gets its next
    version, as a re-keyed transport key would.
    """
    key = os.urandom(algorithm.key_length) if value is None else value
    first = os.urandom(algorithm.key_length)
    second = bytes(a ^ b for a, b in zip(first, key, strict=True))
    parts = [KeyComponent(part, key_check_value(algorithm, part)) for part in (first, second)]
    info = store.import_components(label, algorithm, KeyPurpose.TRANSPORT, parts)
    return TransportKey(info.ref, algorithm, key)


def find_transport_key(store: KeyStore, value: bytes, algorithm: Algorithm) -> TransportKey:
    """The store's transport key whose check value matches ``value``; KeyError if none."""
    kcv = key_check_value(algorithm, value)
    for info in store.list_keys():
        if (
            info.purpose is KeyPurpose.TRANSPORT
            and info.algorithm is algorithm
            and constant_time_equal(info.kcv, kcv)
        ):
            return TransportKey(info.ref, algorithm, value)
    raise KeyError("the key store holds no transport key with this key's check value")


def unwrap_checked(transport: TransportKey, wrapped: bytes, info: KeyInfo) -> bytes:
    """Unwrap a master key and check it against the check value the store lists for it."""
    value = transport.unwrap(wrapped)
    if not constant_time_equal(key_check_value(info.algorithm, value), info.kcv):
        raise ValueError(f"key {info.ref} does not match its check value after unwrapping")
    return value
