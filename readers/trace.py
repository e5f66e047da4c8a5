"""APDU traces that are safe to show: PINs and personal data are masked.

``TracingTransmitter`` wraps any transmitter (a ``CardConnection``) and hands one line
per command (``> ``) and per response (``< ``) to a sink, after an optional label: a read
with a PSAM traces the card unlabelled and the PSAM as ``PSAM> `` / ``PSAM< ``, each with
its own redactor. ``ApduRedactor`` decides what to mask:

- command data of VERIFY, CHANGE/RELOAD PIN, UNBLOCK PIN (PINs) and of UPDATE RECORD /
  UPDATE BINARY (personal data being written);
- response data of READ RECORD from EF06 (holder data) and READ BINARY from EF08
  (the photo), and of GET RESPONSE when it continues such a command.

It follows SELECT by file id to know the current EF; a record addressed by SFI in P2
names its EF itself. Lengths and status words stay visible, and so do the cryptograms of
INTERNAL/EXTERNAL AUTHENTICATE and the PSAM's INIT FOR CIPHER/CIPHER DATA: they are
single-use (fresh process factors and challenges) and do not reveal the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from readers.connection import atomically
from readers.iso7816.processors import Transmitter

EF06 = 0x0006
EF08 = 0x0008
_PIN_COMMANDS = frozenset({(0x00, 0x20), (0x80, 0x5E), (0x84, 0x24)})
_WRITE_COMMANDS = frozenset({(0x00, 0xDC), (0x00, 0xD6)})
_SELECT, _READ_RECORD, _READ_BINARY, _GET_RESPONSE = 0xA4, 0xB2, 0xB0, 0xC0
_PERSONAL_FILES = frozenset({EF06, EF08})


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def _masked(data: bytes) -> str:
    return f"[{len(data)} bytes masked]"


class ApduRedactor:
    """Turns exchanges into trace lines; stateful (it follows the current EF)."""

    def __init__(self) -> None:
        self._current_ef: int | None = None
        self._mask_response = False

    def command(self, apdu: bytes) -> str:
        if len(apdu) < 4:
            return _hex(apdu)
        cla, ins, p1, p2 = apdu[:4]
        header, body = apdu[:4], apdu[4:]
        key = (cla & 0xFC if cla & 0x80 == 0 else cla, ins)
        if ins == _SELECT:
            data = body[1 : 1 + body[0]] if body else b""
            self._current_ef = (
                int.from_bytes(data, "big") if p1 in (0x00, 0x02) and len(data) == 2 else None
            )
        if ins != _GET_RESPONSE:
            self._mask_response = self._reads_personal_data(ins, p1, p2)
        if (key in _PIN_COMMANDS or key in _WRITE_COMMANDS) and len(body) > 1:
            lc, data = body[0], body[1:]
            return f"{_hex(header)} {lc:02X} {_masked(data)}"
        return _hex(apdu)

    def response(self, data: bytes, sw: int) -> str:
        shown = _masked(data) if self._mask_response and data else _hex(data)
        return f"{shown} {sw >> 8:02X} {sw & 0xFF:02X}".lstrip()

    def _reads_personal_data(self, ins: int, p1: int, p2: int) -> bool:
        if ins == _READ_RECORD:
            sfi = p2 >> 3
            return (sfi or self._current_ef) == EF06
        if ins == _READ_BINARY:
            sfi = p1 & 0x1F if p1 & 0x80 else 0
            return (sfi or self._current_ef) in _PERSONAL_FILES
        return False


class TracingTransmitter:
    """A transmitter that reports each exchange, redacted, to ``sink`` (one line each).

    ``label`` starts every line (``PSAM`` gives ``PSAM> …`` and ``PSAM< …``).
    """

    def __init__(
        self,
        transmitter: Transmitter,
        sink: Callable[[str], None],
        redactor: ApduRedactor | None = None,
        *,
        label: str = "",
    ) -> None:
        self._transmitter = transmitter
        self._sink = sink
        self._redactor = redactor or ApduRedactor()
        self._label = label

    def transaction(self) -> AbstractContextManager[object]:
        """The traced connection's transaction, if it has one (see ``atomically``)."""
        return atomically(self._transmitter)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self._sink(f"{self._label}> {self._redactor.command(apdu)}")
        data, sw = self._transmitter.transmit(apdu)
        self._sink(f"{self._label}< {self._redactor.response(data, sw)}")
        return data, sw
