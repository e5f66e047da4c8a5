"""The vpcd relay against a stand-in for pcscd's vpcd driver: framing, contacts, removal,
and the control panel's card and PSAM files."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from readers.trace import ApduRedactor
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.population import generate_population, make_personalisation
from simulators.psam import SoftPsam
from simulators.psam_state import save_psam
from simulators.vpcd import READER_NAMES, VpcdSlot
from simulators.vpcd_control import ControlPanel

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


@pytest.mark.parametrize("kind", ["card", "psam"])
def test_the_control_panel_takes_card_and_psam_files_told_apart_by_format(
    driver: FakeDriver, card: SoftSocialSecurityCard, tmp_path: Path, kind: str
) -> None:
    psam = SoftPsam.with_keys([], "320500000001")
    path = tmp_path / f"{kind}.json"
    if kind == "card":
        save_card(card, path)
    else:
        save_psam(psam, path)
    panel = ControlPanel(VpcdSlot(1, port=driver.port))
    assert panel.handle(f"insert {path}") == f"ok {READER_NAMES[1]}: inserted {path}"
    driver.accept()
    driver.send(b"\x04")
    assert driver.receive() == (card.atr if kind == "card" else psam.atr)
    replies: list[str] = []
    remover = threading.Thread(target=lambda: replies.append(panel.handle("remove")))
    remover.start()
    driver.send(b"\x04")
    while driver.receive() != b"":
        driver.send(b"\x04")
    remover.join(WAIT)
    assert replies == [f"ok {READER_NAMES[1]}: removed"]


def test_the_control_panel_refuses_a_file_that_is_neither_card_nor_psam(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"format": "sscard-something-else"}')
    panel = ControlPanel(VpcdSlot(1))
    reply = panel.handle(f"insert {other}")
    assert reply.startswith(f"error {other}: neither a soft card")
    assert panel.slot.card is None


def test_the_redactor_masks_pins_and_holder_records() -> None:
    redactor = ApduRedactor()
    assert redactor.command(bytes.fromhex("0020000003123456")) == "00 20 00 00 03 [3 bytes masked]"
    assert redactor.command(bytes.fromhex("00B2083014")) == "00 B2 08 30 14"
    assert redactor.response(b"\x08\x12" + b"3" * 18, 0x9000) == "[20 bytes masked] 90 00"
    assert redactor.command(bytes.fromhex("00B2012C12")) == "00 B2 01 2C 12"
    assert redactor.response(b"\x01\x02\xab\xcd", 0x9000) == "01 02 AB CD 90 00"
