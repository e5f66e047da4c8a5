"""Reader events on a thread of their own, handed over a queue to code that waits for them.

``ReaderBackend.events`` blocks; a window terminal (or a test) that wants to wait for the
next event with a deadline, while doing other work, runs it here:

    with ReaderEventQueue(backend) as events:
        inserted = events.next_card_event("Virtual PCD 00 00", timeout=30)
"""

from __future__ import annotations

import queue
import threading

from readers.connection import (
    CardInserted,
    CardRemoved,
    ClosingContext,
    ReaderBackend,
    ReaderEvent,
    ReaderTimeoutError,
)

# How long close() waits for the backend's event stream to notice the cancel.
STOP_SECONDS = 5.0


class ReaderEventQueue(ClosingContext):
    """Runs ``backend.events`` on a daemon thread; ``next`` hands the events over in order."""

    def __init__(self, backend: ReaderBackend, *, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._cancel = threading.Event()
        self._received: queue.Queue[ReaderEvent] = queue.Queue()
        self._thread = threading.Thread(
            target=self._run, args=(backend,), name="reader-events", daemon=True
        )
        self._thread.start()

    def _run(self, backend: ReaderBackend) -> None:
        for event in backend.events(self._cancel):
            self._received.put(event)

    def next(self, timeout: float | None = None) -> ReaderEvent:
        """The next event; ReaderTimeoutError if none comes in ``timeout`` seconds."""
        wait = self.timeout if timeout is None else timeout
        try:
            return self._received.get(timeout=wait)
        except queue.Empty:
            raise ReaderTimeoutError(f"no reader event within {wait} s") from None

    def next_card_event(
        self, reader: str, timeout: float | None = None
    ) -> CardInserted | CardRemoved:
        """The next card event of ``reader``, skipping reader and service events."""
        while True:
            event = self.next(timeout)
            if isinstance(event, CardInserted | CardRemoved) and event.reader == reader:
                return event

    def pending(self) -> int:
        """How many events wait to be taken."""
        return self._received.qsize()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Cancel the event stream and wait (a bounded time) for its thread to end."""
        self._cancel.set()
        self._thread.join(STOP_SECONDS)
