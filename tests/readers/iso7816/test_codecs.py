"""The ``cn`` (BCD, F-padded) and ``an`` (GBK, 00/FF-padded) field codecs of profile §2."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readers.iso7816.codecs import decode_an, decode_cn, encode_an, encode_cn
from readers.iso7816.errors import FieldCodecError, FormatError

h = bytes.fromhex

# --- cn ---


@pytest.mark.parametrize(
    ("digits", "length", "encoded"),
    [
        pytest.param("20101001", 4, h("20 10 10 01"), id="issue-date"),
        pytest.param("320102", 3, h("32 01 02"), id="birthplace-full"),
        pytest.param("3201", 3, h("32 01 FF"), id="birthplace-F-padded"),
        pytest.param("01", 1, h("01"), id="ethnic-group"),
        pytest.param("123456", 3, h("12 34 56"), id="default-PIN"),
        pytest.param("123", 2, h("12 3F"), id="odd-digit-count"),
        pytest.param("", 3, h("FF FF FF"), id="empty-is-all-F"),
    ],
)
def test_cn_byte_exact(digits: str, length: int, encoded: bytes) -> None:
    assert encode_cn(digits, length) == encoded
    assert decode_cn(encoded) == digits


@pytest.mark.parametrize(
    ("digits", "length"),
    [
        pytest.param("3201021", 3, id="too-many-digits"),
        pytest.param("32A1", 3, id="hex-letter"),
        pytest.param("32 1", 3, id="space"),
        pytest.param("-1", 3, id="sign"),
        pytest.param("３２", 3, id="full-width-digits"),
        pytest.param("²", 3, id="superscript-digit"),
    ],
)
def test_encode_cn_rejects(digits: str, length: int) -> None:
    with pytest.raises(FieldCodecError):
        encode_cn(digits, length)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(h("1A"), id="nibble-A"),
        pytest.param(h("B0"), id="nibble-B"),
        pytest.param(h("3C FF"), id="nibble-C"),
        pytest.param(h("2D"), id="nibble-D"),
        pytest.param(h("E0 FF"), id="nibble-E"),
        pytest.param(h("F1"), id="digit-after-F"),
        pytest.param(h("32 F1 FF"), id="digit-after-F-mid-field"),
        pytest.param(h("3F 12"), id="digits-after-F"),
        pytest.param(h("3F FA"), id="letter-after-F"),
    ],
)
def test_decode_cn_rejects(raw: bytes) -> None:
    with pytest.raises(FieldCodecError):
        decode_cn(raw)


# --- an ---

ZHANG_SAN = h("D5 C5 C8 FD")


def test_gbk_name_bytes() -> None:
    assert encode_an("张三", 4) == ZHANG_SAN


@pytest.mark.parametrize(
    ("text", "length", "pad", "encoded"),
    [
        pytest.param("张三", 30, 0x00, ZHANG_SAN + bytes(26), id="name-00-padded"),
        pytest.param("张三", 20, 0xFF, ZHANG_SAN + b"\xff" * 16, id="name-FF-padded"),
        pytest.param("3", 1, 0x00, h("33"), id="card-type"),
        pytest.param("3.00", 4, 0x00, h("33 2E 30 30"), id="spec-version"),
        pytest.param("", 2, 0x00, h("00 00"), id="empty"),
    ],
)
def test_an_byte_exact(text: str, length: int, pad: int, encoded: bytes) -> None:
    assert encode_an(text, length, pad=pad) == encoded
    assert decode_an(encoded) == text


def test_decode_an_drops_mixed_trailing_padding() -> None:
    assert decode_an(ZHANG_SAN + h("00 FF 00")) == "张三"


def test_decode_an_keeps_inner_00() -> None:
    assert decode_an(h("31 00 32 00")) == "1\x002"


def test_an_ascii_encoding_is_selectable() -> None:
    assert encode_an("X00000019", 9, encoding="ascii") == b"X00000019"
    assert decode_an(b"X00000019", encoding="ascii") == "X00000019"


@pytest.mark.parametrize(
    ("text", "length"),
    [
        pytest.param("张三", 3, id="too-long"),
        pytest.param("😀", 8, id="not-in-GBK"),
    ],
)
def test_encode_an_rejects(text: str, length: int) -> None:
    with pytest.raises(FieldCodecError):
        encode_an(text, length)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(h("D5"), id="lone-lead-byte"),
        pytest.param(h("D5 C5 C8 00"), id="lead-byte-before-padding"),
        pytest.param(h("80"), id="byte-80"),
    ],
)
def test_decode_an_rejects_invalid_gbk(raw: bytes) -> None:
    with pytest.raises(FieldCodecError):
        decode_an(raw)


# --- properties ---


def gbk_encodable(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


# Trailing NULs are indistinguishable from padding, so a field cannot carry them.
an_texts = st.text(max_size=15).filter(lambda t: gbk_encodable(t) and not t.endswith("\x00"))


@given(st.binary(max_size=64))
def test_decode_cn_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        decode_cn(raw)


@given(st.binary(max_size=64))
def test_decode_an_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        decode_an(raw)


@given(st.data(), st.integers(1, 16))
def test_cn_round_trips(data: st.DataObject, length: int) -> None:
    digits = data.draw(st.text(alphabet="0123456789", max_size=2 * length))

    encoded = encode_cn(digits, length)

    assert len(encoded) == length
    assert decode_cn(encoded) == digits


@given(an_texts, st.integers(0, 10), st.sampled_from([0x00, 0xFF]))
def test_an_round_trips(text: str, extra: int, pad: int) -> None:
    length = len(text.encode("gbk")) + extra

    encoded = encode_an(text, length, pad=pad)

    assert len(encoded) == length
    assert decode_an(encoded) == text
