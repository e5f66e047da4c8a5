"""``sim://NAME``: a simulated serial reader as a pyserial URL, all in process.

This module is a pyserial URL handler (``serial_for_url`` looks for
``<package>.protocol_<scheme>.Serial``). ``SimUrlSerialReader`` registers this package
with ``readers.serial.port`` and publishes its simulator under a fresh name; ``Serial``
is the port the backend gets. It duck-types the few pyserial port methods the backend
uses, so that pyserial stays imported by ``readers.serial`` alone.

Bytes the host writes are answered at once, in the writer's thread; notices from
scripted insertions wait in the port's input buffer.
"""

from __future__ import annotations

import errno
import itertools
import threading
import time
from urllib.parse import urlsplit

from readers.serial.port import register_url_handlers
from simulators.serial.carrier import SimulatedSerialReader
from simulators.serial.engine import SerialReaderSimulator

SCHEME = "sim"
_names = itertools.count(1)
_published: dict[str, SimUrlSerialReader] = {}
_published_lock = threading.Lock()


class SimUrlSerialReader(SimulatedSerialReader):
    """Serves ``simulator`` at ``url`` (``sim://reader-N``) until ``unplug``."""

    def __init__(self, simulator: SerialReaderSimulator) -> None:
        super().__init__(simulator)
        register_url_handlers(__name__.rpartition(".")[0])
        self._received = threading.Condition(self._lock)
        self._inbox = bytearray()
        self._attached = False
        self._unplugged = False
        with _published_lock:
            self.name = f"reader-{next(_names)}"
            _published[self.name] = self
        self.url = f"{SCHEME}://{self.name}"

    def unplug(self) -> None:
        """The reader is pulled out: the open port fails and the URL no longer opens."""
        with _published_lock:
            _published.pop(self.name, None)
        with self._lock:
            self._unplugged = True
            self._received.notify_all()

    # --- the host's side, through Serial ---

    def _attach(self) -> None:
        with self._lock:
            self._check_plugged()
            if self._attached:
                raise OSError(errno.EBUSY, f"{self.url} is already open")
            self._attached = True
            self._inbox.clear()

    def _detach(self) -> None:
        with self._lock:
            self._attached = False

    def _write(self, data: bytes) -> None:
        with self._lock:
            self._check_plugged()
            self._send(self.simulator.receive(data))

    def _read(self, size: int, timeout: float | None) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                self._check_plugged()
                if len(self._inbox) >= size:
                    break
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._received.wait(left)
            data = bytes(self._inbox[:size])
            del self._inbox[:size]
            return data

    def _waiting(self) -> int:
        with self._lock:
            self._check_plugged()
            return len(self._inbox)

    def _send(self, data: bytes) -> None:
        if data and self._attached:
            self._inbox += data
            self._received.notify_all()

    def _check_plugged(self) -> None:
        if self._unplugged:
            raise OSError(errno.EIO, f"{self.url} was unplugged")


class Serial:
    """The port ``serial_for_url("sim://NAME")`` returns (pyserial's handler contract)."""

    def __init__(
        self, port: str | None = None, baudrate: int = 9600, timeout: float | None = None
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.timeout = timeout
        self._reader: SimUrlSerialReader | None = None

    @property
    def is_open(self) -> bool:
        return self._reader is not None

    def open(self) -> None:
        if self.port is None:
            raise ValueError("no sim:// URL to open")
        parts = urlsplit(self.port)
        with _published_lock:
            reader = _published.get(parts.netloc) if parts.scheme == SCHEME else None
        if reader is None:
            raise OSError(errno.ENOENT, f"no simulated reader at {self.port}")
        reader._attach()
        self._reader = reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader._detach()
            self._reader = None

    @property
    def in_waiting(self) -> int:
        return self._open_reader()._waiting()

    def read(self, size: int = 1) -> bytes:
        return self._open_reader()._read(size, self.timeout)

    def write(self, data: bytes) -> int:
        self._open_reader()._write(bytes(data))
        return len(data)

    def _open_reader(self) -> SimUrlSerialReader:
        if self._reader is None:
            raise OSError(errno.EBADF, "the port is not open")
        return self._reader
