"""Serial readers for the tests: a simulated reader on a pty or a ``sim://`` URL, and its
backend opened on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from readers.connection import Protocol_, ReaderBackend
from readers.event_queue import ReaderEventQueue
from readers.serial.backend import DEFAULT_TIMEOUT, SerialReaderBackend
from simulators.card.personalisation import CardPersonalisation, Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.serial.carrier import SimulatedSerialReader
from simulators.serial.engine import SerialReaderSimulator
from simulators.serial.protocol_sim import SimUrlSerialReader
from simulators.serial.pty_reader import PtySerialReader

WAIT = 5.0  # seconds: a safety net against hangs, not a timing assertion
# The reader's allowance in tests where it goes mute: short, so they stay fast.
MUTE_TIMEOUT = 0.2


def personalisation(generation: Generation = "3.00", seed: int = 1) -> CardPersonalisation:
    resident = generate_population(1, seed=seed, generations=(generation,))[0]
    return make_personalisation(resident)


def soft_card(
    generation: Generation = "3.00", protocol: Protocol_ = "T0", seed: int = 1
) -> SoftSocialSecurityCard:
    return SoftSocialSecurityCard.personalised(personalisation(generation, seed), protocol=protocol)


class Rig:
    """A simulated reader on one carrier, and the backends opened on it."""

    def __init__(self, carrier: str) -> None:
        self.simulator = SerialReaderSimulator()
        self.reader: SimulatedSerialReader
        if carrier == "pty":
            self.reader = PtySerialReader(self.simulator)
            self.url = self.reader.path
        else:
            self.reader = SimUrlSerialReader(self.simulator)
            self.url = self.reader.url
        self.backends: list[SerialReaderBackend] = []

    def open(
        self, *, timeout: float = DEFAULT_TIMEOUT, poll_interval: float | None = None
    ) -> SerialReaderBackend:
        backend = SerialReaderBackend(self.url, timeout=timeout, poll_interval=poll_interval)
        self.backends.append(backend)
        return backend

    def unplug(self) -> None:
        if isinstance(self.reader, PtySerialReader):
            self.reader.close()
        else:
            assert isinstance(self.reader, SimUrlSerialReader)
            self.reader.unplug()

    def close(self) -> None:
        for backend in self.backends:
            backend.close()
        self.unplug()


@pytest.fixture(params=["pty", "sim"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    """A reader on a pty, then on ``sim://``: each test runs over both."""
    rig = Rig(request.param)
    yield rig
    rig.close()


@pytest.fixture
def listen() -> Iterator[Callable[[ReaderBackend], ReaderEventQueue]]:
    listeners: list[ReaderEventQueue] = []

    def start(backend: ReaderBackend) -> ReaderEventQueue:
        listeners.append(ReaderEventQueue(backend, timeout=WAIT))
        return listeners[-1]

    yield start
    for listener in listeners:
        listener.close()
        assert not listener.running


MakeCard = Callable[..., SoftSocialSecurityCard]


@pytest.fixture
def make_card() -> MakeCard:
    """``make_card(generation="3.00", protocol="T0", seed=1)``: a personalised soft card."""
    return soft_card
