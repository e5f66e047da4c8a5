"""Algorithms and key purposes, and the block-cipher primitives every other module uses.

``TDES`` is double-length (two-key) 3DES, the card algorithm of 2.00 cards; ``cryptography``
only offers 3DES in its ``decrepit`` module and deprecates two-key keys, so a 16-byte key
K1‖K2 is always expanded here to the three-key form K1‖K2‖K1 (same cipher, no warning).
``AES128`` is not a card algorithm of the profile [project choice]: it plays SM4's part
(same 16-byte block, same rules) where a backend has no SM4, such as SoftHSM2.
``AES256`` only protects other keys (transport keys).
"""

from __future__ import annotations

import enum

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import BlockCipherAlgorithm, Cipher, algorithms, modes


class Algorithm(enum.StrEnum):
    """A key's algorithm; the value is the name people and files use."""

    SM4 = "SM4"
    TDES = "3DES"
    AES128 = "AES-128"
    AES256 = "AES-256"

    @property
    def key_length(self) -> int:
        """Key length in bytes."""
        return 32 if self is Algorithm.AES256 else 16

    @property
    def block_size(self) -> int:
        """Block length in bytes."""
        return 8 if self is Algorithm.TDES else 16

    @property
    def card_algorithm(self) -> bool:
        """True if card keys of this algorithm can be diversified (profile §5)."""
        return self is not Algorithm.AES256


class KeyPurpose(enum.StrEnum):
    """What a key is for. Card-key purposes follow profile §5; TRANSPORT protects exports."""

    INTERNAL_AUTH = "IRK"
    READ = "RKSSSE"
    UPDATE = "UK"
    PIN_RELOAD = "PRK"
    TRANSPORT = "TK"


#: Purposes whose keys a card holds, diversified from a master key.
CARD_KEY_PURPOSES = frozenset(
    {KeyPurpose.INTERNAL_AUTH, KeyPurpose.READ, KeyPurpose.UPDATE, KeyPurpose.PIN_RELOAD}
)
#: Purposes whose master keys a province's PSAM holds (profile §5 key types 8, 9 and 6).
PSAM_KEY_PURPOSES = frozenset({KeyPurpose.INTERNAL_AUTH, KeyPurpose.READ, KeyPurpose.UPDATE})


def check_key(algorithm: Algorithm, key: bytes) -> None:
    """Raise ``ValueError`` if ``key`` has the wrong length for ``algorithm`` (never shows it)."""
    if len(key) != algorithm.key_length:
        raise ValueError(f"a {algorithm} key is {algorithm.key_length} bytes, got {len(key)}")


def _cipher(algorithm: Algorithm, key: bytes) -> BlockCipherAlgorithm:
    check_key(algorithm, key)
    if algorithm is Algorithm.TDES:
        return TripleDES(key + key[:8])
    if algorithm is Algorithm.SM4:
        return algorithms.SM4(key)
    return algorithms.AES(key)


def _check_blocks(algorithm: Algorithm, data: bytes) -> None:
    if len(data) % algorithm.block_size:
        raise ValueError(f"{algorithm} data must be whole {algorithm.block_size}-byte blocks")


def ecb_encrypt(algorithm: Algorithm, key: bytes, data: bytes) -> bytes:
    """Encrypt whole blocks in ECB mode."""
    _check_blocks(algorithm, data)
    encryptor = Cipher(_cipher(algorithm, key), modes.ECB()).encryptor()  # noqa: S305 - block by block by design
    return encryptor.update(data) + encryptor.finalize()


def ecb_decrypt(algorithm: Algorithm, key: bytes, data: bytes) -> bytes:
    """Decrypt whole blocks in ECB mode."""
    _check_blocks(algorithm, data)
    decryptor = Cipher(_cipher(algorithm, key), modes.ECB()).decryptor()  # noqa: S305 - block by block by design
    return decryptor.update(data) + decryptor.finalize()


def cbc_encrypt(algorithm: Algorithm, key: bytes, iv: bytes, data: bytes) -> bytes:
    """Encrypt whole blocks in CBC mode from ``iv``."""
    _check_blocks(algorithm, data)
    if len(iv) != algorithm.block_size:
        raise ValueError(f"a {algorithm} IV is {algorithm.block_size} bytes")
    encryptor = Cipher(_cipher(algorithm, key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def des_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """Single-DES CBC with an 8-byte key (run as 3DES K‖K‖K, which is the same cipher)."""
    if len(key) != 8:
        raise ValueError(f"a single-DES key is 8 bytes, got {len(key)}")
    return cbc_encrypt(Algorithm.TDES, key + key, iv, data)


def with_odd_parity(key: bytes) -> bytes:
    """Set the low bit of every byte so that each byte has odd parity (DES key parity)."""
    return bytes(b & 0xFE | (bin(b >> 1).count("1") + 1) % 2 for b in key)
