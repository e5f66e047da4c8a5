"""Command and response APDUs against ISO/IEC 7816-3 cases and the profile's SELECT SSSE."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readers.iso7816.apdu import ApduCase, CommandApdu, ResponseApdu
from readers.iso7816.errors import FormatError, MalformedApduError

h = bytes.fromhex

SSSE_NAME = "sx1.sh.社会保障".encode("gbk")
DATA_2 = h("3F 00")
DATA_255 = bytes(range(255))
DATA_300 = bytes(i % 256 for i in range(300))

# (command, its exact encoding, case, extended)
ENCODINGS = [
    pytest.param(CommandApdu(0x00, 0xA4, 0x00, 0x00), h("00 A4 00 00"), 1, False, id="1S"),
    pytest.param(
        CommandApdu(0x00, 0xA4, 0x00, 0x00, force_extended=True),
        h("00 A4 00 00"),
        1,
        False,
        id="1-forced-extended-stays-header-only",
    ),
    pytest.param(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8), h("00 84 00 00 08"), 2, False, id="2S"),
    pytest.param(
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=255), h("00 B0 00 00 FF"), 2, False, id="2S-Le255"
    ),
    pytest.param(
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256), h("00 B0 00 00 00"), 2, False, id="2S-Le256"
    ),
    pytest.param(
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=257),
        h("00 B0 00 00 00 01 01"),
        2,
        True,
        id="2E-Le257",
    ),
    pytest.param(
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=65536),
        h("00 B0 00 00 00 00 00"),
        2,
        True,
        id="2E-Le65536",
    ),
    pytest.param(
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256, force_extended=True),
        h("00 B0 00 00 00 01 00"),
        2,
        True,
        id="2E-forced-Le256",
    ),
    pytest.param(
        CommandApdu(0x00, 0xA4, 0x00, 0x00, DATA_2), h("00 A4 00 00 02 3F 00"), 3, False, id="3S"
    ),
    pytest.param(
        CommandApdu(0x00, 0xD6, 0x00, 0x00, DATA_255),
        h("00 D6 00 00 FF") + DATA_255,
        3,
        False,
        id="3S-Lc255",
    ),
    pytest.param(
        CommandApdu(0x00, 0xD6, 0x00, 0x00, DATA_300),
        h("00 D6 00 00 00 01 2C") + DATA_300,
        3,
        True,
        id="3E-Lc300",
    ),
    pytest.param(
        CommandApdu(0x00, 0xA4, 0x00, 0x00, DATA_2, force_extended=True),
        h("00 A4 00 00 00 00 02 3F 00"),
        3,
        True,
        id="3E-forced",
    ),
    pytest.param(
        CommandApdu(0x00, 0xA4, 0x04, 0x00, h("D1 56 00 00 05 00"), le=16),
        h("00 A4 04 00 06 D1 56 00 00 05 00 10"),
        4,
        False,
        id="4S",
    ),
    pytest.param(
        CommandApdu(0x00, 0xA4, 0x04, 0x00, h("D1 56 00 00 05 00"), le=256),
        h("00 A4 04 00 06 D1 56 00 00 05 00 00"),
        4,
        False,
        id="4S-Le256",
    ),
    pytest.param(
        CommandApdu(0x00, 0xA4, 0x00, 0x00, DATA_2, le=65536),
        h("00 A4 00 00 00 00 02 3F 00 00 00"),
        4,
        True,
        id="4E-Le65536",
    ),
    pytest.param(
        CommandApdu(0x00, 0xD6, 0x00, 0x00, DATA_300, le=256),
        h("00 D6 00 00 00 01 2C") + DATA_300 + h("01 00"),
        4,
        True,
        id="4E-Lc300-Le256",
    ),
    pytest.param(
        CommandApdu(0x00, 0x88, 0x00, 0x00, bytes(16), le=8, force_extended=True),
        h("00 88 00 00 00 00 10") + bytes(16) + h("00 08"),
        4,
        True,
        id="4E-forced",
    ),
]


def fields(apdu: CommandApdu) -> tuple[object, ...]:
    return (apdu.cla, apdu.ins, apdu.p1, apdu.p2, apdu.data, apdu.le)


@pytest.mark.parametrize(("apdu", "encoded", "case", "extended"), ENCODINGS)
def test_encodes_each_case_byte_exact(
    apdu: CommandApdu, encoded: bytes, case: int, extended: bool
) -> None:
    assert apdu.to_bytes() == encoded
    assert bytes(apdu) == encoded
    assert apdu.case == ApduCase(case)


@pytest.mark.parametrize(("apdu", "encoded", "case", "extended"), ENCODINGS)
def test_parses_each_case_byte_exact(
    apdu: CommandApdu, encoded: bytes, case: int, extended: bool
) -> None:
    parsed = CommandApdu.from_bytes(encoded)

    assert fields(parsed) == fields(apdu)
    assert parsed.case == ApduCase(case)
    assert parsed.extended == extended
    assert parsed.to_bytes() == encoded


def test_select_ssse_matches_the_profile_bytes() -> None:
    select = CommandApdu(0x00, 0xA4, 0x04, 0x00, SSSE_NAME, le=256)

    encoded = select.to_bytes()

    assert encoded == h("00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF 00")
    assert encoded[4] == len(SSSE_NAME) == 15
    assert select.case is ApduCase.DATA_AND_LE


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(h("00 A4 04"), id="three-bytes"),
        pytest.param(h("00 A4 04 00 02 3F"), id="Lc-longer-than-data"),
        pytest.param(h("00 A4 04 00 01 3F 00 00 00"), id="Lc-shorter-than-data"),
        pytest.param(h("00 B0 00 00 00 01"), id="extended-Le-truncated"),
        pytest.param(h("00 A4 00 00 00 00 02 3F"), id="extended-data-truncated"),
        pytest.param(h("00 A4 00 00 00 00 02 3F 00 00"), id="extended-Le-one-byte"),
        pytest.param(h("00 A4 00 00 00 00 00 3F"), id="extended-Lc-zero"),
        pytest.param(h("00 A4 00 00 00 00 00 00 00"), id="extended-Lc-zero-with-Le"),
    ],
)
def test_malformed_command_bytes_are_rejected(raw: bytes) -> None:
    with pytest.raises(MalformedApduError):
        CommandApdu.from_bytes(raw)


@pytest.mark.parametrize(
    "fields_",
    [
        pytest.param({"cla": 0x100}, id="CLA-over-a-byte"),
        pytest.param({"p2": -1}, id="negative-P2"),
        pytest.param({"le": 0}, id="Le-zero"),
        pytest.param({"le": 65537}, id="Le-too-large"),
        pytest.param({"data": bytes(65536)}, id="data-too-long"),
    ],
)
def test_invalid_command_fields_are_rejected(fields_: dict[str, object]) -> None:
    arguments: dict[str, object] = {"cla": 0x00, "ins": 0xA4, "p1": 0x00, "p2": 0x00}
    arguments.update(fields_)
    with pytest.raises(MalformedApduError):
        CommandApdu(**arguments)


def test_with_le_keeps_everything_else() -> None:
    apdu = CommandApdu(0x00, 0xB2, 0x09, 0x00, le=0x10)

    assert apdu.with_le(0x20) == CommandApdu(0x00, 0xB2, 0x09, 0x00, le=0x20)


@pytest.mark.parametrize(
    ("raw", "data", "sw"),
    [
        pytest.param(h("90 00"), b"", 0x9000, id="status-only"),
        pytest.param(h("01 02 61 1C"), h("01 02"), 0x611C, id="data-and-61xx"),
        pytest.param(h("6A 82"), b"", 0x6A82, id="error"),
    ],
)
def test_parses_response(raw: bytes, data: bytes, sw: int) -> None:
    response = ResponseApdu.from_bytes(raw)

    assert (response.data, response.sw) == (data, sw)
    assert (response.sw1, response.sw2) == (sw >> 8, sw & 0xFF)
    assert response.ok == (sw == 0x9000)
    assert response.to_bytes() == raw


@pytest.mark.parametrize("raw", [b"", h("90")])
def test_response_shorter_than_status_word_is_rejected(raw: bytes) -> None:
    with pytest.raises(MalformedApduError):
        ResponseApdu.from_bytes(raw)


def test_response_status_word_out_of_range_is_rejected() -> None:
    with pytest.raises(MalformedApduError):
        ResponseApdu(b"", 0x10000)


# --- properties ---

commands = st.builds(
    CommandApdu,
    cla=st.integers(0, 0xFF),
    ins=st.integers(0, 0xFF),
    p1=st.integers(0, 0xFF),
    p2=st.integers(0, 0xFF),
    data=st.binary(max_size=300),
    le=st.none() | st.integers(1, 65536),
    force_extended=st.booleans(),
)


@given(st.binary(max_size=300))
def test_command_parser_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        CommandApdu.from_bytes(raw)


@given(st.binary(max_size=300))
def test_every_parsed_command_reencodes_to_the_same_bytes(raw: bytes) -> None:
    try:
        apdu = CommandApdu.from_bytes(raw)
    except FormatError:
        return
    assert apdu.to_bytes() == raw


@given(commands)
def test_command_round_trips(apdu: CommandApdu) -> None:
    parsed = CommandApdu.from_bytes(apdu.to_bytes())

    assert fields(parsed) == fields(apdu)
    assert parsed.to_bytes() == apdu.to_bytes()


@given(st.binary(max_size=300))
def test_response_parser_raises_only_format_errors(raw: bytes) -> None:
    with contextlib.suppress(FormatError):
        ResponseApdu.from_bytes(raw)


@given(st.binary(max_size=300), st.integers(0, 0xFFFF))
def test_response_round_trips(data: bytes, sw: int) -> None:
    response = ResponseApdu(data, sw)

    assert ResponseApdu.from_bytes(response.to_bytes()) == response
