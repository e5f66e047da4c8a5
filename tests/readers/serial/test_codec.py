"""The frame codec and message vocabulary, pinned to the bytes of docs/serial-reader-protocol.md."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readers.serial.codec import (
    MAX_PAYLOAD,
    Control,
    Event,
    Frame,
    FrameDecoder,
    FrameError,
    FrameErrorKind,
    encode_frame,
    frame_size,
)
from readers.serial.messages import (
    CardStatus,
    Command,
    MessageError,
    Reply,
    SlotState,
    Status,
    command_frame,
    encode_card_status,
    encode_power_answer,
    notice_frame,
    parse_card_status,
    parse_power_answer,
    parse_reply,
    reply_frame,
)

ATR = bytes.fromhex("3B6D000000815353435059 3201 1A2B3C4D")
PRESENT = CardStatus(SlotState.PRESENT, ATR)
ABSENT = CardStatus(SlotState.ABSENT)

# (frame, its bytes on the wire): the byte-example table of the protocol document.
DOCUMENTED = [
    (command_frame(1, Command.VERSION), "02 00 02 01 10 13 03"),
    (
        reply_frame(1, Command.VERSION, Status.OK, b"SSCARD-SIM 1.0"),
        "02 00 11 01 10 00 53 53 43 41 52 44 2D 53 49 4D 20 31 2E 30 61 03",
    ),
    (command_frame(2, Command.CARD_STATUS), "02 00 02 02 11 11 03"),
    (
        reply_frame(2, Command.CARD_STATUS, Status.OK, encode_card_status(ABSENT)),
        "02 00 04 02 11 00 00 17 03",
    ),
    (
        reply_frame(2, Command.CARD_STATUS, Status.OK, encode_card_status(PRESENT)),
        "02 00 15 02 11 00 01 3B 6D 00 00 00 81 53 53 43 50 59 32 01 1A 2B 3C 4D E9 03",
    ),
    (command_frame(3, Command.BEEP, b"\x0a"), "02 00 03 03 12 0A 18 03"),
    (reply_frame(3, Command.BEEP, Status.OK), "02 00 03 03 12 00 12 03"),
    (command_frame(4, Command.POWER_ON), "02 00 02 04 20 26 03"),
    (
        reply_frame(4, Command.POWER_ON, Status.OK, encode_power_answer("T0", ATR)),
        "02 00 15 04 20 00 00 3B 6D 00 00 00 81 53 53 43 50 59 32 01 1A 2B 3C 4D DF 03",
    ),
    (reply_frame(4, Command.POWER_ON, Status.NO_CARD), "02 00 03 04 20 01 26 03"),
    (
        command_frame(5, Command.APDU, bytes.fromhex("0084000008")),
        "02 00 07 05 30 00 84 00 00 08 BE 03",
    ),
    (
        reply_frame(5, Command.APDU, Status.OK, bytes.fromhex("11223344556677889000")),
        "02 00 0D 05 30 00 11 22 33 44 55 66 77 88 90 00 20 03",
    ),
    (reply_frame(5, Command.APDU, Status.CARD_REMOVED), "02 00 03 05 30 02 34 03"),
    (command_frame(6, Command.RESET), "02 00 02 06 22 26 03"),
    (
        reply_frame(6, Command.RESET, Status.OK, encode_power_answer("T1", ATR)),
        "02 00 15 06 22 00 01 3B 6D 00 00 00 81 53 53 43 50 59 32 01 1A 2B 3C 4D DE 03",
    ),
    (command_frame(7, Command.POWER_OFF), "02 00 02 07 21 24 03"),
    (reply_frame(7, Command.POWER_OFF, Status.OK), "02 00 03 07 21 00 25 03"),
    (reply_frame(8, 0x7F, Status.BAD_COMMAND), "02 00 03 08 7F 10 64 03"),
    (
        notice_frame(PRESENT),
        "02 00 15 00 A0 00 01 3B 6D 00 00 00 81 53 53 43 50 59 32 01 1A 2B 3C 4D 5A 03",
    ),
    (notice_frame(ABSENT), "02 00 04 00 A0 00 00 A4 03"),
]
VERSION = bytes.fromhex("02 00 02 01 10 13 03")
NOTICE_REMOVED = bytes.fromhex("02 00 04 00 A0 00 00 A4 03")
REPLY_APDU = bytes.fromhex("02 00 0D 05 30 00 11 22 33 44 55 66 77 88 90 00 20 03")

frames = st.builds(
    Frame,
    st.integers(0, 0xFF),
    st.integers(0, 0xFF),
    st.binary(max_size=MAX_PAYLOAD).filter(lambda p: len(p) < 300) | st.binary(max_size=8),
)


def decode(data: bytes) -> list[Event]:
    """Everything the decoder makes of ``data``, including a partial frame at the end."""
    decoder = FrameDecoder()
    events = decoder.feed(data)
    while decoder.in_frame:
        events += decoder.expire()
    return events


@pytest.mark.parametrize(("frame", "wire"), DOCUMENTED)
def test_documented_frames_encode_and_decode(frame: Frame, wire: str) -> None:
    assert encode_frame(frame) == bytes.fromhex(wire)
    assert FrameDecoder().feed(bytes.fromhex(wire)) == [frame]
    assert frame_size(len(frame.payload)) == len(bytes.fromhex(wire))


def test_replies_and_notices_parse() -> None:
    assert parse_reply(FrameDecoder().feed(REPLY_APDU)[0]) == Reply(
        5, Command.APDU, Status.OK, bytes.fromhex("11223344556677889000")
    )
    notice = parse_reply(FrameDecoder().feed(NOTICE_REMOVED)[0])
    assert notice.is_notice
    assert parse_card_status(notice.data) == ABSENT
    assert not ABSENT.present
    assert parse_card_status(bytes.fromhex("02") + ATR) == CardStatus(SlotState.POWERED, ATR)
    assert parse_power_answer(bytes.fromhex("01") + ATR) == ("T1", ATR)


@pytest.mark.parametrize(
    "data",
    ["", "05", "00 3B", "01", "02"],
    ids=["empty", "unknown state", "ATR without a card", "card without ATR", "powered no ATR"],
)
def test_malformed_card_status_is_a_message_error(data: str) -> None:
    with pytest.raises(MessageError):
        parse_card_status(bytes.fromhex(data))


@pytest.mark.parametrize("data", ["", "00", "02 3B", "FF 3B"])
def test_malformed_power_answer_is_a_message_error(data: str) -> None:
    with pytest.raises(MessageError):
        parse_power_answer(bytes.fromhex(data))


def test_a_reply_without_status_is_a_message_error() -> None:
    with pytest.raises(MessageError):
        parse_reply(Frame(1, Command.VERSION))


@pytest.mark.parametrize(
    ("seq", "code", "payload"), [(256, 0, b""), (0, -1, b""), (0, 0, bytes(MAX_PAYLOAD + 1))]
)
def test_frames_that_cannot_be_sent_are_value_errors(seq: int, code: int, payload: bytes) -> None:
    with pytest.raises(ValueError, match=r"byte|exceeds"):
        Frame(seq, code, payload)


def test_ack_nak_and_frames_interleave() -> None:
    stream = bytes([Control.ACK]) + NOTICE_REMOVED + REPLY_APDU + bytes([Control.NAK])
    assert FrameDecoder().feed(stream) == [
        Control.ACK,
        FrameDecoder().feed(NOTICE_REMOVED)[0],
        FrameDecoder().feed(REPLY_APDU)[0],
        Control.NAK,
    ]


def test_bytes_may_arrive_one_at_a_time() -> None:
    decoder = FrameDecoder()
    events: list[Event] = []
    for byte in VERSION:
        events += decoder.feed(bytes([byte]))
        assert decoder.in_frame == (len(events) == 0)
    assert events == [Frame(1, Command.VERSION)]


def test_bad_check_byte_is_reported_and_the_next_frame_decodes() -> None:
    damaged = bytearray(REPLY_APDU)
    damaged[-2] ^= 0x01
    assert FrameDecoder().feed(bytes(damaged) + VERSION) == [
        FrameError(FrameErrorKind.BAD_CHECK, bytes(damaged)),
        Frame(1, Command.VERSION),
    ]
    assert FrameError(FrameErrorKind.BAD_CHECK, b"").damaged_frame


def test_truncated_frame_is_reported_when_the_line_goes_quiet() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(REPLY_APDU[:9]) == []
    assert decoder.in_frame
    assert decoder.expire() == [FrameError(FrameErrorKind.TRUNCATED, REPLY_APDU[:9])]
    assert not decoder.in_frame
    assert decoder.expire() == []
    assert decoder.feed(VERSION) == [Frame(1, Command.VERSION)]


@pytest.mark.parametrize(
    ("noise", "kind"),
    [
        ("02 00 01", FrameErrorKind.BAD_LENGTH),  # LEN must cover SEQ and CODE
        ("02 04 01", FrameErrorKind.BAD_LENGTH),  # above 1024
        ("02 00 02 01 10 13 FF", FrameErrorKind.BAD_END),
    ],
)
def test_noise_holding_a_start_byte_is_skipped(noise: str, kind: FrameErrorKind) -> None:
    events = decode(bytes.fromhex("55 AA " + noise) + VERSION)
    assert events[-1] == Frame(1, Command.VERSION)
    errors = events[:-1]
    assert errors[0] == FrameError(
        kind, bytes.fromhex(noise)[: 3 if kind.name == "BAD_LENGTH" else 7]
    )
    assert all(isinstance(e, FrameError) for e in errors)


def test_a_stray_start_byte_cannot_swallow_the_frame_behind_it() -> None:
    # 02 00 05 announces five bytes, which would take the start of the real frame.
    events = decode(bytes.fromhex("02 00 05") + VERSION)
    assert Frame(1, Command.VERSION) in events


@given(st.binary(max_size=600))
def test_arbitrary_bytes_give_only_frames_controls_or_typed_errors(data: bytes) -> None:
    for event in decode(data):
        assert isinstance(event, Frame | Control | FrameError)


@given(st.lists(st.binary(max_size=64), max_size=8))
def test_arbitrary_chunks_never_break_the_decoder(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
    decoder.expire()


@given(st.lists(frames, max_size=5))
def test_encode_then_decode_gives_the_frames_back(sent: list[Frame]) -> None:
    assert decode(b"".join(encode_frame(frame) for frame in sent)) == sent


@given(st.binary(max_size=64), frames)
def test_garbage_before_a_valid_frame_is_skipped(garbage: bytes, frame: Frame) -> None:
    events = decode(garbage + encode_frame(frame))
    assert frame in events


@given(frames, st.integers(0, 10_000), st.integers(0, 7))
def test_any_flipped_bit_is_caught(frame: Frame, position: int, bit: int) -> None:
    wire = bytearray(encode_frame(frame))
    position = 1 + position % (len(wire) - 1)  # a bit after the start byte
    wire[position] ^= 1 << bit
    assert frame not in decode(bytes(wire))
