"""Errors raised by ``keys``.

Caller mistakes (a factor of the wrong length, an unknown algorithm name, a key used for
a purpose it does not have) raise ``ValueError``. Everything else is a ``KeyStoreError``::

    KeyStoreError                  base of the errors below
    ├── KeyNotFound                no key with that label (and version)
    ├── KeyExists                  a key with that label already exists
    ├── KeyVersionsExhausted       the label already has the highest version the card allows
    ├── UnsupportedAlgorithm       the backend (e.g. a PKCS#11 token) cannot do this algorithm
    ├── StoreLocked                the passphrase or key file does not open the store
    ├── StoreCorrupted             the store file is truncated, unreadable or was altered
    ├── StoreChanged               the store file changed on disk since it was opened
    ├── ComponentCheckFailed       a custodian's key component does not match its check value
    ├── UnwrapFailed               a wrapped key fails its integrity check
    ├── CeremonyLogCorrupted       the ceremony log's hash chain is broken
    ├── AnchorRefused              an anchor this store did not make (the anchors file's fault)
    ├── CeremonyLogElsewhere       a token's ceremony log is kept at another path
    └── TokenError                 the PKCS#11 token refused an operation

No message, ``repr`` or attribute of these errors ever holds key material.
"""

from __future__ import annotations


class KeyStoreError(Exception):
    """Base of every deliberate error of the ``keys`` package (besides ``ValueError``)."""


class KeyNotFound(KeyStoreError):  # noqa: N818 - the domain names it so
    """No key with this label (and version) in the store."""

    def __init__(self, label: str, version: int | None = None) -> None:
        self.label = label
        self.version = version
        which = label if version is None else f"{label} version {version}"
        super().__init__(f"key not found: {which}")


class KeyExists(KeyStoreError):  # noqa: N818 - the domain names it so
    """A key with this label already exists; use rotation to add a version."""

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(f"a key labelled {label!r} already exists; rotate it to add a version")


class KeyVersionsExhausted(KeyStoreError):  # noqa: N818 - the domain names it so
    """The label already has the highest key version a card can hold (profile §5: 1–3)."""

    def __init__(self, label: str, highest: int) -> None:
        self.label = label
        self.highest = highest
        super().__init__(f"key {label!r} already has version {highest}, the highest allowed")


class UnsupportedAlgorithm(KeyStoreError):  # noqa: N818 - the domain names it so
    """The backend cannot perform this algorithm; there is no silent fallback."""

    def __init__(self, algorithm: str, backend: str) -> None:
        self.algorithm = algorithm
        self.backend = backend
        super().__init__(f"{algorithm} is not supported by this token ({backend})")


class StoreLocked(KeyStoreError):  # noqa: N818 - the domain names it so
    """The passphrase or key file does not open the store (or its header was altered)."""


class StoreCorrupted(KeyStoreError):  # noqa: N818 - the domain names it so
    """The store file is truncated, unreadable or was altered; it is left untouched."""


class StoreChanged(KeyStoreError):  # noqa: N818 - the domain names it so
    """The store file changed on disk since this store was opened; reopen and retry."""


class ComponentCheckFailed(KeyStoreError):  # noqa: N818 - the domain names it so
    """A key component's check value differs from the one its custodian read out."""

    def __init__(self, custodian: int) -> None:
        self.custodian = custodian
        super().__init__(f"component of custodian {custodian} does not match its check value")


class UnwrapFailed(KeyStoreError):  # noqa: N818 - the domain names it so
    """A wrapped key fails its integrity check: wrong transport key, or altered data."""


class CeremonyLogCorrupted(KeyStoreError):  # noqa: N818 - the domain names it so
    """A line of the ceremony log is unreadable or does not chain to the line before it."""

    def __init__(self, line_number: int, reason: str) -> None:
        self.line_number = line_number
        super().__init__(f"ceremony log line {line_number}: {reason}")


class AnchorRefused(KeyStoreError):  # noqa: N818 - the domain names it so
    """An anchor whose MAC is not this store's: an anchors file of another store, or an
    edited one. It says nothing about the ceremony log."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"{where}: the anchor was not made by this store")


class CeremonyLogElsewhere(KeyStoreError):  # noqa: N818 - the domain names it so
    """The token recorded another path as its ceremony log at first use: one token, one log."""

    def __init__(self, place: str) -> None:
        self.place = place
        super().__init__(f"this token's ceremony log is {place}; --log cannot move it")


class TokenError(KeyStoreError):
    """The PKCS#11 token refused an operation (the PKCS#11 error name is in the message)."""
