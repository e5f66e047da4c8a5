"""What every soft card OS here shares: power, APDU parsing, and the T=0 / T=1 personalities.

``CommandDispatcher`` turns APDU bytes into a handler call and the handler's answer into
response bytes. On T=0 a case-4 command with response data answers ``61xx`` and keeps the
data for a GET RESPONSE that must be the next command; on T=1 a command with Le returns at
most Le bytes with 9000. Handlers end a command early by raising ``CommandError(sw)``.
The soft SSC card (``simulators.card.ssc``) and the soft PSAM (``simulators.psam``) are
built on it.
"""

from __future__ import annotations

from collections.abc import Callable

from readers.connection import Protocol_
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from readers.iso7816.errors import MalformedApduError
from simulators.card.os import CardNotPoweredError

Response = tuple[bytes, int]
Handler = Callable[[CommandApdu], Response]
GET_RESPONSE_INS = 0xC0


class CommandError(Exception):
    """Ends the command with status word ``sw`` and no data."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw


def wrong_le(available: int) -> CommandError:
    """``6Cxx``: the Le was wrong, xx bytes are available."""
    return CommandError((status.WRONG_LE_SW1 << 8) | (available & 0xFF))


class CommandDispatcher:
    """Power, dispatch and GET RESPONSE for a soft card OS; subclasses fill ``handlers``.

    ``handlers`` maps (CLA, INS) to a handler; ``classes`` lists the CLA bytes the card
    knows (others answer 6E00). Subclasses extend ``clear_security_state``, which runs at
    every power-on, power-off and reset.
    """

    classes: tuple[int, ...] = (0x00,)

    def __init__(self, protocol: Protocol_) -> None:
        if protocol not in ("T0", "T1"):
            raise ValueError(f"protocol must be 'T0' or 'T1', got {protocol!r}")
        self._protocol: Protocol_ = protocol
        self._powered = False
        self._pending: bytes | None = None
        self.handlers: dict[tuple[int, int], Handler] = {}

    @property
    def atr(self) -> bytes:
        raise NotImplementedError

    @property
    def protocol(self) -> Protocol_:
        return self._protocol

    def power_on(self) -> bytes:
        self._powered = True
        self.clear_security_state()
        return self.atr

    def power_off(self) -> None:
        self._powered = False
        self.clear_security_state()

    def reset(self) -> bytes:
        return self.power_on()

    def execute(self, apdu: bytes) -> bytes:
        if not self._powered:
            raise CardNotPoweredError("the card is not powered")
        pending, self._pending = self._pending, None
        try:
            data, sw = self._dispatch(apdu, pending)
        except CommandError as error:
            data, sw = b"", error.sw
        return data + sw.to_bytes(2, "big")

    def clear_security_state(self) -> None:
        """Forget everything volatile (subclasses add their own state, then call this)."""
        self._pending = None

    def _dispatch(self, apdu: bytes, pending: bytes | None) -> Response:
        try:
            command = CommandApdu.from_bytes(apdu)
        except MalformedApduError:
            return b"", status.WRONG_LENGTH
        if command.cla not in self.classes:
            return b"", status.CLA_NOT_SUPPORTED
        if (command.cla, command.ins) == (0x00, GET_RESPONSE_INS):
            return self._get_response(command, pending)
        handler = self.handlers.get((command.cla, command.ins))
        if handler is None:
            return b"", status.INS_NOT_SUPPORTED
        if command.extended:
            return b"", status.WRONG_LENGTH
        data, sw = handler(command)
        if self._protocol == "T0":
            if command.data and data and sw == status.OK:
                self._pending = data
                return b"", (status.MORE_DATA_SW1 << 8) | (len(data) & 0xFF)
        elif command.le is not None:
            data = data[: command.le]
        return data, sw

    def _get_response(self, command: CommandApdu, pending: bytes | None) -> Response:
        if command.p1 or command.p2:
            return b"", status.WRONG_P1P2
        if pending is None:
            return b"", status.CONDITIONS_NOT_SATISFIED
        if command.data or command.le is None or command.extended:
            return b"", status.WRONG_LENGTH
        if command.le > len(pending):
            self._pending = pending
            return b"", (status.WRONG_LE_SW1 << 8) | len(pending)
        if command.le < len(pending):
            self._pending = pending[command.le :]
            return pending[: command.le], (status.MORE_DATA_SW1 << 8) | len(self._pending)
        return pending, status.OK
