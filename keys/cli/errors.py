"""The one way ``sscard-keys`` reports a refused or failed step: one line, exit status 1.

Every error a ceremony meets (``KeyStoreError``, a caller's ``ValueError``, an ``OSError``)
becomes ``Error: what went wrong — what to do`` (click's form, as the other sscard commands
print theirs). Messages come from ``keys.errors`` and the command's own checks, which never
hold key material, passphrases or PINs; no traceback is shown. Usage errors stay click's
(exit status 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from keys.errors import (
    AnchorRefused,
    CeremonyLogCorrupted,
    CeremonyLogElsewhere,
    ComponentCheckFailed,
    KeyExists,
    KeyNotFound,
    KeyStoreError,
    KeyVersionsExhausted,
    StoreChanged,
    StoreCorrupted,
    StoreLocked,
    TokenError,
    UnsupportedAlgorithm,
    UnwrapFailed,
)
from keys.files import UnfitFile

#: The errors a ceremony reports as ``Error: …`` (anything else is a bug and shows as one).
REPORTED = (KeyStoreError, ValueError, OSError)


class CeremonyFailed(click.ClickException):
    """A step was refused or failed: ``Error: what — what to do`` on stderr, exit status 1."""

    exit_code = 1

    def __init__(self, what: str, todo: str) -> None:
        super().__init__(f"{what} — {todo}")


def _log_elsewhere(error: CeremonyLogElsewhere) -> str:
    return f"give --log {error.place}: all of a token's steps are logged in that one file"


def _component(error: ComponentCheckFailed) -> str:
    return (
        f"custodian {error.custodian} reads out their component and its check value again; "
        "no key was stored"
    )


_TODO: dict[type[BaseException], str | Callable[[Any], str]] = {
    StoreCorrupted: "the file was left as it is: restore the key store from its backup",
    StoreChanged: "another ceremony changed the store meanwhile: run the command again",
    KeyNotFound: "sscard-keys list shows the keys this store holds",
    KeyExists: "nothing was stored: choose another --label for a new key",
    KeyVersionsExhausted: "a card holds key versions 1 to 3: give new keys a new --label",
    UnsupportedAlgorithm: "choose an --algorithm the token supports, or use a software store",
    ComponentCheckFailed: _component,
    UnwrapFailed: "check the transport key: the wrapped key does not open under it",
    CeremonyLogElsewhere: _log_elsewhere,
    AnchorRefused: (
        "give --anchors this store's anchors file (anchor-log writes it); the ceremony log's "
        "lines themselves verify"
    ),
    UnfitFile: "give the file itself: check the path",
    CeremonyLogCorrupted: (
        "the log was altered or damaged and no step is logged on it: keep it as evidence and "
        "restore it from its backup (sscard-keys verify-log --anchors FILE checks it)"
    ),
    TokenError: "check the token is present and --pkcs11-module is its PKCS#11 library",
    FileExistsError: "nothing was overwritten: choose a path where no file is",
    FileNotFoundError: "check the path",
    PermissionError: "run as the key officers' account, or fix the file's permissions",
    IsADirectoryError: "give a file, not a directory",
    OSError: "check the path and the disk",
    KeyStoreError: "nothing was stored",
    ValueError: "correct it and run the command again",
}


def ceremony_failed(error: BaseException, secret: str) -> CeremonyFailed:
    """The one line that reports ``error`` to the key officer, with what to do about it
    (``secret``: what to check when the store does not open, e.g. ``--pin-file``)."""
    if isinstance(error, StoreLocked):
        return CeremonyFailed(
            _what(error), f"check {secret}; the refused attempt is in the ceremony log"
        )
    todo: str | Callable[[Any], str] = "see the ceremony log"
    for kind in type(error).__mro__:
        if kind in _TODO:
            todo = _TODO[kind]
            break
    return CeremonyFailed(_what(error), todo(error) if callable(todo) else todo)


def _what(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        return f"{error.filename}: {error.strerror.lower()}"
    return str(error) or type(error).__name__
