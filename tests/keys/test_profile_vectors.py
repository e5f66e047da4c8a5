"""Our profile (§5) checked against a reference written here with raw ``cryptography`` calls.

Nothing from ``keys`` computes an expected value: each rule of the profile is restated
below block by block, so a mistake in ``keys`` cannot hide by agreeing with itself.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from keys import cryptogram, diversify, kcv, mac, pin
from keys.algorithms import Algorithm
from keys.diversify import CardKeyPath

MASTER = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
REGION = "320100"
CARD_ID = bytes.fromhex("320100D1560000051A2B3C4DF591858C")
PROCESS_FACTOR = bytes.fromhex("1122334455667788")
ORIGINAL = bytes.fromhex("A1B2C3D4E5F60718")
CHALLENGE = bytes.fromhex("0A0B0C0D")
RELOAD_HEADER = bytes.fromhex("805E0000")
NEW_PIN = bytes.fromhex("654321")

CARD_ALGORITHMS = [Algorithm.SM4, Algorithm.TDES, Algorithm.AES128]


def raw_cipher(algorithm: Algorithm, key: bytes) -> algorithms.SM4 | algorithms.AES | TripleDES:
    if algorithm is Algorithm.SM4:
        return algorithms.SM4(key)
    if algorithm is Algorithm.AES128:
        return algorithms.AES(key)
    return TripleDES(key[:8] + key[8:16] + key[:8])


def raw_encrypt_block(algorithm: Algorithm, key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(raw_cipher(algorithm, key), modes.ECB()).encryptor()  # noqa: S305 - one block
    return encryptor.update(block) + encryptor.finalize()


def raw_des(key8: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key8 * 3), modes.ECB())  # noqa: S305 - one block
    context = cipher.decryptor() if decrypt else cipher.encryptor()
    return context.update(block) + context.finalize()


def odd_parity(key: bytes) -> bytes:
    out = bytearray()
    for byte in key:
        ones = sum((byte >> bit) & 1 for bit in range(1, 8))
        out.append((byte & 0xFE) | (0 if ones % 2 else 1))
    return bytes(out)


def reference_diversify(algorithm: Algorithm, key: bytes, factor: bytes) -> bytes:
    inverted = bytes(0xFF - b for b in factor)
    if algorithm is Algorithm.TDES:
        left = raw_encrypt_block(algorithm, key, factor)
        right = raw_encrypt_block(algorithm, key, inverted)
        return odd_parity(left + right)
    return raw_encrypt_block(algorithm, key, factor + inverted)


def reference_card_key(algorithm: Algorithm) -> bytes:
    city = reference_diversify(algorithm, MASTER, b"320100sx")
    return reference_diversify(algorithm, city, CARD_ID[8:])


def reference_mac(algorithm: Algorithm, key: bytes, iv: bytes, message: bytes) -> bytes:
    size = 8 if algorithm is Algorithm.TDES else 16
    padded = message + b"\x80" + b"\x00" * ((size - (len(message) + 1) % size) % size)
    chain = iv
    blocks = [padded[i : i + size] for i in range(0, len(padded), size)]
    for index, block in enumerate(blocks):
        mixed = bytes(x ^ y for x, y in zip(chain, block, strict=True))
        if algorithm is not Algorithm.TDES:
            chain = raw_encrypt_block(algorithm, key, mixed)
        elif index < len(blocks) - 1:
            chain = raw_des(key[:8], mixed)
        else:  # ISO 9797-1 output transformation 3 on the last single-DES step
            step = raw_des(key[:8], mixed)
            chain = raw_des(key[:8], raw_des(key[8:], step, decrypt=True))
    return chain[:4]


@pytest.mark.parametrize("algorithm", CARD_ALGORITHMS)
def test_city_card_and_session_keys(algorithm: Algorithm) -> None:
    city = reference_diversify(algorithm, MASTER, b"320100sx")
    card = reference_diversify(algorithm, city, bytes.fromhex("1A2B3C4DF591858C"))
    session = reference_diversify(algorithm, card, PROCESS_FACTOR)
    path = CardKeyPath(REGION, CARD_ID)
    assert diversify.city_key(algorithm, MASTER, REGION) == city
    assert diversify.card_key(algorithm, MASTER, path) == card
    assert diversify.session_key(algorithm, card, PROCESS_FACTOR) == session


@pytest.mark.parametrize("algorithm", CARD_ALGORITHMS)
def test_cryptogram(algorithm: Algorithm) -> None:
    session = reference_diversify(algorithm, reference_card_key(algorithm), PROCESS_FACTOR)
    if algorithm is Algorithm.TDES:
        expected = raw_encrypt_block(algorithm, session, ORIGINAL)
    else:
        expected = raw_encrypt_block(algorithm, session, ORIGINAL + bytes.fromhex("80" + "00" * 7))
    assert cryptogram.cryptogram(algorithm, session, ORIGINAL) == expected[:8]


@pytest.mark.parametrize("algorithm", CARD_ALGORITHMS)
@pytest.mark.parametrize("data", [b"", NEW_PIN, bytes(range(11)), bytes(range(12)), bytes(40)])
def test_pin_command_mac(algorithm: Algorithm, data: bytes) -> None:
    key = reference_card_key(algorithm)
    size = 8 if algorithm is Algorithm.TDES else 16
    iv = CHALLENGE + bytes(size - 4)
    message = RELOAD_HEADER + bytes([len(data) + 4]) + data
    expected = reference_mac(algorithm, key, iv, message)
    assert mac.pin_command_mac(algorithm, key, CHALLENGE, RELOAD_HEADER, data) == expected


@pytest.mark.parametrize("algorithm", CARD_ALGORITHMS)
def test_unblock_pin_data(algorithm: Algorithm) -> None:
    key = reference_card_key(algorithm)
    size = 8 if algorithm is Algorithm.TDES else 16
    block = bytes([3]) + NEW_PIN + b"\x80"
    block += bytes(-len(block) % size)
    expected = b"".join(
        raw_encrypt_block(algorithm, key, block[i : i + size]) for i in range(0, len(block), size)
    )
    assert pin.encrypt_pin(algorithm, key, NEW_PIN) == expected


@pytest.mark.parametrize("algorithm", CARD_ALGORITHMS)
def test_kcv_is_first_three_bytes_of_zero_block(algorithm: Algorithm) -> None:
    size = 8 if algorithm is Algorithm.TDES else 16
    expected = raw_encrypt_block(algorithm, MASTER, bytes(size))[:3]
    assert kcv.key_check_value(algorithm, MASTER) == expected


@given(key=st.binary(min_size=16, max_size=16), factor=st.binary(min_size=8, max_size=8))
def test_3des_diversified_keys_have_odd_parity(key: bytes, factor: bytes) -> None:
    derived = diversify.diversify(Algorithm.TDES, key, factor)
    assert all(bin(byte).count("1") % 2 == 1 for byte in derived)
    assert derived == reference_diversify(Algorithm.TDES, key, factor)


@pytest.mark.parametrize(
    ("region", "card_id"),
    [("32010", CARD_ID), ("3201a0", CARD_ID), (REGION, CARD_ID[:15]), (REGION, CARD_ID + b"\x00")],
)
def test_card_key_path_rejects_malformed_input(region: str, card_id: bytes) -> None:
    with pytest.raises(ValueError, match=r"region code|identification code"):
        CardKeyPath(region, card_id)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: diversify.diversify(Algorithm.SM4, MASTER, b"short"), "factor is 8 bytes"),
        (lambda: diversify.diversify(Algorithm.AES256, bytes(32), bytes(8)), "not diversified"),
        (lambda: cryptogram.cryptogram(Algorithm.SM4, MASTER, b"1234567"), "8 bytes"),
        (lambda: mac.pin_command_mac(Algorithm.SM4, MASTER, b"123", b"1234", b""), "challenge"),
        (lambda: mac.pin_command_mac(Algorithm.SM4, MASTER, b"1234", b"123", b""), "header"),
        (lambda: mac.pin_command_mac(Algorithm.SM4, MASTER, b"1234", b"1234", bytes(252)), "long"),
        (lambda: pin.encrypt_pin(Algorithm.SM4, MASTER, b"\x12"), "2 to 6"),
        (lambda: kcv.key_check_value(Algorithm.TDES, bytes(8)), "16 bytes"),
    ],
)
def test_caller_mistakes_are_value_errors(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()
