"""The software key store's file: keys sealed with AES-256-GCM under a key-encryption key.

The file is one JSON document::

    {"format": "sscard-keystore/1",
     "kek": {"kind": "scrypt", "salt": hex, "n": …, "r": …, "p": …}
            or {"kind": "key-file", "salt": hex},
     "check": hex,                 AES-GCM seal of a constant: tells a wrong secret from damage
     "keys": [{"label", "version", "algorithm", "purpose", "kcv", "nonce", "sealed"}, …],
     "mac": hex}                   HMAC-SHA256 of everything else

The secret (a passphrase through scrypt, or a 32-byte key file through HKDF) gives 64
bytes: an AES-256-GCM key that seals each key value, with the key's metadata as associated
data (so metadata cannot be swapped between keys), and an HMAC key over the whole file (so
keys cannot be removed, duplicated or rolled back one by one).
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.algorithms import Algorithm, KeyPurpose
from keys.compare import constant_time_equal
from keys.errors import StoreCorrupted, StoreLocked
from keys.files import UnfitFile, read_bounded
from keys.kcv import key_check_value
from keys.store import KeyInfo

FORMAT = "sscard-keystore/1"
KEY_FILE_LENGTH = 32
# A store of a thousand keys is about 400 KB: anything beyond this is not a key store.
MAX_STORE_FILE_BYTES = 16 * 1024 * 1024
_CHECK_PLAINTEXT = b"sscard key store"
_NONCE_LENGTH = 12
_SALT_LENGTH = 16


MIN_PASSPHRASE_LENGTH = 12


@dataclass(frozen=True)
class Passphrase:
    """A passphrase that opens a store (stretched with scrypt); a new store's has at least
    ``MIN_PASSPHRASE_LENGTH`` characters."""

    text: str = field(repr=False)


@dataclass(frozen=True)
class KeyFile:
    """A file of 32 random bytes that opens a store."""

    path: Path


KeyEncryptionSecret = Passphrase | KeyFile


# The most a store may ask of scrypt: 2**20 × 8 × 128 bytes = 1 GiB of memory; and the
# least a new one may (a passphrase stretched less is guessed too cheaply).
MAX_SCRYPT_N = 2**20
MIN_SCRYPT_N = 2**10
MAX_SCRYPT_R = 8
MAX_SCRYPT_P = 16


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost for new stores; the default is OWASP's recommendation (128 MiB)."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not MIN_SCRYPT_N <= self.n <= MAX_SCRYPT_N or self.n & (self.n - 1):
            raise ValueError(
                f"scrypt n is a power of two from 2**10 to 2**20 (the default is 2**17), "
                f"got {self.n}"
            )
        if not 1 <= self.r <= MAX_SCRYPT_R:
            raise ValueError(f"scrypt r is from 1 to {MAX_SCRYPT_R}, got {self.r}")
        if not 1 <= self.p <= MAX_SCRYPT_P:
            raise ValueError(f"scrypt p is from 1 to {MAX_SCRYPT_P}, got {self.p}")


def write_key_file(path: Path) -> None:
    """Create a new key file of 32 random bytes, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(os.urandom(KEY_FILE_LENGTH))
        file.flush()
        os.fsync(file.fileno())


@dataclass(frozen=True)
class FileKeys:
    """The two keys derived from the secret: one seals key values, one MACs the file."""

    seal: AESGCM = field(repr=False)
    mac: bytes = field(repr=False)


def new_kek_header(secret: KeyEncryptionSecret, scrypt: ScryptParams) -> dict[str, Any]:
    """The ``kek`` section of a new store (a fresh salt, and scrypt's cost if a passphrase)."""
    salt = os.urandom(_SALT_LENGTH).hex()
    if isinstance(secret, Passphrase):
        return {"kind": "scrypt", "salt": salt, "n": scrypt.n, "r": scrypt.r, "p": scrypt.p}
    return {"kind": "key-file", "salt": salt}


def derive_file_keys(secret: KeyEncryptionSecret, kek: dict[str, Any]) -> FileKeys:
    """Derive the sealing and MAC keys from the secret and the file's ``kek`` section."""
    salt = bytes.fromhex(kek["salt"])
    if kek["kind"] == "scrypt":
        if not isinstance(secret, Passphrase):
            raise StoreLocked("this store is opened with a passphrase, not a key file")
        material = Scrypt(salt=salt, length=64, n=kek["n"], r=kek["r"], p=kek["p"]).derive(
            secret.text.encode("utf-8")
        )
    else:
        if not isinstance(secret, KeyFile):
            raise StoreLocked("this store is opened with a key file, not a passphrase")
        material = HKDF(hashes.SHA256(), 64, salt, b"sscard keystore").derive(
            _read_key_file(secret.path)
        )
    return FileKeys(AESGCM(material[:32]), material[32:])


def _read_key_file(path: Path) -> bytes:
    value = read_bounded(path, KEY_FILE_LENGTH, "key file")
    if len(value) != KEY_FILE_LENGTH:
        raise UnfitFile(
            path,
            "key file",
            f"it holds {len(value)} bytes, and a key file exactly {KEY_FILE_LENGTH} bytes",
        )
    return value


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def seal_entry(keys: FileKeys, info: KeyInfo, value: bytes) -> dict[str, Any]:
    """A ``keys`` entry: the metadata, and the value sealed with the metadata as AAD."""
    metadata = info.describe()
    nonce = os.urandom(_NONCE_LENGTH)
    sealed = keys.seal.encrypt(nonce, value, _canonical(metadata))
    return {**metadata, "nonce": nonce.hex(), "sealed": sealed.hex()}


