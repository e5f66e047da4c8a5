"""The soft card's security commands against profile §5, byte for byte.

Expected cryptograms and MACs come from ``profile_reference`` (raw ``cryptography``
calls), never from ``keys`` or the simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from keys.algorithms import KeyPurpose
from simulators.card.keyring import StoredKey
from simulators.card.memory import CardMemory
from simulators.card.personalisation import CardPersonalisation
from simulators.card.ssc import SoftSocialSecurityCard

from .profile_reference import cryptogram, enciphered_pin, pin_mac

MakePersonalisation = Callable[..., CardPersonalisation]

IRK = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
RKSSSE = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
UK = bytes.fromhex("1032547698BADCFEEFCDAB8967452301")
PRK = bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F")
PF = bytes.fromhex("1122334455667788")
ORIG = bytes.fromhex("A1B2C3D4E5F60718")
CHALLENGE16 = bytes.fromhex("0102030405060708 1112131415161718".replace(" ", ""))
MAC_CHALLENGE = bytes.fromhex("0A0B0C0D")
SELECT_SSSE = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00"


def send(card: SoftSocialSecurityCard, apdu: str) -> str:
    return card.execute(bytes.fromhex(apdu.replace(" ", ""))).hex().upper()


class Challenges:
    """Deterministic challenges: each GET CHALLENGE returns the next scripted bytes."""

    def __init__(self) -> None:
        self.queue: list[bytes] = []

    def __call__(self, n: int) -> bytes:
        value = self.queue.pop(0) if self.queue else bytes(range(n))
        assert len(value) == n
        return value


@pytest.fixture
def challenges() -> Challenges:
    return Challenges()


@pytest.fixture
def keyed(
    make_personalisation: MakePersonalisation, challenges: Challenges
) -> Callable[..., SoftSocialSecurityCard]:
    """A powered card holding the known keys above, in SSSE."""

    def make(
        generation: str = "3.00", protocol: str = "T1", **overrides: Any
    ) -> SoftSocialSecurityCard:
        p = make_personalisation(generation=generation, **overrides)
        memory = CardMemory(p.generation, p.chip_serial)
        card = SoftSocialSecurityCard(memory, protocol=protocol, random_bytes=challenges)  # type: ignore[arg-type]
        card.personalise(p)
        memory.keys = {
            KeyPurpose.INTERNAL_AUTH: StoredKey(IRK, 1),
            KeyPurpose.READ: StoredKey(RKSSSE, 2),
            KeyPurpose.UPDATE: StoredKey(UK, 1),
            KeyPurpose.PIN_RELOAD: StoredKey(PRK, 1),
        }
        card.power_on()
        answer = send(card, SELECT_SSSE)
        if answer.startswith("61"):
            send(card, "00C00000" + answer[2:])
        return card

    return make


def external(card: SoftSocialSecurityCard, challenges: Challenges, key_id: str, key: bytes) -> str:
    """GET CHALLENGE 10, then EXTERNAL AUTHENTICATE with the right cryptogram."""
    challenges.queue.append(CHALLENGE16)
    assert send(card, "0084000010") == CHALLENGE16.hex().upper() + "9000"
    sm4 = card.memory.generation == "3.00"
    crypt = cryptogram(sm4, key, CHALLENGE16[8:], CHALLENGE16[:8])
    return send(card, f"008200{key_id}10" + (crypt + CHALLENGE16[:8]).hex())


# --- INTERNAL AUTHENTICATE ---


@pytest.mark.parametrize(("generation", "sm4"), [("3.00", True), ("2.00", False), ("1.00", False)])
@pytest.mark.parametrize("protocol", ["T0", "T1"])
def test_internal_authenticate_answers_the_profile_cryptogram(
    keyed: Callable[..., SoftSocialSecurityCard], generation: str, sm4: bool, protocol: str
) -> None:
    card = keyed(generation, protocol)
    expected = cryptogram(sm4, IRK, PF, ORIG).hex().upper()
    answer = send(card, "0088000010" + (PF + ORIG).hex())
    if protocol == "T0":
        assert answer == "6108"
        answer = send(card, "00C0000008")
    assert answer == expected + "9000"


@pytest.mark.parametrize(
    ("generation", "vector"), [("3.00", "27B696D2247FEC0D"), ("2.00", "748E9738D1159A42")]
)
def test_internal_authenticate_pinned_vectors(
    keyed: Callable[..., SoftSocialSecurityCard], generation: str, vector: str
) -> None:
    # The reference's output for IRK/PF/ORIG above, written out once, so that a change
    # in the reference itself would show too.
    assert cryptogram(generation == "3.00", IRK, PF, ORIG).hex().upper() == vector
    assert send(keyed(generation), "0088000010" + (PF + ORIG).hex()) == vector + "9000"


def test_internal_authenticate_uses_no_challenge_and_no_try(
    keyed: Callable[..., SoftSocialSecurityCard],
) -> None:
    card = keyed()
    send(card, "0084000010")
    assert send(card, "0088000010" + (PF + ORIG).hex()).endswith("9000")
    assert card.last_challenge is not None
    assert card.memory.keys[KeyPurpose.INTERNAL_AUTH].tries_left == 5


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("008800000811223344", "6700"),
        ("0088010010" + "00" * 16, "6A86"),
    ],
)
def test_internal_authenticate_malformed(
    keyed: Callable[..., SoftSocialSecurityCard], apdu: str, sw: str
) -> None:
    assert send(keyed(), apdu) == sw


# --- EXTERNAL AUTHENTICATE, read protection, write rights ---


def test_3_00_card_withholds_card_number_and_ef06_until_rkssse(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("3.00")
    assert send(card, "00B207280B") == "6982"  # EF05 tag 07
    assert send(card, "00B2012812").endswith("9000")  # EF05 tag 01 stays readable
    for tag in ("08", "09", "4E", "0A", "0B", "0C", "0D"):
        assert send(card, f"00B2{tag}3000") == "6982"
    assert send(card, "00B2013404") == "6982"  # EF06 by record number too
    assert external(card, challenges, "0A", RKSSSE) == "9000"
    assert send(card, "00B207280B") == "0709" + b"A00000011".hex().upper() + "9000"
    assert send(card, "00B2083014").startswith("0812")
    card.reset()
    send(card, SELECT_SSSE)
    assert send(card, "00B2083014") == "6982"  # a new power-up needs RKSSSE again


@pytest.mark.parametrize("generation", ["1.00", "2.00"])
def test_older_cards_are_not_read_protected(
    keyed: Callable[..., SoftSocialSecurityCard], generation: str
) -> None:
    card = keyed(generation)
    assert send(card, "00B207280B").endswith("9000")
    assert send(card, "00B2083014").endswith("9000")


def test_a_keyless_3_00_card_reads_freely(
    make_personalisation: MakePersonalisation,
) -> None:
    card = SoftSocialSecurityCard.personalised(
        make_personalisation(generation="3.00"), protocol="T1"
    )
    card.power_on()
    send(card, SELECT_SSSE)
    assert send(card, "00B2083014").endswith("9000")


def test_external_authenticate_with_a_wrong_cryptogram_counts_down_then_blocks(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("3.00")
    wrong = bytes(8)
    for left in (4, 3, 2, 1, 0):
        challenges.queue.append(CHALLENGE16)
        send(card, "0084000010")
        assert send(card, "0082000A10" + (wrong + CHALLENGE16[:8]).hex()) == f"63C{left}"
        assert send(card, "00B2083014") == "6982"
    assert card.memory.keys[KeyPurpose.READ].tries_left == 0
    assert external(card, challenges, "0A", RKSSSE) == "6983"  # even the right one
    assert send(card, "00B2083014") == "6982"


def test_a_right_cryptogram_restores_the_tries(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("2.00")
    challenges.queue.append(CHALLENGE16)
    send(card, "0084000010")
    assert send(card, "0082000410" + (bytes(8) + CHALLENGE16[:8]).hex()) == "63C4"
    assert external(card, challenges, "04", UK) == "9000"
    assert card.memory.keys[KeyPurpose.UPDATE].tries_left == 5


def test_external_authenticate_needs_the_last_unused_16_byte_challenge(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("3.00")
    crypt = cryptogram(True, RKSSSE, CHALLENGE16[8:], CHALLENGE16[:8])
    apdu = "0082000A10" + (crypt + CHALLENGE16[:8]).hex()
    assert send(card, apdu) == "6984"  # no challenge
    challenges.queue.append(CHALLENGE16[:8])
    send(card, "0084000008")
    assert send(card, apdu) == "6984"  # an 8-byte challenge carries no pf
    challenges.queue.append(CHALLENGE16)
    send(card, "0084000010")
    assert send(card, "0082000A10" + (crypt + ORIG).hex()) == "6984"  # not its orig
    assert send(card, apdu) == "6984"  # the failed attempt used the challenge up
    challenges.queue.append(CHALLENGE16)
    send(card, "0084000010")
    assert send(card, apdu) == "9000"
    assert send(card, apdu) == "6984"  # single use
    assert card.memory.keys[KeyPurpose.READ].tries_left == 5  # 6984 costs no try


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("0082000510" + "00" * 16, "6A88"),  # no key 05
        ("0082010A10" + "00" * 16, "6A86"),
        ("0082000A08" + "00" * 8, "6700"),
    ],
)
def test_external_authenticate_malformed(
    keyed: Callable[..., SoftSocialSecurityCard], apdu: str, sw: str
) -> None:
    assert send(keyed(), apdu) == sw


def test_writes_need_the_update_key(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("2.00")
    new_number = "0709" + b"B00000027".hex().upper()
    assert send(card, "00DC072C0B" + new_number) == "6982"
    assert external(card, challenges, "0A", RKSSSE) == "9000"
    assert send(card, "00DC072C0B" + new_number) == "6982"  # RKSSSE opens reading only
    assert external(card, challenges, "04", UK) == "9000"
    assert send(card, "00DC072C0B" + new_number) == "9000"
    assert send(card, "00B207280B") == new_number + "9000"
    assert send(card, "00DC072C0B 0809 423030303030303237") == "6A80"  # another tag
    assert send(card, "00DC072C05 0703 423030") == "6700"  # another length
    assert send(card, "00A40200020008") == "9000"
    assert send(card, "00D6001002CAFE") == "9000"
    assert send(card, "00B0001002") == "CAFE9000"
    card.reset()
    send(card, SELECT_SSSE)
    assert send(card, "00DC072C0B" + new_number) == "6982"


# --- RELOAD PIN and UNBLOCK PIN ---


def reload_apdu(sm4: bool, pin: str, key: bytes = PRK) -> str:
    data = bytes.fromhex(pin)
    lc = len(data) + 4
    header = bytes.fromhex("805E0000") + bytes([lc])
    return (header + data + pin_mac(sm4, key, MAC_CHALLENGE, header + data)).hex()


def test_reload_pin_vector_written_out_for_3des() -> None:
    # 80 5E 00 00 07 654321 ‖ MAC over IV 0A0B0C0D00000000, data 805E000007654321 80
    expected_mac = pin_mac(False, PRK, MAC_CHALLENGE, bytes.fromhex("805E000007654321"))
    assert reload_apdu(False, "654321").upper() == "805E000007654321" + expected_mac.hex().upper()


@pytest.mark.parametrize(("generation", "sm4"), [("3.00", True), ("2.00", False)])
def test_reload_pin_with_the_right_mac_sets_a_new_pin(
    keyed: Callable[..., SoftSocialSecurityCard],
    challenges: Challenges,
    generation: str,
    sm4: bool,
) -> None:
    card = keyed(generation)
    for _ in range(3):
        send(card, "0020000003999999")
    assert send(card, "0020000003123456") == "6983"  # blocked
    challenges.queue.append(MAC_CHALLENGE)
    assert send(card, "0084000004") == "0A0B0C0D9000"
    assert send(card, reload_apdu(sm4, "654321")) == "9000"
    assert send(card, "0020000003654321") == "9000"
    assert card.memory.pin_tries_left == 3


@pytest.mark.parametrize(("generation", "sm4"), [("3.00", True), ("2.00", False)])
def test_unblock_pin_deciphers_the_new_pin(
    keyed: Callable[..., SoftSocialSecurityCard],
    challenges: Challenges,
    generation: str,
    sm4: bool,
) -> None:
    card = keyed(generation)
    for _ in range(3):
        send(card, "0020000003999999")
    enc = enciphered_pin(sm4, PRK, bytes.fromhex("2468"))
    header = bytes.fromhex("84240000") + bytes([len(enc) + 4])
    apdu = (header + enc + pin_mac(sm4, PRK, MAC_CHALLENGE, header + enc)).hex()
    challenges.queue.append(MAC_CHALLENGE)
    send(card, "0084000004")
    assert send(card, apdu) == "9000"
    assert send(card, "00200000022468") == "9000"


def test_wrong_mac_answers_6988_and_counts_against_prk(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("3.00")
    good = reload_apdu(True, "654321")
    bad = good[:-8] + "00000000"
    for left in (4, 3, 2, 1, 0):
        challenges.queue.append(MAC_CHALLENGE)
        send(card, "0084000004")
        assert send(card, bad) == "6988"
        assert card.memory.keys[KeyPurpose.PIN_RELOAD].tries_left == left
    challenges.queue.append(MAC_CHALLENGE)
    send(card, "0084000004")
    assert send(card, good) == "6983"
    assert send(card, "0020000003123456") == "9000"  # the PIN was never changed


def test_pin_commands_need_a_fresh_4_byte_challenge(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("3.00")
    apdu = reload_apdu(True, "654321")
    assert send(card, apdu) == "6984"
    challenges.queue.append(MAC_CHALLENGE + bytes(4))
    send(card, "0084000008")
    assert send(card, apdu) == "6984"
    challenges.queue.append(MAC_CHALLENGE)
    send(card, "0084000004")
    assert send(card, apdu) == "9000"
    assert send(card, apdu) == "6984"
    assert card.memory.keys[KeyPurpose.PIN_RELOAD].tries_left == 5


def test_reload_pin_with_a_macd_malformed_pin_is_wrong_data(
    keyed: Callable[..., SoftSocialSecurityCard], challenges: Challenges
) -> None:
    card = keyed("2.00")
    challenges.queue.append(MAC_CHALLENGE)
    send(card, "0084000004")
    assert send(card, reload_apdu(False, "12AB")) == "6A80"


def test_stored_key_repr_hides_the_value() -> None:
    assert IRK.hex() not in repr(StoredKey(IRK, 1)).lower()
    assert "value" not in repr(StoredKey(IRK, 1))
