"""The vpcd relay against a stand-in for pcscd's vpcd driver: framing, contacts, removal."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from readers.trace import ApduRedactor
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.population import generate_population, make_personalisation
from simulators.vpcd import VpcdSlot

SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
WAIT = 5.0  # a safety net against hangs, not a timing assertion


class FakeDriver:
    """The driver's side of one vpcd port: accepts the relay and exchanges frames."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(WAIT)
        self.port = self.server.getsockname()[1]
        self.link: socket.socket | None = None

    def accept(self) -> None:
        self.link, _ = self.server.accept()
        self.link.settimeout(WAIT)

    def send(self, message: bytes) -> None:
        assert self.link is not None
        self.link.sendall(len(message).to_bytes(2, "big") + message)

    def receive(self) -> bytes | None:
        assert self.link is not None
        header = self.link.recv(2, socket.MSG_WAITALL)
        if len(header) < 2:
            return None
        return self.link.recv(int.from_bytes(header, "big"), socket.MSG_WAITALL)

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
        self.server.close()


@pytest.fixture
def driver() -> Iterator[FakeDriver]:
    fake = FakeDriver()
    yield fake
    fake.close()


@pytest.fixture
def card() -> SoftSocialSecurityCard:
    resident = generate_population(1, seed=51, generations=("2.00",))[0]
    return SoftSocialSecurityCard.personalised(make_personalisation(resident))


def test_the_relay_answers_atr_requests_and_apdus_after_power_on(
    driver: FakeDriver, card: SoftSocialSecurityCard
) -> None:
    slot = VpcdSlot(0, port=driver.port)
    slot.insert(card)
    driver.accept()
    driver.send(b"\x04")
    assert driver.receive() == card.atr
    driver.send(b"\x01")  # power on: no answer
    driver.send(SELECT_SSSE)
    assert driver.receive() == b"\x61\x1b"
    # Removal answers the next ATR request with nothing, then the link closes.
    remover = threading.Thread(target=slot.remove)
    remover.start()
    driver.send(b"\x04")
    while driver.receive() != b"":
        driver.send(b"\x04")
    remover.join(WAIT)
    assert slot.card is None
    assert driver.receive() is None  # then the link closes


def test_a_fault_pulls_the_card_without_an_answer(
    driver: FakeDriver, card: SoftSocialSecurityCard
) -> None:
    slot = VpcdSlot(0, port=driver.port, fault=lambda apdu: apdu[1] == 0xA4)
    slot.insert(card)
    driver.accept()
    driver.send(b"\x01")
    driver.send(SELECT_SSSE)
    assert driver.receive() is None
    assert slot.card is None


def test_the_redactor_masks_pins_and_holder_records() -> None:
    redactor = ApduRedactor()
    assert redactor.command(bytes.fromhex("0020000003123456")) == "00 20 00 00 03 [3 bytes masked]"
    assert redactor.command(bytes.fromhex("00B2083014")) == "00 B2 08 30 14"
    assert redactor.response(b"\x08\x12" + b"3" * 18, 0x9000) == "[20 bytes masked] 90 00"
    assert redactor.command(bytes.fromhex("00B2012C12")) == "00 B2 01 2C 12"
    assert redactor.response(b"\x01\x02\xab\xcd", 0x9000) == "01 02 AB CD 90 00"
