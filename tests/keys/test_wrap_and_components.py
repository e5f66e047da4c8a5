"""Key wrapping (RFC 3394 over AES and SM4) and custodians' key components."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from hypothesis import given
from hypothesis import strategies as st

from keys.algorithms import Algorithm
from keys.components import KeyComponent, combine_components
from keys.errors import ComponentCheckFailed, UnwrapFailed
from keys.kcv import key_check_value, parse_kcv
from keys.wrap import unwrap_key, wrap_key

blocks = st.integers(min_value=2, max_value=5).flatmap(
    lambda n: st.binary(min_size=8 * n, max_size=8 * n)
)


@given(kek=st.binary(min_size=32, max_size=32), key=blocks)
def test_aes_wrap_is_aes_kw(kek: bytes, key: bytes) -> None:
    wrapped = wrap_key(Algorithm.AES256, kek, key)
    assert wrapped == aes_key_wrap(kek, key)
    assert aes_key_unwrap(kek, wrapped) == key


@given(kek=st.binary(min_size=16, max_size=16), key=blocks)
def test_sm4_wrap_round_trip(kek: bytes, key: bytes) -> None:
    assert unwrap_key(Algorithm.SM4, kek, wrap_key(Algorithm.SM4, kek, key)) == key


def test_unwrap_detects_wrong_kek_and_tampering() -> None:
    wrapped = wrap_key(Algorithm.SM4, bytes(16), bytes(range(16)))
    with pytest.raises(UnwrapFailed):
        unwrap_key(Algorithm.SM4, bytes([1]) + bytes(15), wrapped)
    with pytest.raises(UnwrapFailed):
        unwrap_key(Algorithm.SM4, bytes(16), wrapped[:-1] + bytes([wrapped[-1] ^ 1]))


def test_3des_cannot_wrap() -> None:
    with pytest.raises(ValueError, match="cannot wrap"):
        wrap_key(Algorithm.TDES, bytes(16), bytes(16))


def components_of(algorithm: Algorithm, *values: bytes) -> list[KeyComponent]:
    return [KeyComponent(v, key_check_value(algorithm, v)) for v in values]


def test_two_and_three_components_xor_into_the_key() -> None:
    a, b, c = bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48))
    two = combine_components(Algorithm.SM4, components_of(Algorithm.SM4, a, b))
    assert two == bytes(x ^ y for x, y in zip(a, b, strict=True))
    three = combine_components(Algorithm.AES128, components_of(Algorithm.AES128, a, b, c))
    assert three == bytes(x ^ y ^ z for x, y, z in zip(a, b, c, strict=True))


def test_3des_combined_key_gets_odd_parity() -> None:
    # 01 and 02 both have odd parity; their XOR 03 has not and becomes 02.
    first, second = bytes.fromhex("01" * 16), bytes.fromhex("02" * 16)
    key = combine_components(Algorithm.TDES, components_of(Algorithm.TDES, first, second))
    assert key == bytes.fromhex("02" * 16)


def test_component_with_wrong_kcv_names_its_custodian() -> None:
    good = components_of(Algorithm.SM4, bytes(range(16)), bytes(16))
    bad = KeyComponent(bytes(range(1, 17)), good[1].check_value)
    with pytest.raises(ComponentCheckFailed) as caught:
        combine_components(Algorithm.SM4, [good[0], bad])
    assert caught.value.custodian == 2


@pytest.mark.parametrize("count", [1, 4])
def test_component_count(count: int) -> None:
    with pytest.raises(ValueError, match="2 or 3"):
        combine_components(Algorithm.SM4, components_of(Algorithm.SM4, *[bytes(16)] * count))


def test_parse_kcv() -> None:
    assert parse_kcv("8b af 47") == bytes.fromhex("8BAF47")
    for text in ["8BAF", "8BAF47FF", "zz0000"]:
        with pytest.raises(ValueError, match="6 hexadecimal digits"):
            parse_kcv(text)


def test_component_repr_hides_the_value() -> None:
    value = bytes(range(16))
    assert value.hex() not in repr(KeyComponent(value, b"\x00\x00\x00")).lower()
