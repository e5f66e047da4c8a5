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
from keys.cli.options import SoftwareStore, TokenStore
from keys.components import KeyComponent
from keys.kcv import parse_kcv
from keys.store_file import MIN_PASSPHRASE_LENGTH, KeyEncryptionSecret, KeyFile, Passphrase

T = TypeVar("T")


@dataclass(frozen=True)
class TokenPin:
    """A PKCS#11 token's user PIN."""

    text: str = field(repr=False)


Credential = KeyEncryptionSecret | TokenPin


def read_secret_file(path: Path, what: str) -> str:
    """The secret in ``path`` (its text, without the final line break)."""
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text, so it holds no {what}") from None
    if not text:
        raise ValueError(f"{path} is empty: it should hold the {what}")
    return text


def store_credential(where: SoftwareStore | TokenStore, *, new: bool = False) -> Credential:
    """What opens the store: a key file, a passphrase or PIN from its file, or typed."""
    if isinstance(where, TokenStore):
        if where.pin_file is not None:
            return TokenPin(read_secret_file(where.pin_file, "token's user PIN"))
        _need_terminal("the token's user PIN", "--pin-file FILE (or SSCARD_KEYS_PIN_FILE)")
        return TokenPin(_hidden("Token user PIN", _as_typed))
    if where.key_file is not None:
        return KeyFile(where.key_file)
    if where.passphrase_file is not None:
        return Passphrase(read_secret_file(where.passphrase_file, "key store's passphrase"))
    _need_terminal(
        "the key store's passphrase",
        "--passphrase-file FILE or --key-file FILE (or SSCARD_KEYS_PASSPHRASE_FILE)",
    )
    if not new:
        return Passphrase(_hidden("Key store passphrase", _as_typed))
    return Passphrase(
        _hidden(
            "New key store passphrase",
            _long_enough,
            confirm="Type the new passphrase again",
        )
    )


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
        value = _hidden(
            f"Custodian {custodian}: key component (hexadecimal, hidden)",
            lambda text: _component(algorithm, text),
        )
        kcv = click.prompt(
            f"Custodian {custodian}: the component's check value",
            value_proc=_prompted_kcv,
            err=True,
        )
        parts.append(KeyComponent(value, kcv))
    return parts


def _need_terminal(what: str, option: str) -> None:
    if sys.stdin is None or not sys.stdin.isatty():
        raise click.UsageError(f"there is no terminal to type {what} on: give {option}")


def _hidden(text: str, check: Callable[[str], T], confirm: str = "") -> T:
    value: T = click.prompt(
        text,
        hide_input=True,
        confirmation_prompt=confirm or False,
        value_proc=check,
        err=True,
    )
    return value


def _as_typed(text: str) -> str:
    return text


def _long_enough(text: str) -> str:
    if len(text) < MIN_PASSPHRASE_LENGTH:
        raise click.BadParameter(
            f"a new key store's passphrase has at least {MIN_PASSPHRASE_LENGTH} characters"
        )
    return text


def _component(algorithm: Algorithm, text: str) -> bytes:
    """A component typed in hex; ``click.BadParameter`` (the prompt asks again) if not one."""
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise click.BadParameter("a key component is hexadecimal digits") from None
    if len(value) != algorithm.key_length:
        raise click.BadParameter(
            f"{algorithm} components are {algorithm.key_length} bytes "
            f"({2 * algorithm.key_length} hexadecimal digits)"
        )
    return value


def _component_file(algorithm: Algorithm, path: Path) -> bytes:
    try:
        return _component(algorithm, read_secret_file(path, "key component"))
    except click.BadParameter as error:
        raise ValueError(f"{path}: {error.message}") from None


def _prompted_kcv(text: str) -> bytes:
    try:
        return parse_kcv(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
