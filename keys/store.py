"""The ``KeyStore`` protocol: key operations on key *references*, so keys can stay in an HSM.

A key is named by a label and a version (``KeyRef``); ``KeyInfo`` adds its algorithm,
purpose and check value. Card-key operations take the master key's reference and a
``CardKeyPath``; the store derives city, card and session keys inside itself. Nothing a
store returns or raises contains key material: keys leave a store only wrapped under a
transport key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, Self

from keys.algorithms import Algorithm, KeyPurpose
from keys.compare import constant_time_equal
from keys.components import KeyComponent
from keys.diversify import CardKeyPath
from keys.errors import KeyExists, KeyNotFound, KeyVersionsExhausted

#: Key versions a card holds are 1–3 (profile §5).
MAX_KEY_VERSION = 3
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CRYPTOGRAM_PURPOSES = frozenset({KeyPurpose.INTERNAL_AUTH, KeyPurpose.READ, KeyPurpose.UPDATE})


@dataclass(frozen=True, order=True)
class KeyRef:
    """A key's name in a store: its label and version."""

    label: str
    version: int

    def __str__(self) -> str:
        return f"{self.label} v{self.version}"


@dataclass(frozen=True)
class KeyInfo:
    """What may be known about a stored key: everything but its value."""

    label: str
    version: int
    algorithm: Algorithm
    purpose: KeyPurpose
    kcv: bytes

    @property
    def ref(self) -> KeyRef:
        """This key's reference."""
        return KeyRef(self.label, self.version)

    def describe(self) -> dict[str, str | int]:
        """The key for people and files: label, version, algorithm, purpose, KCV (hex)."""
        return {
            "label": self.label,
            "version": self.version,
            "algorithm": self.algorithm.value,
            "purpose": self.purpose.value,
            "kcv": self.kcv.hex().upper(),
        }


class ClosingStore:
    """``with store:`` closes it; the stores' shared context-manager half."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class KeyStore(Protocol):
    """Keys kept by reference, and the card cryptography done with them inside the store."""

    def list_keys(self) -> list[KeyInfo]:
        """Every key (all versions), sorted by label and version."""
        ...

    def generate(self, label: str, algorithm: Algorithm, purpose: KeyPurpose) -> KeyInfo:
        """Create version 1 of a new random key; ``KeyExists`` if the label is taken."""
        ...

    def import_components(
        self,
        label: str,
        algorithm: Algorithm,
        purpose: KeyPurpose,
        components: Sequence[KeyComponent],
    ) -> KeyInfo:
        """Store the key formed from custodians' components (each checked against its KCV).

        A new label gets version 1; an existing label (same algorithm and purpose) gets its
        next version, like ``rotate``.
        """
        ...

    def rotate(self, label: str) -> KeyInfo:
        """Add the next version of ``label`` as a new random key; older versions are kept."""
        ...

    def cryptogram(
        self, ref: KeyRef, path: CardKeyPath, process_factor: bytes, original: bytes
    ) -> bytes:
        """The authentication cryptogram of the card at ``path`` (master → city → card →
        session key with ``process_factor``, then over ``original``)."""
        ...

    def pin_command_mac(
        self, ref: KeyRef, path: CardKeyPath, challenge: bytes, header: bytes, data: bytes
    ) -> bytes:
        """The 4-byte RELOAD/UNBLOCK PIN MAC under the card's PIN-reload key."""
        ...

    def encrypt_pin(self, ref: KeyRef, path: CardKeyPath, pin: bytes) -> bytes:
        """UNBLOCK PIN's enciphered new PIN under the card's PIN-reload key."""
        ...

    def export_wrapped(self, ref: KeyRef, transport: KeyRef) -> bytes:
        """Key ``ref`` wrapped under transport key ``transport`` (see ``keys.wrap``)."""
        ...

    def derive_card_key_wrapped(self, ref: KeyRef, path: CardKeyPath, transport: KeyRef) -> bytes:
        """The card key at ``path`` under master ``ref``, wrapped under ``transport``
        (what a card factory loads into a card)."""
        ...

    def log_mac(self, data: bytes) -> bytes:
        """A MAC over ceremony-log data under a key that never leaves the store: someone who
        can edit the log file but cannot open the store cannot rewrite it unseen."""
        ...

    def close(self) -> None:
        """Release the store (sessions, handles); the object is unusable afterwards."""
        ...


def verify_cryptogram(
    store: KeyStore,
    ref: KeyRef,
    path: CardKeyPath,
    process_factor: bytes,
    original: bytes,
    presented: bytes,
) -> bool:
    """True if ``presented`` is the card's cryptogram (compared in constant time)."""
    return constant_time_equal(store.cryptogram(ref, path, process_factor, original), presented)


def check_label(label: str) -> None:
    """``ValueError`` unless the label is 1–64 letters, digits, ``.``, ``_`` or ``-``."""
    if not _LABEL.fullmatch(label):
        raise ValueError("a key label is 1-64 letters, digits, '.', '_' or '-'")


def check_kind(algorithm: Algorithm, purpose: KeyPurpose) -> None:
    """``ValueError`` if keys of ``algorithm`` cannot serve ``purpose``."""
    if purpose is KeyPurpose.TRANSPORT:
        if algorithm.block_size != 16:
            raise ValueError(f"a transport key must be SM4 or AES, not {algorithm}")
    elif not algorithm.card_algorithm:
        raise ValueError(f"{algorithm} is not a card key algorithm")


def require_purpose(info: KeyInfo, *purposes: KeyPurpose) -> None:
    """``ValueError`` unless the key's purpose is one of ``purposes``."""
    if info.purpose not in purposes:
        wanted = "/".join(p.value for p in purposes)
        raise ValueError(f"key {info.ref} is a {info.purpose} key, not {wanted}")


def require_cryptogram_key(info: KeyInfo) -> None:
    """``ValueError`` unless the key makes authentication cryptograms (IRK, RKSSSE, UK)."""
    require_purpose(info, *sorted(_CRYPTOGRAM_PURPOSES))


def find(keys: Iterable[KeyInfo], ref: KeyRef) -> KeyInfo:
    """The key ``ref`` among ``keys``; ``KeyNotFound`` if absent."""
    for info in keys:
        if info.ref == ref:
            return info
    raise KeyNotFound(ref.label, ref.version)


def latest(keys: Iterable[KeyInfo], label: str) -> KeyInfo:
    """The highest version of ``label`` among ``keys``; ``KeyNotFound`` if none."""
    versions = [info for info in keys if info.label == label]
    if not versions:
        raise KeyNotFound(label)
    return max(versions, key=lambda info: info.version)


def new_key_version(
    keys: Iterable[KeyInfo],
    label: str,
    algorithm: Algorithm,
    purpose: KeyPurpose,
    *,
    may_exist: bool,
) -> int:
    """The version a new key under ``label`` gets (1 for a new label, else the next one).

    ``KeyExists`` if the label is taken and ``may_exist`` is false; ``ValueError`` if the
    existing key differs in algorithm or purpose; ``KeyVersionsExhausted`` past version 3.
    """
    check_label(label)
    check_kind(algorithm, purpose)
    try:
        current = latest(keys, label)
    except KeyNotFound:
        return 1
    if not may_exist:
        raise KeyExists(label)
    if (current.algorithm, current.purpose) != (algorithm, purpose):
        raise ValueError(
            f"key {label!r} is a {current.algorithm} {current.purpose} key;"
            " a new version must keep its algorithm and purpose"
        )
    if current.version >= MAX_KEY_VERSION:
        raise KeyVersionsExhausted(label, current.version)
    return current.version + 1
