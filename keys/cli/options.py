"""The key store options, taken before or after the command's name, and the store they name.

``KeysGroup`` (``sscard-keys`` itself) and every ``CeremonyCommand`` carry the same store
options (``store_options``); ``resolve_store`` turns both places' values into one
``SoftwareStore`` or ``TokenStore``. The environment (``SSCARD_KEYS_*``: paths and labels,
never a secret itself) gives defaults and the command line wins: over the same option's
variable, and over the variables of the other kind of store (or of the other way to open a
software store). Typed twice with different values (before and after the command) an
option is a usage error; so are options naming two stores: a ceremony names exactly one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

_SOFTWARE = ("store", "passphrase_file", "key_file")
_TOKEN = ("pkcs11_module", "token_label", "pin_file")
_STORE = (*_SOFTWARE, *_TOKEN, "log")
#: The parameters every command takes before or after its name.
SHARED = (*_STORE, "verbose")


def store_options() -> list[click.Option]:
    """Fresh option objects for one command (each command owns its parameters)."""
    file = click.Path(dir_okay=False, path_type=Path)
    existing = click.Path(exists=True, dir_okay=False, path_type=Path)
    common: dict[str, Any] = {"show_envvar": True}
    return [
        click.Option(
            ["--store"],
            type=file,
            metavar="FILE",
            envvar="SSCARD_KEYS_STORE",
            help="Software key store file. Its ceremony log is always FILE.ceremony.log.",
            **common,
        ),
        click.Option(
            ["--passphrase-file"],
            type=existing,
            metavar="FILE",
            envvar="SSCARD_KEYS_PASSPHRASE_FILE",
            help="File holding the software store's passphrase. Without it (or --key-file) "
            "the passphrase is typed, hidden, on the terminal.",
            **common,
        ),
        click.Option(
            ["--key-file"],
            type=file,
            metavar="FILE",
            envvar="SSCARD_KEYS_KEY_FILE",
            help="Open the software store with this 32-byte key file instead of a passphrase.",
            **common,
        ),
        click.Option(
            ["--pkcs11-module"],
            metavar="LIBRARY",
            envvar="SSCARD_KEYS_PKCS11_MODULE",
            help="PKCS#11 library of the HSM holding the keys "
            "(SoftHSM2: /usr/lib/softhsm/libsofthsm2.so).",
            **common,
        ),
        click.Option(
            ["--token-label"],
            metavar="LABEL",
            envvar="SSCARD_KEYS_TOKEN_LABEL",
            help="Label of the HSM token holding the keys.",
            **common,
        ),
        click.Option(
            ["--pin-file"],
            type=existing,
            metavar="FILE",
            envvar="SSCARD_KEYS_PIN_FILE",
            help="File holding the token's user PIN. Without it the PIN is typed, hidden, "
            "on the terminal.",
            **common,
        ),
        click.Option(
            ["--log"],
            type=file,
            metavar="FILE",
            envvar="SSCARD_KEYS_LOG",
            help="Ceremony log of a PKCS#11 token (required with a token; the token records "
            "its place at first use and refuses any other). Not for a software store.",
            **common,
        ),
        click.Option(
            ["-v", "--verbose"],
            count=True,
            show_default=False,
            help="Log what the command does to stderr (-vv: debug).",
        ),
    ]


@dataclass(frozen=True)
class SoftwareStore:
    """A software key store file and what opens it (neither file given: a prompt)."""

    path: Path
    passphrase_file: Path | None
    key_file: Path | None

    @property
    def log_path(self) -> Path:
        """The store's ceremony log, always beside it."""
        return self.path.with_name(self.path.name + ".ceremony.log")


@dataclass(frozen=True)
class TokenStore:
    """A PKCS#11 token, its user PIN's file (none: a prompt) and its ceremony log."""

    module: str
    label: str
    pin_file: Path | None
    log_path: Path


StoreChoice = SoftwareStore | TokenStore


@dataclass(frozen=True)
class _Given:
    value: Any
    origin: str  # how the officer gave it, for messages: "--store" or "SSCARD_KEYS_STORE"
    typed: bool  # on the command line (not from the environment)


