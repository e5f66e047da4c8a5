"""CBC-MACs, and the MAC of the PIN commands (RELOAD PIN, UNBLOCK PIN; profile §5).

3DES MACs are ISO/IEC 9797-1 MAC algorithm 3 (the "retail MAC": a single-DES CBC chain
under K1, the last block 3DES under K1‖K2); SM4 and AES-128 MACs are a plain CBC-MAC.
Both pad with ISO/IEC 9797-1 padding method 2 (``80 00…``).
"""

from __future__ import annotations

from keys.algorithms import Algorithm, cbc_encrypt, des_cbc_encrypt, ecb_encrypt

CHALLENGE_LENGTH = 4
MAC_LENGTH = 4
COMMAND_HEADER_LENGTH = 4
_MAX_SHORT_LC = 255


def pad_method_2(data: bytes, block_size: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append ``80``, then ``00`` up to a whole block."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block_size)


def retail_mac(key: bytes, iv: bytes, padded: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 over already padded data; the full 8-byte MAC.

    ``key`` is K1‖K2 (16 bytes). Blocks 1…q−1 are chained with single DES under K1; the
    last block, XORed with that chain value, is encrypted with 3DES (K1, K2, K1), which
    equals the standard's output transformation 3 applied to the last single-DES step.
    """
    if len(key) != Algorithm.TDES.key_length:
        raise ValueError("a retail MAC key is 16 bytes")
    if not padded or len(padded) % 8:
        raise ValueError("retail MAC data must be whole 8-byte blocks")
    chain = iv
    if len(padded) > 8:
        chain = des_cbc_encrypt(key[:8], iv, padded[:-8])[-8:]
    last = bytes(a ^ b for a, b in zip(chain, padded[-8:], strict=True))
    return ecb_encrypt(Algorithm.TDES, key, last)


def cbc_mac(algorithm: Algorithm, key: bytes, iv: bytes, padded: bytes) -> bytes:
    """The full-block MAC over already padded data: retail MAC for 3DES, CBC-MAC otherwise."""
    if algorithm is Algorithm.TDES:
        return retail_mac(key, iv, padded)
    if not padded:
        raise ValueError("MAC data must not be empty")
    return cbc_encrypt(algorithm, key, iv, padded)[-algorithm.block_size :]


def pin_command_mac_input(
    algorithm: Algorithm, challenge: bytes, header: bytes, data: bytes
) -> tuple[bytes, bytes]:
    """The IV and padded data the PIN-command MAC is computed over.

    IV = the 4-byte card challenge followed by zeros to the block size; data = CLA INS P1
    P2 ‖ Lc (which counts the 4 MAC bytes) ‖ command data, padded with method 2.
    """
    if len(challenge) != CHALLENGE_LENGTH:
        raise ValueError("a MAC challenge is 4 bytes")
    if len(header) != COMMAND_HEADER_LENGTH:
        raise ValueError("a command header is CLA INS P1 P2, 4 bytes")
    lc = len(data) + MAC_LENGTH
    if lc > _MAX_SHORT_LC:
        raise ValueError("command data too long for a short APDU")
    iv = challenge + bytes(algorithm.block_size - CHALLENGE_LENGTH)
    return iv, pad_method_2(header + bytes([lc]) + data, algorithm.block_size)


def pin_command_mac(
    algorithm: Algorithm, key: bytes, challenge: bytes, header: bytes, data: bytes
) -> bytes:
    """The 4-byte MAC of a RELOAD/UNBLOCK PIN command under the card's PIN-reload key."""
    iv, padded = pin_command_mac_input(algorithm, challenge, header, data)
    return cbc_mac(algorithm, key, iv, padded)[:MAC_LENGTH]
