"""File-level helpers behind ``sscard-sim province/card/psam create``: keys from files.

The manufacturer's copy of the transport key is a file of one line of 64 hex digits
(AES-256), as ``write_transport_key`` writes it and ``read_transport_key`` reads it for
every command; the issuer's store finds its own reference to it by check value.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from keys.algorithms import Algorithm
from keys.files import UnfitFile, read_bounded
from keys.kcv import key_check_value
from keys.software_store import SoftwareKeyStore, lock_file
from keys.store_file import Passphrase
from readers.connection import Protocol_
from simulators.card.state import read_json_document
from simulators.factory import CardFactory
from simulators.key_loading import DEFAULT_TRANSPORT_LABEL, TransportKey, find_transport_key
from simulators.province import create_synthetic_province
from simulators.psam import SoftPsam
from simulators.psam_keys import (
    TransportKeyMismatch,
    psam_keys_from_export,
    psam_keys_from_store,
)

TRANSPORT_ALGORITHM = Algorithm.AES256
# A passphrase or a transport key is one line: a larger file is the wrong file.
MAX_SECRET_FILE_BYTES = 4096


@dataclass(frozen=True)
class ProvinceFiles:
    """Where ``write_synthetic_province`` put a province's store and its secrets."""

    store: Path
    passphrase_file: Path
    transport_key_file: Path


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text + "\n")


def write_synthetic_province(directory: Path, code: str = "320000") -> ProvinceFiles:
    """A synthetic province's store, passphrase file and transport key file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    province = create_synthetic_province(directory, code)
    files = ProvinceFiles(
        province.store_path,
        directory / f"keys-{code}.passphrase",
        directory / f"keys-{code}.transport-key",
    )
    _write_secret(files.passphrase_file, province.passphrase.text)
    write_transport_key(files.transport_key_file, province.transport.value)
    province.close()
    # The store was made just now and nobody else has been told of it: no writer can be
    # waiting on its lock file, so the directory holds just the three files it promises.
    # (The store's first ceremony makes the lock file again, and it stays: keys.software_store.)
    lock_file(files.store).unlink(missing_ok=True)
    return files


def write_transport_key(path: Path, value: bytes) -> None:
    """The manufacturer's copy of a transport key, as a new file only its owner can read."""
    _write_secret(path, value.hex().upper())


def read_transport_key(path: Path) -> bytes:
    """The manufacturer's transport key from its file (64 hex digits)."""
    digits = 2 * TRANSPORT_ALGORITHM.key_length
    raw = read_bounded(path, MAX_SECRET_FILE_BYTES, "transport key file")
    try:
        value = bytes.fromhex(raw.decode("ascii").strip())
    except ValueError:  # UnicodeDecodeError included
        raise ValueError(f"{path}: a transport key file holds {digits} hex digits") from None
    if len(value) != TRANSPORT_ALGORITHM.key_length:
        raise ValueError(
            f"{path}: a transport key file holds {digits} hex digits, this one {2 * len(value)}"
        )
    return value


@contextlib.contextmanager
def open_store(
    store: Path, passphrase_file: Path, transport_key_file: Path
) -> Iterator[tuple[SoftwareKeyStore, TransportKey]]:
    """The issuer's store and the transport key it shares with the factory."""
    raw = read_bounded(passphrase_file, MAX_SECRET_FILE_BYTES, "passphrase file")
    try:
        passphrase = Passphrase(raw.decode("utf-8").rstrip("\r\n"))
    except UnicodeDecodeError:
        raise UnfitFile(passphrase_file, "passphrase file", "it is not UTF-8 text") from None
    with SoftwareKeyStore.open(store, passphrase) as opened:
        transport = find_transport_key(
            opened, read_transport_key(transport_key_file), TRANSPORT_ALGORITHM
        )
        yield opened, transport


@contextlib.contextmanager
def card_factory(
    store: Path, passphrase_file: Path, transport_key_file: Path
) -> Iterator[CardFactory]:
    """A card factory on the issuer's store (``sscard-sim card create --keys``)."""
    with open_store(store, passphrase_file, transport_key_file) as (opened, transport):
        yield CardFactory(opened, transport)


def psam_from_store(
    store: Path,
    passphrase_file: Path,
    transport_key_file: Path,
    terminal_number: str,
    protocol: Protocol_ = "T0",
) -> SoftPsam:
    """A PSAM personalised from the issuer's store."""
    with open_store(store, passphrase_file, transport_key_file) as (opened, transport):
        keys = psam_keys_from_store(opened, transport)
    return SoftPsam.with_keys(keys, terminal_number, protocol=protocol)


def psam_from_export(
    export: Path, transport_key_file: Path, terminal_number: str, protocol: Protocol_ = "T0"
) -> SoftPsam:
    """A PSAM personalised from an ``sscard-keys export-psam`` file.

    ``ValueError`` naming both files when the export was wrapped under another transport
    key than the file's, saying how to export under the file's key.
    """
    _, document = read_json_document(export, "PSAM key export")
    transport_key = read_transport_key(transport_key_file)
    try:
        keys = psam_keys_from_export(document, transport_key)
    except TransportKeyMismatch as exc:
        kcv = key_check_value(TRANSPORT_ALGORITHM, transport_key).hex().upper()
        raise ValueError(
            f"{export} was not wrapped under the transport key in {transport_key_file}: "
            f"{exc}; the file holds {TRANSPORT_ALGORITHM.value} key KCV {kcv}. Export the "
            "PSAM keys under the file's key: sscard-keys export-psam --transport LABEL, LABEL "
            f"the store's TK key of KCV {kcv} in sscard-keys list ({DEFAULT_TRANSPORT_LABEL} "
            "in a store of sscard-sim province create)"
        ) from None
    return SoftPsam.with_keys(keys, terminal_number, protocol=protocol)