def _given(ctx: click.Context, option: click.Option, value: Any) -> _Given | None:
    if value is None or option.name is None:
        return None
    name = option.opts[-1]
    if ctx.get_parameter_source(option.name) is ParameterSource.ENVIRONMENT:
        return _Given(value, f"{name} (from {option.envvar})", typed=False)
    return _Given(value, name, typed=True)


def _merge(before: _Given | None, after: _Given | None) -> _Given | None:
    if before is None or after is None:
        return before or after
    if before.value == after.value:
        return after
    typed = [given for given in (before, after) if given.typed]
    if len(typed) > 1:
        raise click.UsageError(
            f"{after.origin} is given twice, before and after the command "
            f"({before.value} and {after.value}): give it once"
        )
    return typed[0]


def resolve_store(ctx: click.Context, values: dict[str, Any]) -> tuple[StoreChoice, int]:
    """The store the options name (before or after the command) and the verbosity."""
    parent = ctx.parent
    options = {p.name: p for p in ctx.command.params if isinstance(p, click.Option)}
    given: dict[str, _Given | None] = {}
    for name in _STORE:
        after = _given(ctx, options[name], values[name])
        before = None if parent is None else _given(parent, options[name], parent.params[name])
        given[name] = _merge(before, after)
    verbosity = int(values["verbose"]) + (int(parent.params["verbose"]) if parent else 0)
    return _choose(given), verbosity


def _typed_wins(given: dict[str, _Given | None], one: Sequence[str], other: Sequence[str]) -> None:
    """Options typed for one of two exclusive groups set aside the other group's values that
    only come from the environment (the environment gives defaults, the command line wins)."""
    for mine, theirs in ((one, other), (other, one)):
        typed = any((g := given[name]) is not None and g.typed for name in mine)
        rival = any((g := given[name]) is not None and g.typed for name in theirs)
        if typed and not rival:
            for name in theirs:
                given[name] = None


def _choose(given: dict[str, _Given | None]) -> StoreChoice:
    _typed_wins(given, _SOFTWARE, (*_TOKEN, "log"))
    _typed_wins(given, ("passphrase_file",), ("key_file",))
    software = [g for name in _SOFTWARE if (g := given[name]) is not None]
    token = [g for name in _TOKEN if (g := given[name]) is not None]
    if software and token:
        raise click.UsageError(
            f"{software[0].origin} and {token[0].origin} name two key stores: give a software "
            "store (--store, --passphrase-file or --key-file) or a PKCS#11 token "
            "(--pkcs11-module, --token-label, --pin-file), not both"
        )
    passphrase, key_file, log_file = given["passphrase_file"], given["key_file"], given["log"]
    if passphrase and key_file:
        raise click.UsageError(
            f"{passphrase.origin} and {key_file.origin} both open the store: give one"
        )
    store = given["store"]
    if store is not None:
        choice = SoftwareStore(
            store.value,
            passphrase.value if passphrase else None,
            key_file.value if key_file else None,
        )
        if log_file is not None and log_file.value.resolve() != choice.log_path.resolve():
            raise click.UsageError(
                f"a software store's ceremony log is always {choice.log_path}; "
                f"{log_file.origin} is for a PKCS#11 token's log: leave it out"
            )
        return choice
    if software:
        raise click.UsageError(f"{software[0].origin} needs --store FILE, the key store it opens")
    module, label = given["pkcs11_module"], given["token_label"]
    if module is None and label is None:
        raise click.UsageError(
            "say which key store: --store FILE (a software store), or --pkcs11-module LIBRARY "
            "--token-label LABEL --log FILE (a PKCS#11 token)"
        )
    if module is None or label is None:
        raise click.UsageError("a PKCS#11 token needs both --pkcs11-module and --token-label")
    if log_file is None:
        raise click.UsageError("a PKCS#11 token needs --log FILE, its ceremony log")
    pin = given["pin_file"]
    return TokenStore(module.value, label.value, pin.value if pin else None, log_file.value)
