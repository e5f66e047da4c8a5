"""``PcscBackend``: the readers pcscd knows, as a ``readers.connection.ReaderBackend``."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from readers.connection import Protocol_, ReaderEvent
from readers.pcsc import codes
from readers.pcsc.api import PyscardApi, ScardApi
from readers.pcsc.connection import REMOVAL_GRACE_SECONDS, Disposition, PcscConnection
from readers.pcsc.monitor import ReaderMonitor

# events() looks at its cancel event at least this often (seconds).
CANCEL_POLL_SECONDS = 0.05


class PcscBackend:
    """PC/SC readers through pcscd (or WinSCard). Thread-safe; ``api`` is for tests."""

    def __init__(
        self,
        api: ScardApi | None = None,
        *,
        removal_grace: float = REMOVAL_GRACE_SECONDS,
    ) -> None:
        self._api = api if api is not None else PyscardApi()
        self._removal_grace = removal_grace
        self._monitor = ReaderMonitor(self._api)

    def list_readers(self) -> list[str]:
        """The readers pcscd has now; ServiceUnavailableError when it does not answer."""
        code, context = self._api.establish_context()
        if code != codes.SUCCESS:
            raise codes.error_for(code, "establish a PC/SC context")
        try:
            code, readers = self._api.list_readers(context)
        finally:
            self._api.release_context(context)
        if codes.code_name(code) == "SCARD_E_NO_READERS_AVAILABLE":
            return []
        if code != codes.SUCCESS:
            raise codes.error_for(code, "list readers")
        return readers

    def connect(
        self,
        reader: str,
        *,
        exclusive: bool = False,
        protocols: tuple[Protocol_, ...] = ("T0", "T1"),
        disposition: Disposition = "leave",
    ) -> PcscConnection:
        """Connect to the card in ``reader``: shared (or exclusive), T=0 or T=1, LEAVE on close.

        NoCardError when the reader is empty, SharingViolationError when another program
        holds the card exclusively, ReaderUnavailableError for an unknown reader.
        """
        return PcscConnection(
            self._api,
            reader,
            exclusive=exclusive,
            protocols=protocols,
            disposition=disposition,
            removal_grace=self._removal_grace,
        )

    def events(self, cancel: threading.Event) -> Iterator[ReaderEvent]:
        """Reader events, starting with the present state, until ``cancel`` is set.

        They are produced by the backend's one monitor thread and handed over through a
        queue; this generator runs on the caller's thread.
        """
        subscription = self._monitor.subscribe()
        try:
            for event in subscription.initial:
                if cancel.is_set():
                    return
                yield event
            while not cancel.is_set():
                try:
                    event = subscription.inbox.get(timeout=CANCEL_POLL_SECONDS)
                except queue.Empty:
                    continue
                yield event
        finally:
            self._monitor.unsubscribe(subscription)
