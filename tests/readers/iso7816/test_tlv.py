"""Simple TLV (SSC records) and BER-TLV (the FCI of SELECT SSSE)."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readers.iso7816.errors import FormatError, MalformedTlvError
from readers.iso7816.tlv import (
    BerTlv,
    encode_ber_tlv,
    encode_simple_tlv,
    find_ber_tlv,
    iter_simple_tlv,
    parse_ber_tlvs,
    parse_simple_tlv,
)

h = bytes.fromhex

SSSE_NAME = h("73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF")
# FCI of SELECT SSSE on an SM4 card: 6F { 84 name(15), A5 { 9F0C 03 86 01 03 } }
# 84 0F + 15 = 17 bytes, A5 06 + 6 = 8 bytes, so 6F holds 25 = 0x19 bytes.
SSSE_FCI = h("6F 19 84 0F") + SSSE_NAME + h("A5 06 9F 0C 03 86 01 03")

# --- simple TLV ---


@pytest.mark.parametrize(
    ("tag", "value", "encoded"),
    [
        pytest.param(0x0A, b"1", h("0A 01 31"), id="sex-record"),
        pytest.param(0x0C, h("32 01 FF"), h("0C 03 32 01 FF"), id="birthplace-record"),
        pytest.param(0x01, b"", h("01 00"), id="empty-value"),
        pytest.param(0x09, bytes(254), h("09 FE") + bytes(254), id="longest-one-byte-length"),
        pytest.param(0x08, bytes(255), h("08 FF 00 FF") + bytes(255), id="three-byte-length-255"),
        pytest.param(0x08, bytes(256), h("08 FF 01 00") + bytes(256), id="three-byte-length-256"),
    ],
)
def test_simple_tlv_byte_exact(tag: int, value: bytes, encoded: bytes) -> None:
    assert encode_simple_tlv(tag, value) == encoded
    assert parse_simple_tlv(encoded) == (tag, value)


def test_simple_tlv_iterates_a_concatenation() -> None:
    raw = h("0A 01 31 0B 01 01 0C 03 32 01 FF")

    assert list(iter_simple_tlv(raw)) == [(0x0A, b"1"), (0x0B, h("01")), (0x0C, h("32 01 FF"))]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(h("0A"), id="no-length"),
        pytest.param(h("0A 02 31"), id="value-truncated"),
        pytest.param(h("08 FF 01"), id="three-byte-length-truncated"),
        pytest.param(h("08 FF 01 00 00"), id="three-byte-length-value-truncated"),
        pytest.param(h("00 01 31"), id="tag-00"),
        pytest.param(h("FF 01 31"), id="tag-FF"),
        pytest.param(h("0A 01 31 00"), id="trailing-byte"),
    ],
)
def test_malformed_simple_tlv_record_is_rejected(raw: bytes) -> None:
    with pytest.raises(MalformedTlvError):
        parse_simple_tlv(raw)


def test_iterating_raises_at_a_truncated_object() -> None:
    with pytest.raises(MalformedTlvError):
        list(iter_simple_tlv(h("0A 01 31 0B 02 01")))


@pytest.mark.parametrize(("tag", "value"), [(0x00, b""), (0xFF, b""), (0x08, bytes(0x10000))])
def test_simple_tlv_encoder_rejects_what_it_cannot_write(tag: int, value: bytes) -> None:
    with pytest.raises(MalformedTlvError):
        encode_simple_tlv(tag, value)


# --- BER-TLV ---


def test_ssse_fci_is_one_template_with_name_and_algorithm() -> None:
    [fci] = parse_ber_tlvs(SSSE_FCI)

    assert fci.tag == 0x6F
    assert fci.constructed
    assert [child.tag for child in fci.children()] == [0x84, 0xA5]
    assert fci.children()[0].value == SSSE_NAME


def test_find_reaches_the_algorithm_inside_the_proprietary_template() -> None:
    [fci] = parse_ber_tlvs(SSSE_FCI)

    algorithm = fci.find(0x9F0C)

    assert algorithm == BerTlv(0x9F0C, h("86 01 03"))
    assert not algorithm.constructed


def test_find_returns_none_when_absent() -> None:
    [fci] = parse_ber_tlvs(SSSE_FCI)

    assert fci.find(0x9F0D) is None
    assert find_ber_tlv(parse_ber_tlvs(SSSE_FCI), 0x88) is None


def test_find_on_a_primitive_object_returns_none() -> None:
    assert BerTlv(0x84, SSSE_NAME).find(0x84) is None


def test_find_is_depth_first() -> None:
    raw = h("A5 03 88 01 01 88 01 02")

    assert find_ber_tlv(parse_ber_tlvs(raw), 0x88) == BerTlv(0x88, h("01"))


def test_find_survives_deep_nesting() -> None:
    raw = encode_ber_tlv(0x9F0C, h("86 01 03"))
    for _ in range(3000):
        raw = encode_ber_tlv(0x6F, raw)
    [outer] = parse_ber_tlvs(raw)

    assert outer.find(0x9F0C) == BerTlv(0x9F0C, h("86 01 03"))


def test_fci_with_inconsistent_lengths_is_rejected() -> None:
    # A5 claims 7 bytes for its 6, so 6F must claim 26 and runs past the end.
    raw = h("6F 1A 84 0F") + SSSE_NAME + h("A5 07 9F 0C 03 86 01 03")

    with pytest.raises(MalformedTlvError):
        parse_ber_tlvs(raw)


@pytest.mark.parametrize(
    ("tag", "value", "encoded"),
    [
        pytest.param(0x84, b"", h("84 00"), id="empty"),
        pytest.param(0x9F0C, h("86 01 03"), h("9F 0C 03 86 01 03"), id="two-byte-tag"),
        pytest.param(0x5F2D, b"zh", h("5F 2D 02 7A 68"), id="two-byte-tag-5F"),
        pytest.param(0xBF8101, b"\x01", h("BF 81 01 01 01"), id="three-byte-tag"),
        pytest.param(0x53, bytes(127), h("53 7F") + bytes(127), id="longest-short-length"),
        pytest.param(0x53, bytes(128), h("53 81 80") + bytes(128), id="length-81"),
        pytest.param(0x53, bytes(255), h("53 81 FF") + bytes(255), id="length-81-FF"),
        pytest.param(0x53, bytes(256), h("53 82 01 00") + bytes(256), id="length-82"),
        pytest.param(0x53, bytes(0x10000), h("53 83 01 00 00") + bytes(0x10000), id="length-83"),
    ],
)
def test_ber_tlv_byte_exact(tag: int, value: bytes, encoded: bytes) -> None:
    assert encode_ber_tlv(tag, value) == encoded
    assert BerTlv(tag, value).to_bytes() == encoded
    assert parse_ber_tlvs(encoded) == [BerTlv(tag, value)]


def test_padding_between_ber_objects_is_skipped() -> None:
    raw = h("00 84 01 01 FF FF 85 00 00")

    assert parse_ber_tlvs(raw) == [BerTlv(0x84, h("01")), BerTlv(0x85, b"")]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(h("9F"), id="multi-byte-tag-truncated"),
        pytest.param(h("9F 81 81 81 01 00"), id="tag-over-4-bytes"),
        pytest.param(h("84"), id="no-length"),
        pytest.param(h("84 80"), id="indefinite-length"),
        pytest.param(h("84 84 00 00 00 01 00"), id="four-byte-length"),
        pytest.param(h("84 82 01"), id="long-length-truncated"),
        pytest.param(h("84 81 80 00"), id="value-truncated"),
    ],
)
def test_malformed_ber_tlv_is_rejected(raw: bytes) -> None:
    with pytest.raises(MalformedTlvError):
        parse_ber_tlvs(raw)


def test_children_of_a_primitive_object_is_an_error() -> None:
    with pytest.raises(MalformedTlvError):
        BerTlv(0x84, SSSE_NAME).children()


@pytest.mark.parametrize(("tag", "value"), [(0, b""), (0x53, bytes(0x1000000))])
def test_ber_encoder_rejects_what_it_cannot_write(tag: int, value: bytes) -> None:
    with pytest.raises(MalformedTlvError):
        encode_ber_tlv(tag, value)


# --- properties ---

simple_tags = st.integers(0x01, 0xFE)
# One-byte tags: not 00/FF (padding) and low five bits not 11111 (that announces more bytes).
one_byte_ber_tags = st.integers(0x01, 0xFE).filter(lambda b: b & 0x1F != 0x1F)
multi_byte_ber_tags = st.builds(
    lambda first, middle, last: int.from_bytes(bytes([first, *middle, last]), "big"),
    st.sampled_from([0x1F, 0x3F, 0x5F, 0x7F, 0x9F, 0xBF, 0xDF]),
    st.lists(st.integers(0x81, 0xFF), max_size=2),
    st.integers(0x00, 0x7F),
)
ber_tags = one_byte_ber_tags | multi_byte_ber_tags


@given(st.binary(max_size=400))
def test_ber_parser_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        find_ber_tlv(parse_ber_tlvs(raw), 0x9F0C)


@given(st.binary(max_size=400))
def test_simple_tlv_iterator_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        list(iter_simple_tlv(raw))


@given(st.binary(max_size=400))
def test_simple_tlv_record_parser_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        parse_simple_tlv(raw)


@given(st.lists(st.tuples(simple_tags, st.binary(max_size=300)), max_size=4))
def test_simple_tlvs_round_trip(objects: list[tuple[int, bytes]]) -> None:
    raw = b"".join(encode_simple_tlv(tag, value) for tag, value in objects)

    assert list(iter_simple_tlv(raw)) == objects
    if len(objects) == 1:
        assert parse_simple_tlv(raw) == objects[0]


@given(st.lists(st.tuples(ber_tags, st.binary(max_size=300)), max_size=4))
def test_ber_tlvs_round_trip(objects: list[tuple[int, bytes]]) -> None:
    raw = b"".join(encode_ber_tlv(tag, value) for tag, value in objects)

    assert parse_ber_tlvs(raw) == [BerTlv(tag, value) for tag, value in objects]


@given(ber_tags, st.binary(max_size=50))
def test_nested_ber_tlv_is_found(tag: int, value: bytes) -> None:
    raw = encode_ber_tlv(0x6F, encode_ber_tlv(0xA5, encode_ber_tlv(tag, value)))
    [outer] = parse_ber_tlvs(raw)

    found = outer.find(tag)

    assert found is not None
    assert found.tag == tag
