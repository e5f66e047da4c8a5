"""The enciphered new PIN of UNBLOCK PIN (profile §5)."""

from __future__ import annotations

from keys.algorithms import Algorithm, ecb_encrypt
from keys.mac import pad_method_2

MIN_PIN_LENGTH = 2
MAX_PIN_LENGTH = 6


def pin_block(algorithm: Algorithm, pin: bytes) -> bytes:
    """``len ‖ PIN ‖ 80 00…`` padded to whole blocks; ``pin`` is the BCD PIN (2–6 bytes).

    [profile reading] ``len`` is the PIN's length in bytes, as VERIFY carries it.
    """
    if not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        raise ValueError("a PIN is 2 to 6 BCD bytes")
    return pad_method_2(bytes([len(pin)]) + pin, algorithm.block_size)


def encrypt_pin(algorithm: Algorithm, key: bytes, pin: bytes) -> bytes:
    """``E_PRK(len ‖ PIN ‖ 80 00…)`` in ECB under the card's PIN-reload key."""
    return ecb_encrypt(algorithm, key, pin_block(algorithm, pin))
