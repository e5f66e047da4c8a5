"""The key ceremonies: create a store; generate, import, rotate and list its keys.

Each is one step of the store's ceremony log, logged as begun before it takes effect and
as done (with what it made: labels, versions, KCVs) or failed (with why).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import click
from click.decorators import FC

from keys.algorithms import Algorithm, KeyPurpose
from keys.ceremony_log import Detail
from keys.cli.command import CeremonyCommand
from keys.cli.errors import CeremonyFailed
from keys.cli.options import SoftwareStore, StoreChoice
from keys.cli.output import describe, key_table, say
from keys.cli.secrets import custodian_components, store_credential
from keys.cli.stores import ceremony, ceremony_log
from keys.errors import ComponentCheckFailed
from keys.kcv import key_check_value, parse_kcv
from keys.software_store import SoftwareKeyStore
from keys.store import check_kind, check_label
from keys.store_file import (
    MAX_SCRYPT_N,
    MIN_SCRYPT_N,
    KeyEncryptionSecret,
    KeyFile,
    ScryptParams,
    write_key_file,
)


def _label(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            check_label(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return value


def _scrypt(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if not MIN_SCRYPT_N <= value <= MAX_SCRYPT_N or value & (value - 1):
        raise click.BadParameter(
            f"{value} is not one of the powers of two from {MIN_SCRYPT_N} to {MAX_SCRYPT_N}: "
            f"give one of 1024, 2048, 4096 … 1048576, or leave the option out for "
            f"{ScryptParams().n}"
        )
    return value


def _kcvs(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[bytes]:
    try:
        return [parse_kcv(value) for value in values]
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _label_option(help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--label",
        required=True,
        metavar="LABEL",
        callback=_label,
        help=f"{help_text} (1-64 letters, digits, '.', '_' or '-').",
    )


_algorithm_option = click.option(
    "--algorithm",
    type=click.Choice([a.value for a in Algorithm]),
    required=True,
    help="The key's algorithm (AES-256 for transport keys only).",
)
_purpose_option = click.option(
    "--purpose",
    type=click.Choice([p.value for p in KeyPurpose]),
    required=True,
    help="What the key is for: IRK, RKSSSE, UK, PRK (card keys) or TK (transport).",
)


def _kind(algorithm: str, purpose: str) -> tuple[Algorithm, KeyPurpose]:
    """The algorithm and purpose, refused as a usage error if they do not go together."""
    kind = Algorithm(algorithm), KeyPurpose(purpose)
    try:
        check_kind(*kind)
    except ValueError as error:
        raise click.UsageError(f"--algorithm {algorithm} --purpose {purpose}: {error}") from None
    return kind


def _details(label: str, algorithm: Algorithm, purpose: KeyPurpose) -> dict[str, Detail]:
    return {"label": label, "algorithm": algorithm.value, "purpose": purpose.value}


@click.command("create", cls=CeremonyCommand, short_help="Create an empty software key store.")
@click.option(
    "--new-key-file",
    is_flag=True,
    help="Write a new random 32-byte --key-file (it must not exist) and lock the store with "
    "it instead of a passphrase.",
)
@click.option(
    "--scrypt-n",
    type=int,
    metavar="N",
    default=ScryptParams().n,
    callback=_scrypt,
    help="scrypt cost of the passphrase: a power of two from 1024 (2**10) to 1048576 (2**20); "
    "higher is slower to open, and to guess.",
)
def create(where: StoreChoice, new_key_file: bool, scrypt_n: int) -> None:
    """Create an empty software key store, and its ceremony log beside it.

    The new passphrase (at least 12 characters) is typed twice, hidden, unless
    --passphrase-file or --key-file gives it.
    """
    if not isinstance(where, SoftwareStore):
        raise click.UsageError("create makes a software key store: give --store FILE")
    if new_key_file and where.key_file is None:
        raise click.UsageError("--new-key-file needs --key-file FILE, the file to write")
    if where.path.exists() or where.path.is_symlink():
        raise CeremonyFailed(
            f"there is already a file at {where.path}",
            "nothing was overwritten: give --store a new file's path",
        )
    secret = _new_store_secret(where, new_key_file)
    try:
        with ceremony_log(where).step("store-created", {"store": str(where.path)}) as step:
            created = SoftwareKeyStore.create(where.path, secret, ScryptParams(n=scrypt_n))
            step.opened(step.keep(contextlib.closing(created)).log_mac)
    except BaseException:
        if new_key_file and where.key_file is not None:
            where.key_file.unlink()  # it locks nothing: the store was not made
        raise
    say(f"created the key store {where.path} (its ceremony log: {where.log_path})")


def _new_store_secret(where: SoftwareStore, new_key_file: bool) -> KeyEncryptionSecret:
    if new_key_file and where.key_file is not None:
        write_key_file(where.key_file)
        return KeyFile(where.key_file)
    secret = store_credential(where, new=True)
    if not isinstance(secret, KeyEncryptionSecret):
        raise TypeError("a software store is locked with a passphrase or key file")
    return secret


@click.command("generate", cls=CeremonyCommand, short_help="Generate a new random key.")
@_label_option("Label of the new key")
@_algorithm_option
@_purpose_option
def generate(where: StoreChoice, label: str, algorithm: str, purpose: str) -> None:
    """Generate version 1 of a new random key (inside the token, for a token)."""
    kind = _kind(algorithm, purpose)
    with ceremony(where, "key-generated", _details(label, *kind)) as (step, store):
        info = store.generate(label, *kind)
        step.details.update(store=repr(store), **info.describe())
    say(f"generated {describe(info)}")


@click.command(
    "import", cls=CeremonyCommand, short_help="Import a key from custodians' components."
)
@_label_option("Label of the key")
@_algorithm_option
@_purpose_option
@click.option(
    "--custodians",
    type=click.IntRange(2, 3),
    metavar="2|3",
    required=True,
    help="How many custodians bring a component (2 or 3); the key is their XOR.",
)
@click.option(
    "--component-file",
    "component_files",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="A custodian's component in hexadecimal, once per custodian, in order (automation). "
    "Without it each custodian types theirs, hidden, on the terminal.",
)
@click.option(
    "--component-kcv",
    "component_kcvs",
    multiple=True,
    callback=_kcvs,
    metavar="KCV",
    help="The check value the custodian read out for each --component-file (6 hexadecimal digits).",
)
def import_(
    where: StoreChoice,
    label: str,
    algorithm: str,
    purpose: str,
    custodians: int,
    component_files: tuple[Path, ...],
    component_kcvs: list[bytes],
) -> None:
    """Import a key from its custodians' components, each checked against its KCV.

    A new label gets version 1; an existing one (same algorithm and purpose) its next
    version.
    """
    kind = _kind(algorithm, purpose)
    parts = custodian_components(kind[0], custodians, component_files, component_kcvs)
    with ceremony(where, "key-imported", _details(label, *kind)) as (step, store):
        try:
            info = store.import_components(label, *kind, parts)
        except ComponentCheckFailed as error:
            step.details["custodian"] = error.custodian
            raise
        step.details.update(
            store=repr(store),
            **info.describe(),
            custodians=len(parts),
            component_kcvs=[key_check_value(kind[0], p.value).hex().upper() for p in parts],
        )
    say(f"imported {describe(info)} from {len(parts)} custodians' components")


@click.command("rotate", cls=CeremonyCommand, short_help="Add the next version of a key.")
@_label_option("Label of the key to rotate")
def rotate(where: StoreChoice, label: str) -> None:
    """Add the next version of a key as a new random key; older versions are kept."""
    with ceremony(where, "key-rotated", {"label": label}) as (step, store):
        info = store.rotate(label)
        step.details.update(store=repr(store), **info.describe())
    say(f"rotated {label}: new version {describe(info)}")


@click.command("list", cls=CeremonyCommand, short_help="List the keys and their check values.")
def list_keys(where: StoreChoice) -> None:
    """List the keys: label, version, algorithm, purpose and check value (never a key's value).

    On a terminal a table; on a pipe or file a header line and one key per line, in
    columns separated by spaces.
    """
    with ceremony(where, "keys-listed", {}) as (step, store):
        infos = store.list_keys()
        step.details.update(store=repr(store), keys=len(infos))
    shown = where.path if isinstance(where, SoftwareStore) else f"token {where.label}"
    key_table(infos, str(shown))


COMMANDS: list[click.Command] = [create, generate, import_, rotate, list_keys]
