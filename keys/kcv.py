"""Key check values: how people identify a key without seeing it.

Convention used for every algorithm: the first 3 bytes of the key encrypting one block of
zeros (8 bytes for 3DES, 16 for SM4 and AES). This is the classic DES/3DES KCV (the
GlobalPlatform default key 404142…4F has KCV 8BAF47) and the one SM4 tooling uses; for
AES some standards (ANSI X9.24-1:2017) prefer an AES-CMAC of a zero block instead — that
convention is not used here, so compare AES KCVs only with zero-block-encryption tools.
"""

from __future__ import annotations

from keys.algorithms import Algorithm, ecb_encrypt

KCV_LENGTH = 3


def key_check_value(algorithm: Algorithm, key: bytes) -> bytes:
    """The 3-byte key check value of ``key``."""
    return ecb_encrypt(algorithm, key, bytes(algorithm.block_size))[:KCV_LENGTH]


def parse_kcv(text: str) -> bytes:
    """A KCV as people write it (6 hex digits, spaces allowed) → 3 bytes; ``ValueError`` else."""
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise ValueError("a check value is 6 hexadecimal digits") from None
    if len(value) != KCV_LENGTH:
        raise ValueError("a check value is 6 hexadecimal digits")
    return value
