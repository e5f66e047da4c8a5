"""The seams between card applications and the readers that carry their APDUs.

``CardConnection`` is one powered card in one reader; ``ReaderBackend`` lists readers,
connects to them and streams reader events. PC/SC, serial and in-process simulated
readers each implement both.

ReaderError (the transport's exception tree; ``pcsc_code`` names the PC/SC code if any)
├── NoCardError             no card in the reader
├── CardRemovedError        the card left during or between commands
├── CardResetError          someone reset the card: the session's state is gone
├── ReaderUnavailableError  the reader is gone
├── ServiceUnavailableError the reader service (pcscd) is down
├── SharingViolationError   another program holds the card exclusively
└── ReaderTimeoutError      the reader did not answer in time
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol, Self

Protocol_ = Literal["T0", "T1"]


class ReaderError(Exception):
    def __init__(self, message: str, *, pcsc_code: str | None = None) -> None:
        self.pcsc_code = pcsc_code
        super().__init__(f"{message} ({pcsc_code})" if pcsc_code else message)


class NoCardError(ReaderError):
    pass


class CardRemovedError(ReaderError):
    pass


class CardResetError(ReaderError):
    pass


class ReaderUnavailableError(ReaderError):
    pass


class ServiceUnavailableError(ReaderError):
    pass


class SharingViolationError(ReaderError):
    pass


class ReaderTimeoutError(ReaderError):
    pass


class CardConnection(Protocol):
    """One card, powered and ready for APDUs."""

    @property
    def reader(self) -> str: ...

    @property
    def atr(self) -> bytes: ...

    @property
    def protocol(self) -> Protocol_: ...

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; return the response data and the status word."""
        ...

    def reset(self) -> bytes:
        """Warm-reset the card and return its new ATR; all card security state is lost."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ClosingContext:
    """``with connection:`` closes it: the context-manager half of ``CardConnection``."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def atomically(transmitter: object) -> AbstractContextManager[object]:
    """The connection's transaction when it has one (PC/SC), else nothing.

    Hold it around a multi-APDU operation (a whole read; INIT FOR CIPHER then CIPHER
    DATA on a PSAM) so no other program sharing the card gets in between.
    """
    transaction = getattr(transmitter, "transaction", None)
    return transaction() if callable(transaction) else contextlib.nullcontext()


@dataclass(frozen=True)
class ReaderAdded:
    reader: str


@dataclass(frozen=True)
class ReaderRemoved:
    reader: str


@dataclass(frozen=True)
class CardInserted:
    reader: str
    event_counter: int
    atr: bytes


@dataclass(frozen=True)
class CardRemoved:
    reader: str
    event_counter: int


@dataclass(frozen=True)
class ServiceDown:
    reason: str


@dataclass(frozen=True)
class ServiceUp:
    pass


ReaderEvent = ReaderAdded | ReaderRemoved | CardInserted | CardRemoved | ServiceDown | ServiceUp


class ReaderBackend(Protocol):
    """A family of readers: PC/SC, serial, or simulated."""

    def list_readers(self) -> list[str]: ...

    def connect(self, reader: str, *, exclusive: bool = False) -> CardConnection:
        """Power the card in ``reader``; NoCardError when there is none."""
        ...

    def events(self, cancel: threading.Event) -> Iterator[ReaderEvent]:
        """Reader events as they happen, starting with the present state, until ``cancel``."""
        ...
