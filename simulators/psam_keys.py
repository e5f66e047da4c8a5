"""The issuer keys a soft PSAM holds, and the two ways they are loaded into it.

From a key store directly (``psam_keys_from_store``) or from the file ``sscard-keys
export-psam`` writes (``psam_keys_from_export``); both arrive wrapped under a transport
key and are unwrapped with the manufacturer's copy of it, each checked against its KCV.
A PSAM holds master keys of the PSAM purposes (IRK, RKSSSE, UK: profile §5 key types 8,
9 and 6) in the card algorithms (SM4, 3DES), each with its version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from keys.algorithms import PSAM_KEY_PURPOSES, Algorithm, KeyPurpose
from keys.compare import constant_time_equal
from keys.errors import KeyStoreError
from keys.kcv import key_check_value, parse_kcv
from keys.store import KeyInfo, KeyRef, KeyStore
from simulators.key_loading import TransportKey, unwrap_checked

EXPORT_FORMAT = "sscard-psam-keys/1"
#: [profile] INIT FOR CIPHER key types (P1 bits 5–1) and the purposes they name.
KEY_TYPES = {8: KeyPurpose.INTERNAL_AUTH, 9: KeyPurpose.READ, 6: KeyPurpose.UPDATE}
#: [profile] INIT FOR CIPHER P2 bits 8–5: the card's algorithm flag (FCI 9F0C).
ALGORITHM_FLAGS = {0x1: Algorithm.TDES, 0x3: Algorithm.SM4}


@dataclass(frozen=True)
class PsamKey:
    """One issuer master key inside a PSAM; the value never shows."""

    purpose: KeyPurpose
    algorithm: Algorithm
    version: int
    value: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.purpose not in PSAM_KEY_PURPOSES:
            raise ValueError(f"a PSAM holds no {self.purpose} keys")
        if self.algorithm not in ALGORITHM_FLAGS.values():
            raise ValueError(f"a PSAM holds card keys (SM4, 3DES), not {self.algorithm}")
        if len(self.value) != self.algorithm.key_length:
            raise ValueError(f"a {self.algorithm} key is {self.algorithm.key_length} bytes")


def check_unique(psam_keys: Iterable[PsamKey]) -> list[PsamKey]:
    """The keys as a list; ``ValueError`` if two share purpose, algorithm and version."""
    keys = list(psam_keys)
    seen = {(k.purpose, k.algorithm, k.version) for k in keys}
    if len(seen) != len(keys):
        raise ValueError("two PSAM keys share a purpose, algorithm and version")
    return keys


def _psam_infos(infos: Iterable[KeyInfo]) -> list[KeyInfo]:
    return [
        i
        for i in infos
        if i.purpose in PSAM_KEY_PURPOSES and i.algorithm in ALGORITHM_FLAGS.values()
    ]


def psam_keys_from_store(store: KeyStore, transport: TransportKey) -> list[PsamKey]:
    """Every PSAM master key of ``store``, exported wrapped and unwrapped here."""
    keys = []
    for info in _psam_infos(store.list_keys()):
        wrapped = store.export_wrapped(info.ref, transport.ref)
        value = unwrap_checked(transport, wrapped, info)
        keys.append(PsamKey(info.purpose, info.algorithm, info.version, value))
    return check_unique(keys)


class TransportKeyMismatch(ValueError):  # noqa: N818 - named as the situation, like keys' errors
    """The transport key given is not the one the export was wrapped under."""

    def __init__(self, ref: KeyRef, algorithm: Algorithm, kcv: bytes) -> None:
        self.ref = ref
        self.algorithm = algorithm
        self.kcv = kcv
        super().__init__(
            "the transport key does not match the export's: it is wrapped under transport "
            f"key {ref} ({algorithm}, {algorithm.key_length} bytes, KCV {kcv.hex().upper()})"
        )


def psam_keys_from_export(document: Any, transport_key: bytes) -> list[PsamKey]:
    """The keys of an ``sscard-keys export-psam`` document, unwrapped with ``transport_key``.

    ``TransportKeyMismatch`` if it was wrapped under another transport key; ``ValueError``
    if the document is not such an export or a key fails its integrity or check value.
    """
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValueError(f"not a PSAM key export (format {EXPORT_FORMAT!r})")
    try:
        transport_info = document["transport"]
        algorithm = Algorithm(transport_info["algorithm"])
        transport_ref = KeyRef(transport_info["label"], int(transport_info["version"]))
        kcv = parse_kcv(transport_info["kcv"])
        if len(transport_key) != algorithm.key_length or not constant_time_equal(
            key_check_value(algorithm, transport_key), kcv
        ):
            raise TransportKeyMismatch(transport_ref, algorithm, kcv)
        transport = TransportKey(transport_ref, algorithm, transport_key)
        keys = []
        for entry in document["keys"]:
            info = KeyInfo(
                entry["label"],
                int(entry["version"]),
                Algorithm(entry["algorithm"]),
                KeyPurpose(entry["purpose"]),
                parse_kcv(entry["kcv"]),
            )
            if info not in _psam_infos([info]):
                continue
            value = unwrap_checked(transport, bytes.fromhex(entry["wrapped"]), info)
            keys.append(PsamKey(info.purpose, info.algorithm, info.version, value))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"the PSAM key export is incomplete ({exc})") from None
    except KeyStoreError as exc:
        raise ValueError(f"the PSAM key export does not unwrap: {exc}") from None
    return check_unique(keys)