def open_entry(keys: FileKeys, entry: dict[str, Any]) -> tuple[KeyInfo, bytes]:
    """Unseal an entry; ``StoreCorrupted`` if it was altered."""
    info = KeyInfo(
        label=entry["label"],
        version=entry["version"],
        algorithm=Algorithm(entry["algorithm"]),
        purpose=KeyPurpose(entry["purpose"]),
        kcv=bytes.fromhex(entry["kcv"]),
    )
    try:
        value = keys.seal.decrypt(
            bytes.fromhex(entry["nonce"]),
            bytes.fromhex(entry["sealed"]),
            _canonical(info.describe()),
        )
    except InvalidTag:
        raise StoreCorrupted(f"key {info.ref} in the store was altered") from None
    if key_check_value(info.algorithm, value) != info.kcv:
        raise StoreCorrupted(f"key {info.ref} does not match its check value")
    return info, value


def encode(
    keys: FileKeys, kek: dict[str, Any], check: str, entries: Sequence[dict[str, Any]]
) -> bytes:
    """The whole file, MAC included."""
    body = {"format": FORMAT, "kek": kek, "check": check, "keys": list(entries)}
    mac = hmac.new(keys.mac, _canonical(body), "sha256").hexdigest()
    return json.dumps({**body, "mac": mac}, indent=1).encode() + b"\n"


def new_check(keys: FileKeys, kek: dict[str, Any]) -> str:
    """The ``check`` value of a new store."""
    nonce = os.urandom(_NONCE_LENGTH)
    return (nonce + keys.seal.encrypt(nonce, _CHECK_PLAINTEXT, _canonical(kek))).hex()


@dataclass(frozen=True)
class Decoded:
    """A store file read and verified: its sections, and every key opened."""

    kek: dict[str, Any]
    check: str
    entries: list[dict[str, Any]]
    keys: list[tuple[KeyInfo, bytes]] = field(repr=False)


def decode(secret: KeyEncryptionSecret, raw: bytes) -> tuple[FileKeys, Decoded]:
    """Parse and verify a store file.

    ``StoreCorrupted`` if it is truncated, malformed or altered; ``StoreLocked`` if the
    secret does not open it.
    """
    kek, check, entries, mac = _parse(raw)
    file_keys = derive_file_keys(secret, kek)
    try:
        check_bytes = bytes.fromhex(check)
        file_keys.seal.decrypt(
            check_bytes[:_NONCE_LENGTH], check_bytes[_NONCE_LENGTH:], _canonical(kek)
        )
    except (ValueError, InvalidTag):
        raise StoreLocked(
            "the passphrase or key file does not open this store (or its header was altered)"
        ) from None
    body = {"format": FORMAT, "kek": kek, "check": check, "keys": entries}
    expected = hmac.new(file_keys.mac, _canonical(body), "sha256").digest()
    if not constant_time_equal(expected, _hex(mac)):
        raise StoreCorrupted("the key store file was altered (its MAC does not match)")
    try:
        opened = [open_entry(file_keys, entry) for entry in entries]
    except (ValueError, KeyError, TypeError) as error:
        raise StoreCorrupted(f"a key entry is malformed ({type(error).__name__})") from None
    return file_keys, Decoded(kek, check, entries, opened)


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise StoreCorrupted("the key store file is malformed") from None


def _valid_kek(kek: Any) -> bool:
    if not isinstance(kek, dict) or not isinstance(kek.get("salt"), str):
        return False
    bytes.fromhex(kek["salt"])
    if kek.get("kind") == "key-file":
        return True
    n, r, p = kek.get("n"), kek.get("r"), kek.get("p")
    if not (type(n) is int and type(r) is int and type(p) is int):
        return False
    shaped = kek.get("kind") == "scrypt" and n > 1 and n & (n - 1) == 0 and r > 0 and p > 0
    # Read before the file's MAC can be checked (the MAC key comes from scrypt): a file
    # edited to ask for 2**40 would take all memory. Bounded as ``ScryptParams`` is.
    return shaped and n <= MAX_SCRYPT_N and r <= MAX_SCRYPT_R and p <= MAX_SCRYPT_P


def _parse(raw: bytes) -> tuple[dict[str, Any], str, list[dict[str, Any]], str]:
    try:
        document = json.loads(raw)
        if document["format"] != FORMAT:
            raise StoreCorrupted(f"not a key store of format {FORMAT}")
        kek, check, entries, mac = (
            document["kek"],
            document["check"],
            document["keys"],
            document["mac"],
        )
        if not (_valid_kek(kek) and isinstance(check, str) and isinstance(entries, list)):
            raise StoreCorrupted("the key store file is malformed")
        if not isinstance(mac, str):
            raise StoreCorrupted("the key store file is malformed")
    except (ValueError, KeyError, TypeError):
        raise StoreCorrupted("the key store file is truncated or malformed") from None
    return kek, check, entries, mac
