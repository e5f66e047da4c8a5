"""A simulated serial reader on a pseudo-terminal: the host opens ``path`` as a real port.

The simulator holds the pty's master side and a thread that answers whatever the host
writes. ``stop`` closes the master, so the host sees the port vanish as when a USB serial
adapter is unplugged.
"""

from __future__ import annotations

import os
import select
import threading
import tty

from readers.connection import ClosingContext
from simulators.serial.carrier import SimulatedSerialReader
from simulators.serial.engine import SerialReaderSimulator

# How long the host may pause inside a frame before the simulator NAKs it (seconds).
GAP_SECONDS = 0.05
READ_SIZE = 4096


class PtySerialReader(SimulatedSerialReader, ClosingContext):
    """Serves ``simulator`` on a fresh pty until ``close``; a context manager."""

    def __init__(self, simulator: SerialReaderSimulator) -> None:
        super().__init__(simulator)
        self._master, self._slave = os.openpty()
        # Raw before the host opens it: no echo of our bytes, no newline translation.
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._wake_read, self._wake_write = os.pipe()
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, name=f"pty {self.path}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and close the pty: the port is gone for the host."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        os.write(self._wake_write, b"x")
        self._thread.join()
        for fd in (self._master, self._slave, self._wake_read, self._wake_write):
            os.close(fd)

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._wake_read], [], [], GAP_SECONDS)
            if self._wake_read in ready:
                return
            with self._lock:
                if self._master in ready:
                    self._send(self.simulator.receive(os.read(self._master, READ_SIZE)))
                else:
                    self._send(self.simulator.expire())

    def _send(self, data: bytes) -> None:
        if data and not self._stopped:
            os.write(self._master, data)
