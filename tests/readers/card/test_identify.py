"""The host side of the genuine-card check and the PSAM, against byte scripts from profile §5.

Card and PSAM are ``ScriptedCard``s that answer only the profile's bytes, so a host that
sends anything else, or in another order, fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from readers.card.authenticator import CardKey, CardKeyContext
from readers.card.errors import (
    CardNotGenuine,
    KeyAuthenticationFailed,
    PsamDoesNotMatchCard,
    PsamError,
)
from readers.card.identify import NOT_CHECKED, identify
from readers.card.models import CardAlgorithm
from readers.card.psam import PsamAuthenticator
from readers.card.session import SocialSecurityCardSession

from .test_session import CARD_ID, EF05, EF06, JPEG, SELECT_SSSE, ScriptedCard, card, photo_script

PF = bytes.fromhex("1111111111111111")
ORIG = bytes.fromhex("2222222222222222")
CHALLENGE = bytes.fromhex("A0A1A2A3A4A5A6A7B0B1B2B3B4B5B6B7")
CARD_CRYPTOGRAM = "0123456789ABCDEF"
READ_CRYPTOGRAM = "FEDCBA9876543210"
INTERNAL_AUTH = f"0088000010{PF.hex().upper()}{ORIG.hex().upper()}"
GET_CHALLENGE_16 = "0084000010"
EXTERNAL_AUTH_0A = f"0082000A10{READ_CRYPTOGRAM}{CHALLENGE[:8].hex().upper()}"
CARD_NUMBER = "00B207280B"
EF08 = JPEG + bytes(0xF0)


def random_bytes() -> object:
    values = iter([PF, ORIG])
    return lambda n: next(values)


class FakeAuthenticator:
    """Answers fixed cryptograms per key and records what it was asked."""

    description = "PSAM, terminal 320100000001"

    def __init__(self, region_code: str | None = "320100", internal: str = CARD_CRYPTOGRAM):
        self.region_code = region_code
        self.answers = {
            CardKey.INTERNAL_AUTHENTICATION: bytes.fromhex(internal),
            CardKey.READ: bytes.fromhex(READ_CRYPTOGRAM),
        }
        self.asked: list[tuple[CardKeyContext, CardKey, bytes, bytes]] = []

    def cryptogram(
        self, card: CardKeyContext, key: CardKey, process_factor: bytes, original: bytes
    ) -> bytes:
        self.asked.append((card, key, process_factor, original))
        return self.answers[key]


def third_generation_card(**extra: str | list[str]) -> ScriptedCard:
    script: dict[str, str | list[str]] = {
        CARD_NUMBER: ["6982", EF05[CARD_NUMBER] + "9000"],
        INTERNAL_AUTH: CARD_CRYPTOGRAM + "9000",
        GET_CHALLENGE_16: CHALLENGE.hex().upper() + "9000",
        EXTERNAL_AUTH_0A: "9000",
        **photo_script(EF08),
    }
    script.update(extra)
    return card(script)


def test_identify_a_3_00_card_sends_the_profile_flow_in_order() -> None:
    scripted = third_generation_card()
    authenticator = FakeAuthenticator()
    session = SocialSecurityCardSession(scripted, authenticator)
    result = identify(session, random_bytes=random_bytes())  # type: ignore[arg-type]
    assert result.genuine
    assert result.checked_by == "PSAM, terminal 320100000001"
    assert result.card.card_number == "X00000019"
    assert result.holder is not None
    assert result.holder.name == "欧阳娜娜"
    assert result.photo == JPEG
    before = scripted.sent[: scripted.sent.index(INTERNAL_AUTH)]
    assert before == [SELECT_SSSE, CARD_NUMBER, *(c for c in EF05 if c != CARD_NUMBER)]
    flow = scripted.sent[scripted.sent.index(INTERNAL_AUTH) :]
    assert flow[:4] == [INTERNAL_AUTH, GET_CHALLENGE_16, EXTERNAL_AUTH_0A, CARD_NUMBER]
    assert all(c in flow for c in EF06)
    assert all(c not in scripted.sent[: scripted.sent.index(INTERNAL_AUTH)] for c in EF06)
    context = CardKeyContext(bytes.fromhex(CARD_ID), "320100", CardAlgorithm.SM4)
    assert authenticator.asked == [
        (context, CardKey.INTERNAL_AUTHENTICATION, PF, ORIG),
        (context, CardKey.READ, CHALLENGE[8:], CHALLENGE[:8]),  # pf = second half
    ]
    assert context.card_factor == bytes.fromhex(CARD_ID)[8:]
    assert context.city_factor == b"320100sx"


def test_a_card_with_wrong_keys_is_not_genuine_and_its_holder_is_never_read() -> None:
    scripted = third_generation_card(**{INTERNAL_AUTH: "0000000000000000" + "9000"})
    session = SocialSecurityCardSession(scripted, FakeAuthenticator())
    with pytest.raises(CardNotGenuine) as raised:
        identify(session, random_bytes=random_bytes())  # type: ignore[arg-type]
    assert raised.value.code == -21
    assert not isinstance(raised.value, PsamDoesNotMatchCard)
    assert "not a genuine card" in str(raised.value)
    assert scripted.sent[-1] == INTERNAL_AUTH
    assert not any(c in scripted.sent for c in EF06)


def test_a_card_that_cannot_authenticate_is_not_genuine() -> None:
    scripted = third_generation_card(**{INTERNAL_AUTH: "6A88"})
    session = SocialSecurityCardSession(scripted, FakeAuthenticator())
    with pytest.raises(CardNotGenuine, match="6A88"):
        identify(session, random_bytes=random_bytes())  # type: ignore[arg-type]


def test_a_psam_of_another_province_is_named_in_the_error() -> None:
    scripted = third_generation_card(**{INTERNAL_AUTH: "0000000000000000" + "9000"})
    session = SocialSecurityCardSession(scripted, FakeAuthenticator(region_code="440100"))
    with pytest.raises(PsamDoesNotMatchCard) as raised:
        identify(session, random_bytes=random_bytes())  # type: ignore[arg-type]
    assert raised.value.code == -21
    assert (raised.value.psam_region, raised.value.card_region) == ("440100", "320100")
    message = str(raised.value)
    assert "广东省" in message
    assert "江苏省" in message
    assert "does not match the card's region" in message


def test_without_an_authenticator_the_result_says_genuineness_was_not_checked() -> None:
    scripted = card({CARD_NUMBER: "6982", **{c: "6982" for c in EF06}, **photo_script(EF08)})
    result = identify(SocialSecurityCardSession(scripted))
    assert not result.genuine
    assert result.checked_by is None
    assert result.genuineness == NOT_CHECKED
    assert "NOT checked" in result.genuineness
    assert result.holder is None  # a 3.00 card withholds it
    assert result.card.card_number is None
    assert INTERNAL_AUTH not in scripted.sent


def test_external_authenticate_refused_is_a_typed_error() -> None:
    scripted = third_generation_card(**{EXTERNAL_AUTH_0A: "63C4"})
    session = SocialSecurityCardSession(scripted, FakeAuthenticator())
    with pytest.raises(KeyAuthenticationFailed) as raised:
        identify(session, random_bytes=random_bytes())  # type: ignore[arg-type]
    assert raised.value.tries_left == 4
    assert raised.value.code == -0x63C4
    assert "RKSSSE" in str(raised.value)


def test_second_generation_card_needs_no_external_authenticate() -> None:
    script: dict[str, str | list[str]] = {
        "00B2032806": "0304" + b"2.00".hex() + "9000",
        INTERNAL_AUTH: CARD_CRYPTOGRAM + "9000",
        **photo_script(EF08),
    }
    scripted = card(script, algorithm="01")
    authenticator = FakeAuthenticator()
    result = identify(
        SocialSecurityCardSession(scripted, authenticator), random_bytes=random_bytes()
    )  # type: ignore[arg-type]
    assert result.genuine
    assert GET_CHALLENGE_16 not in scripted.sent
    assert authenticator.asked[0][0].algorithm is CardAlgorithm.TRIPLE_DES


# --- PsamAuthenticator ---

SELECT_PSAM = "00A4040006D1560000059000"
PSAM_FCI = "6F088406D15600000590"
TERMINAL = "00B0960006"
CONTEXT_SM4 = CardKeyContext(bytes.fromhex(CARD_ID), "320100", CardAlgorithm.SM4)
FACTORS = CARD_ID[16:] + b"320100sx".hex().upper() + PF.hex().upper()


def psam(**extra: str | list[str]) -> ScriptedCard:
    script: dict[str, str | list[str]] = {
        SELECT_PSAM: "610A",
        "00C000000A": PSAM_FCI + "9000",
        TERMINAL: "3201000000019000",
    }
    script.update(extra)
    return ScriptedCard(script)


@pytest.mark.parametrize(
    ("key", "context", "version", "p1p2"),
    [
        (CardKey.INTERNAL_AUTHENTICATION, CONTEXT_SM4, 0, "4830"),
        (CardKey.READ, CONTEXT_SM4, 0, "4930"),
        (CardKey.UPDATE, CONTEXT_SM4, 2, "4632"),
        (
            CardKey.INTERNAL_AUTHENTICATION,
            CardKeyContext(bytes.fromhex(CARD_ID), "320100", CardAlgorithm.TRIPLE_DES),
            0,
            "4810",
        ),
    ],
)
def test_psam_authenticator_sends_init_for_cipher_and_cipher_data(
    key: CardKey, context: CardKeyContext, version: int, p1p2: str
) -> None:
    init = f"BFDE{p1p2}18{FACTORS}"
    cipher = f"80FA000008{ORIG.hex().upper()}"
    scripted = psam(**{init: "9000", cipher: "6108", "00C0000008": "0011223344556677" + "9000"})
    authenticator = PsamAuthenticator(scripted, key_version=version)
    assert authenticator.terminal_number == "320100000001"
    assert authenticator.region_code == "320100"
    assert authenticator.cryptogram(context, key, PF, ORIG) == bytes.fromhex("0011223344556677")
    assert scripted.sent == [SELECT_PSAM, "00C000000A", TERMINAL, init, cipher, "00C0000008"]


def test_a_card_that_is_no_psam_is_a_psam_error() -> None:
    with pytest.raises(PsamError, match="no social security PSAM") as raised:
        PsamAuthenticator(ScriptedCard({SELECT_PSAM: "6A82"}))
    assert raised.value.code == -2201


def test_a_psam_without_the_key_says_so() -> None:
    scripted = psam(**{f"BFDE4830 18{FACTORS}".replace(" ", ""): "6A88"})
    with pytest.raises(PsamError, match="holds no such key") as raised:
        PsamAuthenticator(scripted).cryptogram(
            CONTEXT_SM4, CardKey.INTERNAL_AUTHENTICATION, PF, ORIG
        )
    assert raised.value.code == -0x6A88


class TransactedPsam(ScriptedCard):
    """A PSAM connection with a PC/SC-style ``transaction()``; notes when it is held."""

    def __init__(self, script: dict[str, str | list[str]]) -> None:
        super().__init__(script)
        self.held = False
        self.held_for: list[str] = []

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.held = True
        try:
            yield
        finally:
            self.held = False

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self.held:
            self.held_for.append(apdu.hex().upper())
        return super().transmit(apdu)


def test_init_for_cipher_and_cipher_data_share_one_transaction() -> None:
    init = f"BFDE483018{FACTORS}"
    cipher = f"80FA000008{ORIG.hex().upper()}"
    scripted = TransactedPsam(psam().script)
    scripted.script.update(
        {init: ["9000"], cipher: ["6108"], "00C0000008": ["0011223344556677" + "9000"]}
    )
    PsamAuthenticator(scripted).cryptogram(CONTEXT_SM4, CardKey.INTERNAL_AUTHENTICATION, PF, ORIG)
    assert scripted.held_for == [init, cipher, "00C0000008"]
