"""Key wrapping for export: the RFC 3394 key-wrap algorithm over a 128-bit block cipher.

Under an AES key this is exactly AES-KW (RFC 3394, NIST SP 800-38F "KW"), as PKCS#11
``CKM_AES_KEY_WRAP`` computes it; under an SM4 key it is the same construction with SM4
as the block cipher [project choice: "SM4-KW", for receivers that hold only SM4 keys].
The wrapped form is 8 bytes longer than the key and carries an integrity check.
"""

from __future__ import annotations

from keys.algorithms import Algorithm, ecb_decrypt, ecb_encrypt
from keys.errors import UnwrapFailed

_IV = bytes.fromhex("A6A6A6A6A6A6A6A6")
_ROUNDS = 6


def _check_kek(algorithm: Algorithm) -> None:
    if algorithm.block_size != 16:
        raise ValueError(f"{algorithm} keys cannot wrap (a 128-bit block cipher is needed)")


def wrap_key(algorithm: Algorithm, kek: bytes, key: bytes) -> bytes:
    """Wrap ``key`` (16 bytes or more, whole 8-byte blocks) under the key-encryption key."""
    _check_kek(algorithm)
    if len(key) < 16 or len(key) % 8:
        raise ValueError("a wrapped key is at least 16 bytes, in whole 8-byte blocks")
    a, r = _IV, [key[i : i + 8] for i in range(0, len(key), 8)]
    n = len(r)
    for j in range(_ROUNDS):
        for i in range(n):
            b = ecb_encrypt(algorithm, kek, a + r[i])
            a, r[i] = _xor_counter(b[:8], n * j + i + 1), b[8:]
    return a + b"".join(r)


def unwrap_key(algorithm: Algorithm, kek: bytes, wrapped: bytes) -> bytes:
    """Unwrap what ``wrap_key`` produced; ``UnwrapFailed`` if the integrity check fails."""
    _check_kek(algorithm)
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise ValueError("a wrapped key is at least 24 bytes, in whole 8-byte blocks")
    a, r = wrapped[:8], [wrapped[i : i + 8] for i in range(8, len(wrapped), 8)]
    n = len(r)
    for j in reversed(range(_ROUNDS)):
        for i in reversed(range(n)):
            b = ecb_decrypt(algorithm, kek, _xor_counter(a, n * j + i + 1) + r[i])
            a, r[i] = b[:8], b[8:]
    if a != _IV:
        raise UnwrapFailed("the wrapped key fails its integrity check (wrong transport key?)")
    return b"".join(r)


def _xor_counter(block: bytes, t: int) -> bytes:
    return (int.from_bytes(block, "big") ^ t).to_bytes(8, "big")
