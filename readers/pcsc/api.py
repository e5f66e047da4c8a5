"""The PC/SC calls this package makes, as a typed protocol, and its pyscard implementation.

``PyscardApi`` is the project's only use of pyscard (``smartcard.scard``, the thin
binding of the C API; not its ``CardMonitor`` or ``CardConnection`` layers). Tests
script ``ScardApi`` instead of patching, and assert the exact calls and bytes.
Every call returns the PC/SC return code first, unchecked: callers translate it with
``readers.pcsc.codes.error_for``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ReaderState:
    """One reader's entry of SCardGetStatusChange: its name, event state and card's ATR."""

    reader: str
    event_state: int
    atr: bytes = b""


class ScardApi(Protocol):
    def establish_context(self) -> tuple[int, int]: ...

    def release_context(self, context: int) -> int: ...

    def cancel(self, context: int) -> int: ...

    def list_readers(self, context: int) -> tuple[int, list[str]]: ...

    def get_status_change(
        self, context: int, timeout_ms: int, states: Sequence[tuple[str, int]]
    ) -> tuple[int, list[ReaderState]]:
        """Wait until a reader's state differs from the one given (or ``timeout_ms``)."""
        ...

    def connect(
        self, context: int, reader: str, share: int, protocols: int
    ) -> tuple[int, int, int]:
        """Returns (code, card handle, active protocol)."""
        ...

    def reconnect(
        self, card: int, share: int, protocols: int, initialization: int
    ) -> tuple[int, int]:
        """Returns (code, active protocol)."""
        ...

    def disconnect(self, card: int, disposition: int) -> int: ...

    def begin_transaction(self, card: int) -> int: ...

    def end_transaction(self, card: int, disposition: int) -> int: ...

    def transmit(self, card: int, protocol: int, apdu: bytes) -> tuple[int, bytes]: ...

    def status(self, card: int) -> tuple[int, bytes]:
        """Returns (code, the card's current ATR)."""
        ...


class PyscardApi:
    """``ScardApi`` over pyscard's ``smartcard.scard``."""

    def __init__(self) -> None:
        from smartcard import scard  # the extra [pcsc]; imported here so errors name it

        self._scard: Any = scard

    def establish_context(self) -> tuple[int, int]:
        code, context = self._scard.SCardEstablishContext(self._scard.SCARD_SCOPE_USER)
        return int(code), int(context)

    def release_context(self, context: int) -> int:
        return int(self._scard.SCardReleaseContext(context))

    def cancel(self, context: int) -> int:
        return int(self._scard.SCardCancel(context))

    def list_readers(self, context: int) -> tuple[int, list[str]]:
        code, readers = self._scard.SCardListReaders(context, [])
        return int(code), [str(reader) for reader in readers or ()]

    def get_status_change(
        self, context: int, timeout_ms: int, states: Sequence[tuple[str, int]]
    ) -> tuple[int, list[ReaderState]]:
        code, new_states = self._scard.SCardGetStatusChange(context, timeout_ms, list(states))
        return int(code), [
            ReaderState(str(reader), int(event_state), bytes(atr or b""))
            for reader, event_state, atr in new_states or ()
        ]

    def connect(
        self, context: int, reader: str, share: int, protocols: int
    ) -> tuple[int, int, int]:
        code, card, protocol = self._scard.SCardConnect(context, reader, share, protocols)
        return int(code), int(card), int(protocol)

    def reconnect(
        self, card: int, share: int, protocols: int, initialization: int
    ) -> tuple[int, int]:
        code, protocol = self._scard.SCardReconnect(card, share, protocols, initialization)
        return int(code), int(protocol)

    def disconnect(self, card: int, disposition: int) -> int:
        return int(self._scard.SCardDisconnect(card, disposition))

    def begin_transaction(self, card: int) -> int:
        return int(self._scard.SCardBeginTransaction(card))

    def end_transaction(self, card: int, disposition: int) -> int:
        return int(self._scard.SCardEndTransaction(card, disposition))

    def transmit(self, card: int, protocol: int, apdu: bytes) -> tuple[int, bytes]:
        code, response = self._scard.SCardTransmit(card, protocol, list(apdu))
        return int(code), bytes(response or b"")

    def status(self, card: int) -> tuple[int, bytes]:
        code, _reader, _state, _protocol, atr = self._scard.SCardStatus(card)
        return int(code), bytes(atr or b"")
