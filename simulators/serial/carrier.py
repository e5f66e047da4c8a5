"""What every carrier of a simulated serial reader offers to the test that scripts it."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from simulators.card.os import CardOS
from simulators.serial.engine import FaultPlan, SerialReaderSimulator


class SimulatedSerialReader(ABC):
    """A ``SerialReaderSimulator`` on some line; ``_send`` puts bytes on that line.

    The lock serialises the simulator between the carrier's thread and the test's.
    """

    def __init__(self, simulator: SerialReaderSimulator) -> None:
        self.simulator = simulator
        self._lock = threading.Lock()

    @property
    def fault(self) -> FaultPlan | None:
        return self.simulator.fault

    @fault.setter
    def fault(self, plan: FaultPlan | None) -> None:
        with self._lock:
            self.simulator.fault = plan

    def insert(self, card: CardOS) -> None:
        """Put ``card`` into the reader (a notice goes to the host)."""
        with self._lock:
            self._send(self.simulator.insert(card))

    def remove(self) -> None:
        """Take the card out of the reader (a notice goes to the host)."""
        with self._lock:
            self._send(self.simulator.remove())

    @abstractmethod
    def _send(self, data: bytes) -> None:
        """Deliver ``data`` to the host; called with the lock held."""
