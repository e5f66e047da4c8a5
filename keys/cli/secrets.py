"""The secrets a ceremony needs: read from files (automation), or typed hidden on a terminal.

Prompts are shown only when stdin is a terminal; otherwise the command stops with a usage
error naming the option that gives the secret in a file. Nothing typed is echoed, and no
message repeats what was typed or read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import click

from keys.algorithms import Algorithm
from keys.cli.errors import CeremonyFailed
from keys.cli.options import SoftwareStore, TokenStore
from keys.components import KeyComponent
from keys.files import read_bounded
from keys.kcv import parse_kcv
from keys.store_file import MIN_PASSPHRASE_LENGTH, KeyEncryptionSecret, KeyFile, Passphrase

T = TypeVar("T")
# A passphrase, PIN or key component is a line; a larger file is the wrong file.
MAX_SECRET_FILE_BYTES = 4096


@dataclass(frozen=True)
class TokenPin:
    """A PKCS#11 token's user PIN."""

    text: str = field(repr=False)


Credential = KeyEncryptionSecret | TokenPin


def read_secret_file(path: Path, what: str) -> str:
    """The secret in ``path`` (its text, without the final line break): a regular file of
    at most ``MAX_SECRET_FILE_BYTES``, else ``UnfitFile``."""
    try:
        raw = read_bounded(path, MAX_SECRET_FILE_BYTES, f"{what} file")
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text, so it holds no {what}") from None
    if not text:
        raise ValueError(f"{path} is empty: it should hold the {what}")
    return text


def store_credential(where: SoftwareStore | TokenStore, *, new: bool = False) -> Credential:
    """What opens the store: a key file, a passphrase or PIN from its file, or typed (a new
    store's passphrase: typed twice, and long enough)."""
    if isinstance(where, TokenStore):
        if where.pin_file is not None:
            return TokenPin(read_secret_file(where.pin_file, "token's user PIN"))
        _need_terminal("the token's user PIN", "--pin-file FILE (or SSCARD_KEYS_PIN_FILE)")
        return TokenPin(_ask("Token user PIN", _as_typed, "the token's user PIN"))
    if where.key_file is not None:
        return KeyFile(where.key_file)
    if where.passphrase_file is not None:
        passphrase = read_secret_file(where.passphrase_file, "key store's passphrase")
        if new and len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise CeremonyFailed(
                f"the passphrase in {where.passphrase_file} is too short for a new key store",
                f"write one of at least {MIN_PASSPHRASE_LENGTH} characters in it, or leave out "
                "--passphrase-file and type one",
            )
        return Passphrase(passphrase)
    _need_terminal(
        "the key store's passphrase",
        "--passphrase-file FILE or --key-file FILE (or SSCARD_KEYS_PASSPHRASE_FILE)",
    )
    if not new:
        return Passphrase(_ask("Key store passphrase", _as_typed, "the key store's passphrase"))
    return Passphrase(_new_passphrase())


def custodian_components(
    algorithm: Algorithm, custodians: int, files: Sequence[Path], kcvs: Sequence[bytes]
) -> list[KeyComponent]:
    """Each custodian's component and check value: from files, or typed on the terminal."""
    if files or kcvs:
        if len(files) != custodians or len(kcvs) != custodians:
            raise click.UsageError(
                f"give --component-file and --component-kcv once per custodian "
                f"({custodians} of each)"
            )
        return [
            KeyComponent(_component_file(algorithm, path), kcv)
            for path, kcv in zip(files, kcvs, strict=True)
        ]
    _need_terminal(
        "the custodians' key components",
        "--component-file FILE and --component-kcv KCV once per custodian",
    )
    parts = []
    for custodian in range(1, custodians + 1):
        value = _ask(
            f"Custodian {custodian}: key component (hexadecimal, hidden)",
            lambda text: _typed_component(algorithm, text),
            f"custodian {custodian}'s key component",
        )
        kcv = _ask(
            f"Custodian {custodian}: the component's check value",
            _typed_kcv,
            "the check value the custodian reads out",
            hidden=False,
        )
        parts.append(KeyComponent(value, kcv))
    return parts


def _need_terminal(what: str, option: str) -> None:
    if sys.stdin is None or not sys.stdin.isatty():
        raise click.UsageError(f"there is no terminal to type {what} on: give {option}")


def _ask(text: str, check: Callable[[str], T], what: str, *, hidden: bool = True) -> T:
    """Ask for ``what`` until ``check`` accepts the answer; each refusal is one line saying
    why and what to type (``check``'s ``ValueError``), never what was typed."""
    while True:
        typed = _prompt(text, hidden)
        if not typed:
            _refuse(f"nothing was typed: type {what}, or press Ctrl-C to stop.")
            continue
        try:
            return check(typed)
        except ValueError as error:
            _refuse(str(error))


def _new_passphrase() -> str:
    while True:
        passphrase = _ask(
            "New key store passphrase",
            _long_enough,
            f"a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters",
        )
        if _prompt("Type the new passphrase again", hidden=True) == passphrase:
            return passphrase
        _refuse("the two passphrases differ: type the new passphrase again, the same twice.")


def _prompt(text: str, hidden: bool) -> str:
    # default "": an empty answer comes back (click would ask again without a word).
    typed: str = click.prompt(text, default="", show_default=False, hide_input=hidden, err=True)
    return typed


def _refuse(message: str) -> None:
    click.echo(f"Error: {message}", err=True)


def _as_typed(text: str) -> str:
    return text


def _long_enough(text: str) -> str:
    if len(text) < MIN_PASSPHRASE_LENGTH:
        raise ValueError(
            f"the passphrase is too short: type one of at least {MIN_PASSPHRASE_LENGTH} "
            "characters (a few words make a good one)."
        )
    return text


def _component(algorithm: Algorithm, text: str) -> bytes:
    """A component written in hex; ``ValueError`` saying what it is instead ("not
    hexadecimal: …", "30 hexadecimal digits: …")."""
    digits = 2 * algorithm.key_length
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise ValueError(
            f"not hexadecimal: {algorithm} components are {digits} hexadecimal digits (0-9, A-F)"
        ) from None
    if len(value) != algorithm.key_length:
        raise ValueError(
            f"{2 * len(value)} hexadecimal digits: {algorithm} components are {digits}"
        )
    return value


def _typed_component(algorithm: Algorithm, text: str) -> bytes:
    try:
        return _component(algorithm, text)
    except ValueError as error:
        raise ValueError(f"that is {error}; type it again.") from None


def _component_file(algorithm: Algorithm, path: Path) -> bytes:
    text = read_secret_file(path, "key component")
    try:
        return _component(algorithm, text)
    except ValueError as error:
        raise ValueError(f"{path} does not hold a key component: it is {error}") from None


def _typed_kcv(text: str) -> bytes:
    try:
        return parse_kcv(text)
    except ValueError:
        raise ValueError(
            "that is not a check value: type the 6 hexadecimal digits the custodian reads out."
        ) from None
