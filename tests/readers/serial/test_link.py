"""The link over a scripted port: the exact bytes written for each thing the reader does."""

from __future__ import annotations

import errno
import time

import pytest

from readers.connection import ReaderTimeoutError, ReaderUnavailableError, SharingViolationError
from readers.serial.codec import encode_frame
from readers.serial.link import MAX_RESENDS, Link, SerialProtocolError, Timing
from readers.serial.messages import (
    CardStatus,
    Command,
    Reply,
    SlotState,
    Status,
    command_frame,
    notice_frame,
    reply_frame,
)
from readers.serial.port import port_error

ACK, NAK = b"\x06", b"\x15"
VERSION = encode_frame(command_frame(1, Command.VERSION))
VERSION_REPLY = encode_frame(reply_frame(1, Command.VERSION, Status.OK, b"V1"))
REMOVED = CardStatus(SlotState.ABSENT)


class ScriptedPort:
    """Answers the n-th write with the n-th scripted bytes (nothing once the script ends)."""

    def __init__(self, *answers: bytes) -> None:
        self.answers = list(answers)
        self.written: list[bytes] = []
        self.incoming = bytearray()
        self.fail: OSError | None = None

    @property
    def in_waiting(self) -> int:
        return len(self.incoming)

    def read(self, size: int = 1) -> bytes:
        if self.fail is not None:
            raise self.fail
        if not self.incoming:
            time.sleep(0.001)  # a port's read timeout, in short
        data = bytes(self.incoming[:size])
        del self.incoming[:size]
        return data

    def write(self, data: bytes) -> int:
        if self.fail is not None:
            raise self.fail
        self.written.append(bytes(data))
        if self.answers:
            self.incoming += self.answers.pop(0)
        return len(data)

    def close(self) -> None:
        pass


def link_on(port: ScriptedPort, notices: list[CardStatus] | None = None) -> Link:
    sink = notices if notices is not None else []
    return Link(port, "COM-test", Timing(115200, timeout=0.2), sink.append)


def damaged(frame: bytes) -> bytes:
    out = bytearray(frame)
    out[-2] ^= 0x5A
    return bytes(out)


def test_a_command_is_acked_and_answered() -> None:
    port = ScriptedPort(ACK + VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION) == Reply(1, Command.VERSION, Status.OK, b"V1")
    assert port.written == [VERSION]


def test_sequence_numbers_count_up_and_skip_zero() -> None:
    answers = [
        ACK + encode_frame(reply_frame(n % 255 or 255, Command.BEEP, Status.OK))
        for n in range(1, 258)
    ]
    port = ScriptedPort(*answers)
    link = link_on(port)
    for _ in answers:
        link.exchange(Command.BEEP, b"\x01")
    assert [frame[3] for frame in port.written[253:]] == [254, 255, 1, 2]


def test_nak_makes_the_host_resend_the_same_frame() -> None:
    port = ScriptedPort(NAK, NAK, ACK + VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION).data == b"V1"
    assert port.written == [VERSION, VERSION, VERSION]


def test_a_framed_bad_check_status_counts_as_nak() -> None:
    refusal = encode_frame(reply_frame(1, Command.VERSION, Status.BAD_CHECK))
    port = ScriptedPort(refusal, ACK + VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION).data == b"V1"
    assert port.written == [VERSION, VERSION]


def test_resends_are_bounded() -> None:
    port = ScriptedPort(*[NAK] * (MAX_RESENDS + 1))
    with pytest.raises(SerialProtocolError, match="refused"):
        link_on(port).exchange(Command.VERSION)
    assert port.written == [VERSION] * (MAX_RESENDS + 1)


def test_a_reply_with_a_bad_check_byte_is_naked_and_resent() -> None:
    port = ScriptedPort(ACK + damaged(VERSION_REPLY), VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION).data == b"V1"
    assert port.written == [VERSION, NAK]


def test_a_truncated_reply_is_naked_when_the_line_goes_quiet() -> None:
    port = ScriptedPort(ACK + VERSION_REPLY[:6], VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION).data == b"V1"
    assert port.written == [VERSION, NAK]


def test_naks_for_one_reply_are_bounded() -> None:
    port = ScriptedPort(ACK + damaged(VERSION_REPLY), *[damaged(VERSION_REPLY)] * MAX_RESENDS)
    with pytest.raises(SerialProtocolError, match="damaged"):
        link_on(port).exchange(Command.VERSION)
    assert port.written == [VERSION] + [NAK] * MAX_RESENDS


def test_notices_between_ack_and_reply_are_handled() -> None:
    notices: list[CardStatus] = []
    port = ScriptedPort(ACK + encode_frame(notice_frame(REMOVED)) + VERSION_REPLY)
    assert link_on(port, notices).exchange(Command.VERSION).data == b"V1"
    assert notices == [REMOVED]


def test_stale_replies_and_noise_are_dropped() -> None:
    stale = encode_frame(reply_frame(9, Command.VERSION, Status.OK, b"old"))
    port = ScriptedPort(bytes.fromhex("FF 02 00 01 55") + stale + ACK + VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION).data == b"V1"
    assert port.written == [VERSION]


def test_a_reply_whose_ack_was_lost_still_counts() -> None:
    port = ScriptedPort(VERSION_REPLY)
    assert link_on(port).exchange(Command.VERSION).data == b"V1"


@pytest.mark.parametrize("answer", [b"", ACK], ids=["no ack", "ack but no reply"])
def test_a_mute_reader_times_out_without_resending(answer: bytes) -> None:
    port = ScriptedPort(answer)
    with pytest.raises(ReaderTimeoutError):
        link_on(port).exchange(Command.VERSION)
    assert port.written == [VERSION]


def test_notices_that_arrived_before_a_command_are_handled_first() -> None:
    notices: list[CardStatus] = []
    port = ScriptedPort(ACK + VERSION_REPLY)
    port.incoming += encode_frame(notice_frame(REMOVED))
    link = link_on(port, notices)
    link.drain()
    assert notices == [REMOVED]
    port.incoming += encode_frame(notice_frame(REMOVED))
    link.poll(0.01)
    assert notices == [REMOVED, REMOVED]


def test_a_failing_port_is_an_unavailable_reader() -> None:
    port = ScriptedPort()
    port.fail = OSError(errno.EIO, "Input/output error")
    with pytest.raises(ReaderUnavailableError):
        link_on(port).exchange(Command.VERSION)


def test_port_errors_translate_to_reader_errors() -> None:
    assert isinstance(
        port_error(OSError(errno.EWOULDBLOCK, "locked"), "/dev/x"), SharingViolationError
    )
    assert isinstance(port_error(OSError(errno.ENOENT, "gone"), "/dev/x"), ReaderUnavailableError)


def test_deadlines_follow_the_baud_rate() -> None:
    slow, fast = Timing(9600, timeout=0.5), Timing(115200, timeout=0.5)
    assert slow.wire_time(960) == pytest.approx(1.0)  # 10 bits a byte
    assert fast.wire_time(11520) == pytest.approx(1.0)
    assert slow.ack_time(VERSION) == pytest.approx(0.5 + 8 * 10 / 9600)
    assert slow.reply_time > fast.reply_time > 0.5
    assert slow.gap > fast.gap > 0
