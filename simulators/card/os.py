"""The card-OS seam: what a reader (virtual, vpcd relay, serial simulator) needs from a soft card.

A card OS is sans-I/O: it turns command APDU bytes into response bytes (data followed by
SW1 SW2) and knows nothing of the transport that carries them. Soft SSC cards and soft
PSAMs both implement it.
"""

from __future__ import annotations

from typing import Protocol

from readers.connection import Protocol_


class CardNotPoweredError(RuntimeError):
    """An APDU reached a card that is not powered: the reader must power it on first."""


class CardOS(Protocol):
    """A soft card as a reader sees it: contacts (power, reset) and APDU exchange."""

    @property
    def atr(self) -> bytes:
        """The answer to reset the card gives at its next power-on or reset."""
        ...

    @property
    def protocol(self) -> Protocol_:
        """The transmission protocol the card speaks: ``"T0"`` or ``"T1"``."""
        ...

    def power_on(self) -> bytes:
        """Cold-start the card: all security state is cleared; returns the ATR."""
        ...

    def power_off(self) -> None:
        """Remove power: security state is lost, non-volatile memory is kept."""
        ...

    def reset(self) -> bytes:
        """Warm-reset the card: like a power cycle for the card's state; returns the ATR."""
        ...

    def execute(self, apdu: bytes) -> bytes:
        """Run one command APDU and return response data + SW1 SW2.

        Raises CardNotPoweredError when the card is not powered. Any byte string is
        answered with a status word, never an exception.
        """
        ...
