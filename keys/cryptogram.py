"""Authentication cryptograms (INTERNAL and EXTERNAL AUTHENTICATE, profile §5)."""

from __future__ import annotations

from keys.algorithms import Algorithm, ecb_encrypt

ORIGINAL_DATA_LENGTH = 8
_SM4_PADDING = b"\x80" + bytes(7)


def cryptogram(algorithm: Algorithm, session_key: bytes, original: bytes) -> bytes:
    """The 8-byte cryptogram over 8 bytes of original data ``orig``.

    SM4 (and AES-128): first 8 bytes of ``E_SK(orig ‖ 80 00 00 00 00 00 00 00)``;
    3DES: ``E_SK(orig)``.
    """
    if not algorithm.card_algorithm:
        raise ValueError(f"{algorithm} keys make no cryptograms")
    if len(original) != ORIGINAL_DATA_LENGTH:
        raise ValueError("cryptogram original data is 8 bytes")
    if algorithm is Algorithm.TDES:
        return ecb_encrypt(algorithm, session_key, original)
    return ecb_encrypt(algorithm, session_key, original + _SM4_PADDING)[:ORIGINAL_DATA_LENGTH]
