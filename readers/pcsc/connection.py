"""``PcscConnection``: one card in one PC/SC reader, as a ``readers.connection.CardConnection``.

APDUs go to the card raw: pcscd does not answer ``61xx`` with GET RESPONSE (nor ``6Cxx``
with a resend), the ``readers.iso7816.ApduProcessor`` above does. Each ``transmit`` runs
in its own PC/SC transaction unless the caller holds one with ``transaction()``, which is
how a multi-APDU operation (a whole read, a GET RESPONSE after ``61xx``) stays atomic
against other programs sharing the card.

A connection is bound to the card that was in the reader when it was made: the reader's
event counter then is ``event_counter``, and ``still_present()`` tells whether that same
card is still there (check it before writing anything back). When another program resets
the card, the next call reconnects once and raises CardResetError: the card's security
state and selected application are gone, the connection itself is usable again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from readers.connection import (
    CardRemovedError,
    CardResetError,
    ClosingContext,
    Protocol_,
    ReaderError,
    ReaderUnavailableError,
)
from readers.pcsc import codes
from readers.pcsc.api import ScardApi

Disposition = Literal["leave", "reset", "unpower", "eject"]
DISPOSITIONS: dict[Disposition, int] = {
    "leave": codes.LEAVE_CARD,
    "reset": codes.RESET_CARD,
    "unpower": codes.UNPOWER_CARD,
    "eject": codes.EJECT_CARD,
}
PROTOCOLS: dict[Protocol_, int] = {"T0": codes.PROTOCOL_T0, "T1": codes.PROTOCOL_T1}
# How long a failed exchange waits for pcscd to notice a removal: pcscd polls some
# drivers (vpcd: every 400 ms); CCID readers report a removal at once.
REMOVAL_GRACE_SECONDS = 1.0
# Codes after which "was the card pulled?" is the question to ask before reporting.
_EXCHANGE_FAILED = frozenset(
    {"SCARD_E_NOT_TRANSACTED", "SCARD_F_COMM_ERROR", "SCARD_W_UNRESPONSIVE_CARD", "SCARD_S_SUCCESS"}
)


def _protocol_mask(protocols: tuple[Protocol_, ...]) -> int:
    mask = 0
    for protocol in protocols:
        mask |= PROTOCOLS[protocol]
    if not mask:
        raise ValueError("give at least one protocol, 'T0' or 'T1'")
    return mask


class PcscConnection(ClosingContext):
    """A ``CardConnection`` over PC/SC; make it with ``PcscBackend.connect``."""

    def __init__(
        self,
        api: ScardApi,
        reader: str,
        *,
        exclusive: bool = False,
        protocols: tuple[Protocol_, ...] = ("T0", "T1"),
        disposition: Disposition = "leave",
        removal_grace: float = REMOVAL_GRACE_SECONDS,
    ) -> None:
        self._api = api
        self._reader = reader
        self._share = codes.SHARE_EXCLUSIVE if exclusive else codes.SHARE_SHARED
        self._protocols = _protocol_mask(protocols)
        self._disposition = DISPOSITIONS[disposition]
        self._removal_grace = removal_grace
        self._lock = threading.RLock()
        self._transactions = 0
        self._closed = False
        code, self._context = api.establish_context()
        self._check(code, "establish a PC/SC context")
        try:
            code, self._card, active = api.connect(
                self._context, reader, self._share, self._protocols
            )
            self._check(code, f"connect to {reader!r}")
            self._active = active
            self._known_state = self._reader_state()
            self._atr = self._current_atr()
        except BaseException:
            api.release_context(self._context)
            raise

    # --- CardConnection ---

    @property
    def reader(self) -> str:
        return self._reader

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> Protocol_:
        return "T1" if self._active == codes.PROTOCOL_T1 else "T0"

    @property
    def event_counter(self) -> int:
        """The reader's event counter at connection; (reader, counter) is the card."""
        return codes.event_counter(self._known_state)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        with self._lock:
            if self._transactions:  # the common case inside a read: no context manager
                code, response = self._api.transmit(self._card, self._active, bytes(apdu))
                if code != codes.SUCCESS or len(response) < 2:
                    raise self._failure(code, "transmit")
            else:
                with self.transaction():
                    code, response = self._api.transmit(self._card, self._active, bytes(apdu))
                    if code != codes.SUCCESS or len(response) < 2:
                        raise self._failure(code, "transmit")
        return response[:-2], int.from_bytes(response[-2:], "big")

    def reset(self) -> bytes:
        """Warm-reset the card (SCardReconnect with RESET) and return its ATR."""
        with self._lock:
            self._check_open()
            code, self._active = self._api.reconnect(
                self._card, self._share, self._protocols, codes.RESET_CARD
            )
            if code != codes.SUCCESS:
                raise self._failure(code, "reset")
            self._atr = self._current_atr()
            return self._atr

    def close(self) -> None:
        """Disconnect with the chosen disposition (LEAVE by default); never raises."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._transactions:
                self._api.end_transaction(self._card, codes.LEAVE_CARD)
                self._transactions = 0
            self._api.disconnect(self._card, self._disposition)
            self._api.release_context(self._context)

    # --- beyond CardConnection ---

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold a PC/SC transaction (nested calls share it): no other program gets in."""
        with self._lock:
            self._check_open()
            if self._transactions == 0:
                code = self._api.begin_transaction(self._card)
                if code != codes.SUCCESS:
                    raise self._failure(code, "begin a transaction")
            self._transactions += 1
            try:
                yield
            finally:
                # A reset seen inside the transaction ended it (the count is 0 then).
                if self._transactions > 0:
                    self._transactions -= 1
                    if self._transactions == 0 and not self._closed:
                        self._api.end_transaction(self._card, codes.LEAVE_CARD)

    def still_present(self) -> bool:
        """Whether the card this connection was made to is still in the reader."""
        with self._lock:
            self._check_open()
            return not self._card_left(timeout=0.0)

    # --- errors ---

    def _failure(self, code: int, what: str) -> ReaderError:
        """The typed error for a failed call, after recovering what can be recovered."""
        name = codes.code_name(code)
        where = f"{what} on {self._reader!r}"
        if name == "SCARD_W_RESET_CARD":
            return self._reconnect_after_reset(where)
        if name in _EXCHANGE_FAILED and self._card_left(timeout=self._removal_grace):
            return CardRemovedError(
                f"the card left {self._reader!r}", pcsc_code="SCARD_W_REMOVED_CARD"
            )
        if name == "SCARD_S_SUCCESS":
            return ReaderError(f"{where}: the reader returned no status word")
        return codes.error_for(code, where)

    def _reconnect_after_reset(self, where: str) -> ReaderError:
        code, active = self._api.reconnect(
            self._card, self._share, self._protocols, codes.LEAVE_CARD
        )
        if code != codes.SUCCESS:
            return codes.error_for(code, where)
        self._active = active
        self._atr = self._current_atr()
        self._transactions = 0
        return CardResetError(
            f"{where}: another program reset the card; its state is gone",
            pcsc_code="SCARD_W_RESET_CARD",
        )

    def _card_left(self, timeout: float) -> bool:
        """Whether the reader shows no card or another card, waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        known = self._known_state & ~codes.STATE_CHANGED
        while True:
            wait_ms = max(0, round((deadline - time.monotonic()) * 1000))
            code, states = self._api.get_status_change(
                self._context, wait_ms, [(self._reader, known)]
            )
            if codes.code_name(code) == "SCARD_E_TIMEOUT":
                return False
            self._check(code, f"read the state of {self._reader!r}")
            state = states[0].event_state
            if state & (codes.STATE_UNKNOWN | codes.STATE_UNAVAILABLE):
                raise ReaderUnavailableError(
                    f"{self._reader!r} is gone", pcsc_code="SCARD_E_UNKNOWN_READER"
                )
            if not state & codes.STATE_PRESENT or codes.event_counter(state) != self.event_counter:
                return True
            if wait_ms == 0:
                return False
            known = state & ~codes.STATE_CHANGED

    # --- plumbing ---

    def _reader_state(self) -> int:
        code, states = self._api.get_status_change(
            self._context, 0, [(self._reader, codes.STATE_UNAWARE)]
        )
        self._check(code, f"read the state of {self._reader!r}")
        return states[0].event_state

    def _current_atr(self) -> bytes:
        code, atr = self._api.status(self._card)
        self._check(code, f"read the ATR in {self._reader!r}")
        return atr

    def _check(self, code: int, what: str) -> None:
        if code != codes.SUCCESS:
            raise codes.error_for(code, what)

    def _check_open(self) -> None:
        if self._closed:
            raise ReaderError("the connection is closed")
