"""Profile §5 restated with raw ``cryptography`` calls, block by block, for the card-side tests.

Nothing here uses ``keys`` or the simulators: the soft card and PSAM must agree with this
independent reading of the profile, not only with themselves.
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def _cipher(sm4: bool, key: bytes) -> Cipher[modes.ECB]:
    algorithm = algorithms.SM4(key) if sm4 else TripleDES(key[:8] + key[8:16] + key[:8])
    return Cipher(algorithm, modes.ECB())  # noqa: S305 - one block at a time


def encrypt(sm4: bool, key: bytes, block: bytes) -> bytes:
    encryptor = _cipher(sm4, key).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def des(key8: bytes, block: bytes) -> bytes:
    encryptor = Cipher(TripleDES(key8 * 3), modes.ECB()).encryptor()  # noqa: S305 - one block
    return encryptor.update(block) + encryptor.finalize()


def odd_parity(key: bytes) -> bytes:
    return bytes((b & 0xFE) | (0 if sum((b >> i) & 1 for i in range(1, 8)) % 2 else 1) for b in key)


def diversify(sm4: bool, key: bytes, factor: bytes) -> bytes:
    """SM4: E_K(D ‖ ~D). 3DES: E_K(D) ‖ E_K(~D), odd parity."""
    inverted = bytes(0xFF - b for b in factor)
    if sm4:
        return encrypt(True, key, factor + inverted)
    return odd_parity(encrypt(False, key, factor) + encrypt(False, key, inverted))


def card_key(sm4: bool, master: bytes, region: str, card_id: bytes) -> bytes:
    city = diversify(sm4, master, region.encode() + b"sx")
    return diversify(sm4, city, card_id[8:])


def cryptogram(sm4: bool, card_key_: bytes, pf: bytes, orig: bytes) -> bytes:
    """Cryptogram of ``orig`` under the session key diversify(card key, pf)."""
    session = diversify(sm4, card_key_, pf)
    if sm4:
        return encrypt(True, session, orig + bytes.fromhex("8000000000000000"))[:8]
    return encrypt(False, session, orig)


def pin_mac(sm4: bool, key: bytes, challenge: bytes, message: bytes) -> bytes:
    """MAC of header ‖ Lc ‖ data: IV = challenge ‖ 00…, 80-padding; 3DES = retail MAC."""
    size = 16 if sm4 else 8
    padded = message + b"\x80"
    padded += bytes(-len(padded) % size)
    chain = challenge + bytes(size - len(challenge))
    blocks = [padded[i : i + size] for i in range(0, len(padded), size)]
    for index, block in enumerate(blocks):
        mixed = bytes(x ^ y for x, y in zip(chain, block, strict=True))
        if sm4:
            chain = encrypt(True, key, mixed)
        elif index < len(blocks) - 1:
            chain = des(key[:8], mixed)
        else:
            chain = encrypt(False, key, mixed)
    return chain[:4]


def enciphered_pin(sm4: bool, key: bytes, pin: bytes) -> bytes:
    """E_PRK(len ‖ PIN ‖ 80 00…), ECB, one block for a PIN of up to 6 bytes."""
    size = 16 if sm4 else 8
    block = bytes([len(pin)]) + pin + b"\x80"
    return encrypt(sm4, key, block + bytes(size - len(block)))
