"""``SoftwareKeyStore``: the embedded key store, one encrypted file (see ``keys.store_file``).

Writes are atomic (temporary file, fsync, rename, fsync of the directory) and refused if
the file changed on disk since the store was opened, so two ceremonies cannot silently
drop each other's keys. A file that does not verify is never written over.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from keys import cryptogram as cryptograms
from keys import diversify, mac, pin, wrap
from keys.algorithms import CARD_KEY_PURPOSES, Algorithm, KeyPurpose, check_key, with_odd_parity
from keys.components import KeyComponent, combine_components
from keys.diversify import CardKeyPath
from keys.errors import StoreChanged
from keys.files import read_bounded
from keys.kcv import key_check_value
from keys.store import (
    ClosingStore,
    KeyInfo,
    KeyRef,
    find,
    latest,
    new_key_version,
    require_cryptogram_key,
    require_purpose,
)
from keys.store_file import (
    MAX_STORE_FILE_BYTES,
    MIN_PASSPHRASE_LENGTH,
    FileKeys,
    KeyEncryptionSecret,
    Passphrase,
    ScryptParams,
    decode,
    derive_file_keys,
    encode,
    new_check,
    new_kek_header,
    seal_entry,
)

log = logging.getLogger(__name__)


_LOG_MAC_LABEL = b"sscard ceremony log v1"


class SoftwareKeyStore(ClosingStore):
    """Keys in one file, each sealed under a key-encryption key from a passphrase or key file.

    Open with ``SoftwareKeyStore.create(path, secret)`` or ``SoftwareKeyStore.open(path,
    secret)``; it is also a context manager.
    """

    def __init__(
        self,
        path: Path,
        file_keys: FileKeys,
        kek: dict[str, Any],
        check: str,
        entries: list[dict[str, Any]],
        keys: list[tuple[KeyInfo, bytes]],
        digest: bytes,
    ) -> None:
        """Use ``create`` or ``open``."""
        self._path = path
        self._file_keys = file_keys
        self._kek = kek
        self._check = check
        self._entries = entries
        self._infos = [info for info, _ in keys]
        self._values = {info.ref: value for info, value in keys}
        self._digest = digest

    @classmethod
    def create(
        cls, path: Path, secret: KeyEncryptionSecret, scrypt: ScryptParams | None = None
    ) -> SoftwareKeyStore:
        """Create an empty store at ``path`` (``FileExistsError`` if something is there)."""
        _refuse_link(path)
        if isinstance(secret, Passphrase) and len(secret.text) < MIN_PASSPHRASE_LENGTH:
            raise ValueError(
                f"a new key store's passphrase has at least {MIN_PASSPHRASE_LENGTH} characters"
            )
        kek = new_kek_header(secret, scrypt or ScryptParams())
        file_keys = derive_file_keys(secret, kek)
        check = new_check(file_keys, kek)
        raw = encode(file_keys, kek, check, [])
        with _locked(path):
            if path.exists():
                raise FileExistsError(f"a file already exists at {path}")
            _atomic_write(path, raw)
        log.info("key store created at %s", path)
        return cls(path, file_keys, kek, check, [], [], hashlib.sha256(raw).digest())

    @classmethod
    def open(cls, path: Path, secret: KeyEncryptionSecret) -> SoftwareKeyStore:
        """Open and verify the store at ``path``.

        ``StoreCorrupted`` if the file is truncated or altered, ``StoreLocked`` if the
        secret does not open it; the file is left as it is in both cases.
        """
        _refuse_link(path)
        raw = read_bounded(path, MAX_STORE_FILE_BYTES, "key store file")
        file_keys, decoded = decode(secret, raw)
        return cls(
            path,
            file_keys,
            decoded.kek,
            decoded.check,
            decoded.entries,
            decoded.keys,
            hashlib.sha256(raw).digest(),
        )

    def __repr__(self) -> str:
        return f"SoftwareKeyStore({str(self._path)!r}, {len(self._infos)} keys)"

    def log_mac(self, data: bytes) -> bytes:
        """HMAC-SHA256 under a key derived from the store file's MAC key (the secret's)."""
        key = hmac.new(self._file_keys.mac, _LOG_MAC_LABEL, hashlib.sha256).digest()
        return hmac.new(key, data, hashlib.sha256).digest()

    def close(self) -> None:
        """Forget the keys held in memory."""
        self._values.clear()
        self._infos.clear()

    def list_keys(self) -> list[KeyInfo]:
        """Every key (all versions), sorted by label and version."""
        return sorted(self._infos, key=lambda info: info.ref)

    def generate(self, label: str, algorithm: Algorithm, purpose: KeyPurpose) -> KeyInfo:
        """Create version 1 of a new random key; ``KeyExists`` if the label is taken."""
        version = new_key_version(self._infos, label, algorithm, purpose, may_exist=False)
        return self._add(label, version, algorithm, purpose, _random_key(algorithm))

    def import_components(
        self,
        label: str,
        algorithm: Algorithm,
        purpose: KeyPurpose,
        components: Sequence[KeyComponent],
    ) -> KeyInfo:
        """Store the key formed from checked components (next version if the label exists)."""
        version = new_key_version(self._infos, label, algorithm, purpose, may_exist=True)
        return self._add(
            label, version, algorithm, purpose, combine_components(algorithm, components)
        )

    def rotate(self, label: str) -> KeyInfo:
        """Add the next version of ``label`` as a new random key; older versions are kept."""
        current = latest(self._infos, label)
        version = new_key_version(
            self._infos, label, current.algorithm, current.purpose, may_exist=True
        )
        return self._add(
            label, version, current.algorithm, current.purpose, _random_key(current.algorithm)
        )

    def cryptogram(
        self, ref: KeyRef, path: CardKeyPath, process_factor: bytes, original: bytes
    ) -> bytes:
        """The authentication cryptogram of the card at ``path``."""
        info = find(self._infos, ref)
        require_cryptogram_key(info)
        card = diversify.card_key(info.algorithm, self._values[ref], path)
        session = diversify.session_key(info.algorithm, card, process_factor)
        return cryptograms.cryptogram(info.algorithm, session, original)

    def pin_command_mac(
        self, ref: KeyRef, path: CardKeyPath, challenge: bytes, header: bytes, data: bytes
    ) -> bytes:
        """The 4-byte RELOAD/UNBLOCK PIN MAC under the card's PIN-reload key."""
        info, card = self._card_key(ref, path, KeyPurpose.PIN_RELOAD)
        return mac.pin_command_mac(info.algorithm, card, challenge, header, data)

    def encrypt_pin(self, ref: KeyRef, path: CardKeyPath, pin_bcd: bytes) -> bytes:
        """UNBLOCK PIN's enciphered new PIN under the card's PIN-reload key."""
        info, card = self._card_key(ref, path, KeyPurpose.PIN_RELOAD)
        return pin.encrypt_pin(info.algorithm, card, pin_bcd)

    def export_wrapped(self, ref: KeyRef, transport: KeyRef) -> bytes:
        """Key ``ref`` wrapped under transport key ``transport``."""
        info = find(self._infos, ref)
        require_purpose(info, *sorted(CARD_KEY_PURPOSES))
        return self._wrap(transport, self._values[ref])

    def derive_card_key_wrapped(self, ref: KeyRef, path: CardKeyPath, transport: KeyRef) -> bytes:
        """The card key at ``path`` under master ``ref``, wrapped under ``transport``."""
        info = find(self._infos, ref)
        require_purpose(info, *sorted(CARD_KEY_PURPOSES))
        return self._wrap(transport, diversify.card_key(info.algorithm, self._values[ref], path))

    def _card_key(
        self, ref: KeyRef, path: CardKeyPath, purpose: KeyPurpose
    ) -> tuple[KeyInfo, bytes]:
        info = find(self._infos, ref)
        require_purpose(info, purpose)
        return info, diversify.card_key(info.algorithm, self._values[ref], path)

    def _wrap(self, transport: KeyRef, value: bytes) -> bytes:
        kek = find(self._infos, transport)
        require_purpose(kek, KeyPurpose.TRANSPORT)
        return wrap.wrap_key(kek.algorithm, self._values[transport], value)

    def _add(
        self, label: str, version: int, algorithm: Algorithm, purpose: KeyPurpose, value: bytes
    ) -> KeyInfo:
        check_key(algorithm, value)
        info = KeyInfo(label, version, algorithm, purpose, key_check_value(algorithm, value))
        entries = [*self._entries, seal_entry(self._file_keys, info, value)]
        raw = encode(self._file_keys, self._kek, self._check, entries)
        with _locked(self._path):
            on_disk = hashlib.sha256(self._path.read_bytes()).digest()
            if on_disk != self._digest:
                raise StoreChanged("the key store changed on disk since it was opened; reopen it")
            _atomic_write(self._path, raw)
        self._entries = entries
        self._infos.append(info)
        self._values[info.ref] = value
        self._digest = hashlib.sha256(raw).digest()
        log.info(
            "key %s stored (%s %s, KCV %s)", info.ref, algorithm, purpose, info.kcv.hex().upper()
        )
        return info


def _random_key(algorithm: Algorithm) -> bytes:
    value = os.urandom(algorithm.key_length)
    return with_odd_parity(value) if algorithm is Algorithm.TDES else value


def lock_file(path: Path) -> Path:
    """The file beside the store at ``path`` that its writers lock to take turns
    (``<path>.lock``). It stays once made: removed while a writer waits on it, two writers
    could lock two different files and both write. Only a store nobody else can know of
    yet (one just made) may drop it."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file(path)`` (writers of one store take turns)."""
    fd = os.open(lock_file(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _atomic_write(path: Path, raw: bytes) -> None:
    """Write ``raw`` to a temporary file beside ``path``, fsync it, rename it over ``path``."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(raw)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _refuse_link(path: Path) -> None:
    # A store opened through a link would be rewritten as a copy beside the link, with a
    # ceremony log of its own: the real store and its log would never see the step.
    if path.is_symlink():
        raise ValueError(f"{path} is a symbolic link: give the key store file itself")
