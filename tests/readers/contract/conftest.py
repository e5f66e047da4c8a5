"""Harnesses for the reader contract suite: one behaviour, every backend.

A harness gives the suite a ``ReaderBackend``, the name of one of its readers, and ways
to script what a holder does at that reader:

- ``insert(card)``: put a soft card in; returns once the backend can connect to it;
- ``remove()``: take it out; returns once the backend sees the reader empty;
- ``pull_on(predicate)``: the next command APDU for which ``predicate(apdu)`` is true
  pulls the card out before the card answers.

To add a backend, write a harness class with that shape and a factory
``(request) -> Iterator[harness]`` that sets it up and tears it down, then add it to
``HARNESSES`` under its name: every contract test runs against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import pytest

from readers.connection import Protocol_, ReaderBackend
from readers.event_queue import ReaderEventQueue
from readers.pcsc import PcscBackend, codes
from readers.pcsc.api import PyscardApi
from readers.serial.backend import SerialReaderBackend
from readers.serial.messages import Command, SlotState
from simulators.card.os import CardOS
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.serial.engine import Fault, SerialReaderSimulator
from simulators.serial.pty_reader import PtySerialReader
from simulators.virtual_reader import VirtualReaderBackend
from simulators.vpcd import VpcdSlot

ApduPredicate = Callable[[bytes], bool]
SETTLE_SECONDS = 5.0  # a safety net against hangs, not a timing assertion


class BackendHarness(Protocol):
    backend: ReaderBackend
    reader: str

    def insert(self, card: CardOS) -> None: ...

    def remove(self) -> None: ...

    def pull_on(self, predicate: ApduPredicate) -> None: ...


class _OneShotPull:
    """A fault hook: pulls the card on the first APDU matching the armed predicate."""

    def __init__(self) -> None:
        self.predicate: ApduPredicate | None = None

    def __call__(self, apdu: bytes) -> bool:
        if self.predicate is not None and self.predicate(apdu):
            self.predicate = None
            return True
        return False


class VirtualHarness:
    """The in-process ``VirtualReaderBackend`` (the reference behaviour)."""

    def __init__(self) -> None:
        self.reader = "Virtual Reader 0"
        self._pull = _OneShotPull()
        self._virtual = VirtualReaderBackend(
            (self.reader,), fault=lambda _reader, apdu: self._pull(apdu)
        )
        self.backend: ReaderBackend = self._virtual

    def insert(self, card: CardOS) -> None:
        self._virtual.insert(self.reader, card)

    def remove(self) -> None:
        self._virtual.remove(self.reader)

    def pull_on(self, predicate: ApduPredicate) -> None:
        self._pull.predicate = predicate


class PcscHarness:
    """The real pcscd, with soft cards relayed into vpcd slot 0."""

    def __init__(self) -> None:
        self._pull = _OneShotPull()
        self._slot = VpcdSlot(0, fault=self._pull)
        self.reader = self._slot.reader
        self._api = PyscardApi()
        self.backend: ReaderBackend = PcscBackend(self._api)

    def insert(self, card: CardOS) -> None:
        before = self._wait_until(lambda state: bool(state & codes.STATE_EMPTY))
        self._slot.insert(card)
        self._wait_until(
            lambda state: (
                bool(state & codes.STATE_PRESENT)
                and codes.event_counter(state) != codes.event_counter(before)
            )
        )

    def remove(self) -> None:
        self._slot.remove()
        self._wait_until(lambda state: bool(state & codes.STATE_EMPTY))

    def pull_on(self, predicate: ApduPredicate) -> None:
        self._pull.predicate = predicate

    def close(self) -> None:
        self.remove()

    def _wait_until(self, done: Callable[[int], bool]) -> int:
        """pcscd's state of the reader once ``done(state)`` holds (after a pull, pcscd
        notices the empty reader at its next poll)."""
        code, context = self._api.establish_context()
        assert code == codes.SUCCESS, codes.code_name(code)
        try:
            state = codes.STATE_UNAWARE
            while True:
                code, states = self._api.get_status_change(
                    context, round(SETTLE_SECONDS * 1000), [(self.reader, state)]
                )
                assert code == codes.SUCCESS, f"{self.reader}: {codes.code_name(code)}"
                state = states[0].event_state & ~codes.STATE_CHANGED
                if done(state):
                    return state
        finally:
            self._api.release_context(context)


class SerialHarness:
    """The serial backend on a pty, the simulated window reader on the other side."""

    def __init__(self) -> None:
        self._pull = _OneShotPull()
        self._pty = PtySerialReader(SerialReaderSimulator(fault=self._fault))
        self.reader = self._pty.path
        self._serial = SerialReaderBackend(self.reader)
        self.backend: ReaderBackend = self._serial

    def insert(self, card: CardOS) -> None:
        self._pty.insert(card)  # connect asks the reader when it has seen no card yet

    def remove(self) -> None:
        self._pty.remove()
        # Ask the reader rather than wait for its notice, which may still be in the pty.
        assert self._serial.card_status().state is SlotState.ABSENT

    def pull_on(self, predicate: ApduPredicate) -> None:
        self._pull.predicate = predicate

    def close(self) -> None:
        self._serial.close()
        self._pty.close()

    def _fault(self, command: int, data: bytes) -> Fault | None:
        return Fault.PULL if command == Command.APDU and self._pull(data) else None


def _virtual(request: pytest.FixtureRequest) -> Iterator[BackendHarness]:
    yield VirtualHarness()


def _pcsc(request: pytest.FixtureRequest) -> Iterator[BackendHarness]:
    request.getfixturevalue("pcscd")
    harness = PcscHarness()
    yield harness
    harness.close()


def _serial(request: pytest.FixtureRequest) -> Iterator[BackendHarness]:
    harness = SerialHarness()
    yield harness
    harness.close()


HARNESSES: dict[str, Callable[[pytest.FixtureRequest], Iterator[BackendHarness]]] = {
    "virtual": _virtual,
    "pcsc": _pcsc,
    "serial": _serial,
}


@pytest.fixture(params=sorted(HARNESSES))
def backend_harness(request: pytest.FixtureRequest) -> Iterator[BackendHarness]:
    yield from HARNESSES[request.param](request)


@pytest.fixture
def make_card() -> Callable[..., SoftSocialSecurityCard]:
    """``make_card(seed, protocol)``: a soft 2.00 card of synthetic resident ``seed``."""

    def make(seed: int = 1, protocol: Protocol_ = "T0") -> SoftSocialSecurityCard:
        resident = generate_population(1, seed=seed, generations=("2.00",))[0]
        return SoftSocialSecurityCard.personalised(
            make_personalisation(resident), protocol=protocol
        )

    return make


@pytest.fixture
def listen() -> Iterator[Callable[[ReaderBackend], ReaderEventQueue]]:
    """``listen(backend)``: start an event listener; stopped after the test."""
    listeners: list[ReaderEventQueue] = []

    def start(backend: ReaderBackend) -> ReaderEventQueue:
        listeners.append(ReaderEventQueue(backend, timeout=SETTLE_SECONDS))
        return listeners[-1]

    yield start
    for listener in listeners:
        listener.close()
        assert not listener.running
