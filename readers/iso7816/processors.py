"""Response processors: GET RESPONSE on ``61xx``, resend on ``6Cxx``, command chaining.

``ApduProcessor`` sits on any transmitter (``transmit(apdu) -> (data, sw)``, the shape of
``readers.connection.CardConnection``) and applies each step unless it is turned off, for
the whole processor or for one call.
"""

from __future__ import annotations

from typing import Protocol

from readers.iso7816 import status
from readers.iso7816.apdu import SHORT_MAX_LC, SHORT_MAX_LE, CommandApdu, ResponseApdu
from readers.iso7816.errors import StatusError

GET_RESPONSE_INS = 0xC0
CHAINING_BIT = 0x10
# A card that keeps answering 61xx would otherwise loop for ever.
MAX_GET_RESPONSE_ROUNDS = 256


class Transmitter(Protocol):
    def transmit(self, apdu: bytes) -> tuple[bytes, int]: ...


class ApduProcessor:
    """Sends command APDUs and hides the transport-level status words from the caller."""

    def __init__(
        self,
        transmitter: Transmitter,
        *,
        get_response: bool = True,
        resend_on_wrong_le: bool = True,
        chaining: bool = True,
    ) -> None:
        self._transmitter = transmitter
        self.get_response = get_response
        self.resend_on_wrong_le = resend_on_wrong_le
        self.chaining = chaining

    def send(
        self,
        command: CommandApdu,
        *,
        get_response: bool | None = None,
        resend_on_wrong_le: bool | None = None,
        chaining: bool | None = None,
    ) -> ResponseApdu:
        """Send ``command`` and return the final response, whatever its status word."""
        use_chaining = self.chaining if chaining is None else chaining
        use_get_response = self.get_response if get_response is None else get_response
        use_resend = self.resend_on_wrong_le if resend_on_wrong_le is None else resend_on_wrong_le

        if use_chaining and len(command.data) > SHORT_MAX_LC and not command.force_extended:
            response = self._send_chained(command, use_resend)
        else:
            response = self._send_resending(command, use_resend)
        if use_get_response and response.sw1 == status.MORE_DATA_SW1:
            response = self._collect(command.cla, response, use_resend)
        return response

    def send_ok(self, command: CommandApdu, **options: bool | None) -> bytes:
        """Send ``command`` and return its data, raising the typed error unless 9000."""
        response = self.send(command, **options)
        status.check(response.sw)
        return response.data

    def _transmit(self, command: CommandApdu) -> ResponseApdu:
        data, sw = self._transmitter.transmit(command.to_bytes())
        return ResponseApdu(data, sw)

    def _send_resending(self, command: CommandApdu, resend: bool) -> ResponseApdu:
        response = self._transmit(command)
        if resend and response.sw1 == status.WRONG_LE_SW1:
            response = self._transmit(command.with_le(response.sw2 or SHORT_MAX_LE))
        return response

    def _send_chained(self, command: CommandApdu, resend: bool) -> ResponseApdu:
        data = command.data
        chunks = [data[i : i + SHORT_MAX_LC] for i in range(0, len(data), SHORT_MAX_LC)]
        for chunk in chunks[:-1]:
            part = CommandApdu(
                command.cla | CHAINING_BIT, command.ins, command.p1, command.p2, chunk
            )
            response = self._transmit(part)
            if not response.ok:
                return response
        last = CommandApdu(command.cla, command.ins, command.p1, command.p2, chunks[-1], command.le)
        return self._send_resending(last, resend)

    def _collect(self, cla: int, first: ResponseApdu, resend: bool) -> ResponseApdu:
        """Follow ``first`` (a 61xx answer) with GET RESPONSE until the card stops saying 61xx."""
        data = bytearray(first.data)
        response = first
        for _ in range(MAX_GET_RESPONSE_ROUNDS):
            get = CommandApdu(cla & 0x03, GET_RESPONSE_INS, 0, 0, le=response.sw2 or SHORT_MAX_LE)
            response = self._send_resending(get, resend)
            data += response.data
            if response.sw1 != status.MORE_DATA_SW1:
                return ResponseApdu(bytes(data), response.sw)
        raise StatusError(response.sw, "card kept answering 61xx to GET RESPONSE")
