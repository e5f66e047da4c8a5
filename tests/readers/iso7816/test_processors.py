"""ApduProcessor over a scripted card: the exact bytes written for 61xx, 6Cxx and chaining."""

from collections import deque

import pytest

from readers.iso7816.apdu import CommandApdu
from readers.iso7816.errors import StatusError, VerificationFailedError
from readers.iso7816.processors import MAX_GET_RESPONSE_ROUNDS, ApduProcessor

h = bytes.fromhex

SSSE_NAME = "sx1.sh.社会保障".encode("gbk")
SELECT_SSSE = CommandApdu(0x00, 0xA4, 0x04, 0x00, SSSE_NAME, le=256)
SELECT_SSSE_BYTES = h("00 A4 04 00 0F") + SSSE_NAME + h("00")
FCI = h("6F 19 84 0F") + SSSE_NAME + h("A5 06 9F 0C 03 86 01 03")
PHOTO = bytes(i % 251 for i in range(600))
UPDATE_PHOTO = CommandApdu(0x00, 0xD6, 0x00, 0x00, PHOTO)


class ScriptedCard:
    """A transmitter that records every APDU written and answers from a script.

    Each answer is hex of the response data followed by the status word.
    """

    def __init__(self, *answers: str) -> None:
        self._answers = deque(h(answer) for answer in answers)
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        raw = self._answers.popleft()
        return raw[:-2], int.from_bytes(raw[-2:], "big")

    @property
    def unanswered(self) -> int:
        return len(self._answers)


class EndlessMoreDataCard:
    """A broken card that answers every APDU with one byte and 61 01."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        return b"\x01", 0x6101


def test_plain_command_is_sent_once_as_built() -> None:
    card = ScriptedCard("01 02 03 04 90 00")

    response = ApduProcessor(card).send(CommandApdu(0x00, 0x84, 0x00, 0x00, le=4))

    assert card.sent == [h("00 84 00 00 04")]
    assert (response.data, response.sw) == (h("01 02 03 04"), 0x9000)


def test_final_error_word_is_returned_not_raised() -> None:
    card = ScriptedCard("6A 82")

    response = ApduProcessor(card).send(CommandApdu(0x00, 0xA4, 0x00, 0x00, h("3F 01")))

    assert response.sw == 0x6A82


# --- GET RESPONSE ---


def test_61xx_is_followed_by_get_response_with_le_xx() -> None:
    card = ScriptedCard("61 1B", FCI.hex() + "9000")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert card.sent == [SELECT_SSSE_BYTES, h("00 C0 00 00 1B")]
    assert (response.data, response.sw) == (FCI, 0x9000)


def test_6100_asks_for_256_bytes_with_le_00() -> None:
    card = ScriptedCard("61 00", bytes(256).hex() + "9000")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert card.sent[1] == h("00 C0 00 00 00")
    assert response.data == bytes(256)


def test_several_61xx_rounds_are_concatenated() -> None:
    card = ScriptedCard("61 02", "AA BB 61 03", "CC DD EE 61 01", "FF 90 00")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert card.sent[1:] == [h("00 C0 00 00 02"), h("00 C0 00 00 03"), h("00 C0 00 00 01")]
    assert (response.data, response.sw) == (h("AA BB CC DD EE FF"), 0x9000)


def test_data_sent_with_61xx_is_kept() -> None:
    card = ScriptedCard("01 02 61 02", "03 04 90 00")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert response.data == h("01 02 03 04")


def test_get_response_ends_with_the_cards_last_word() -> None:
    card = ScriptedCard("61 02", "AA BB 62 82")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert (response.data, response.sw) == (h("AA BB"), 0x6282)


@pytest.mark.parametrize(
    ("cla", "get_response_cla"),
    [(0x00, 0x00), (0x80, 0x00), (0x84, 0x00), (0x01, 0x01), (0x03, 0x03)],
)
def test_get_response_is_interindustry_on_the_same_channel(cla: int, get_response_cla: int) -> None:
    card = ScriptedCard("61 08", "01 02 03 04 05 06 07 08 90 00")

    ApduProcessor(card).send(CommandApdu(cla, 0xFA, 0x00, 0x00, bytes(8)))

    assert card.sent[1] == bytes((get_response_cla,)) + h("C0 00 00 08")


def test_get_response_answered_6cxx_is_resent_with_that_le() -> None:
    card = ScriptedCard("61 10", "6C 08", "01 02 03 04 05 06 07 08 90 00")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert card.sent[1:] == [h("00 C0 00 00 10"), h("00 C0 00 00 08")]
    assert response.data == h("01 02 03 04 05 06 07 08")


def test_card_answering_61xx_for_ever_raises_after_the_bound() -> None:
    card = EndlessMoreDataCard()

    with pytest.raises(StatusError) as raised:
        ApduProcessor(card).send(SELECT_SSSE)

    assert raised.value.sw == 0x6101
    assert len(card.sent) == 1 + MAX_GET_RESPONSE_ROUNDS
    assert card.sent[-1] == h("00 C0 00 00 01")


def test_a_card_finishing_on_the_last_allowed_round_is_accepted() -> None:
    rounds = ["01 61 01"] * (MAX_GET_RESPONSE_ROUNDS - 1) + ["01 90 00"]
    card = ScriptedCard("61 01", *rounds)

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert (response.data, response.sw) == (b"\x01" * MAX_GET_RESPONSE_ROUNDS, 0x9000)
    assert card.unanswered == 0


# --- wrong Le ---


def test_6cxx_resends_the_command_with_le_xx() -> None:
    card = ScriptedCard("6C 20", bytes(32).hex() + "9000")

    response = ApduProcessor(card).send(CommandApdu(0x00, 0xB2, 0x09, 0x00, le=0x10))

    assert card.sent == [h("00 B2 09 00 10"), h("00 B2 09 00 20")]
    assert (response.data, response.sw) == (bytes(32), 0x9000)


def test_6c00_resends_with_le_00() -> None:
    card = ScriptedCard("6C 00", bytes(256).hex() + "9000")

    ApduProcessor(card).send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=0x10))

    assert card.sent[1] == h("00 B0 00 00 00")


def test_resent_command_answered_61xx_is_collected() -> None:
    card = ScriptedCard("6C 1B", "61 1B", FCI.hex() + "9000")

    response = ApduProcessor(card).send(SELECT_SSSE)

    assert card.sent[1:] == [SELECT_SSSE_BYTES[:-1] + h("1B"), h("00 C0 00 00 1B")]
    assert response.data == FCI


def test_6cxx_is_resent_only_once() -> None:
    card = ScriptedCard("6C 20", "6C 30")

    response = ApduProcessor(card).send(CommandApdu(0x00, 0xB2, 0x09, 0x00, le=0x10))

    assert len(card.sent) == 2
    assert response.sw == 0x6C30


# --- command chaining ---


def test_600_bytes_are_chained_as_255_255_90() -> None:
    card = ScriptedCard("90 00", "90 00", "90 00")

    response = ApduProcessor(card).send(UPDATE_PHOTO)

    assert card.sent == [
        h("10 D6 00 00 FF") + PHOTO[:255],
        h("10 D6 00 00 FF") + PHOTO[255:510],
        h("00 D6 00 00 5A") + PHOTO[510:],
    ]
    assert response.sw == 0x9000


def test_le_goes_on_the_last_chained_command_only() -> None:
    card = ScriptedCard("90 00", "90 00", "01 02 90 00")
    command = CommandApdu(0x80, 0xE2, 0x00, 0x00, PHOTO, le=2)

    response = ApduProcessor(card).send(command)

    assert [apdu[0] for apdu in card.sent] == [0x90, 0x90, 0x80]
    assert card.sent[0] == h("90 E2 00 00 FF") + PHOTO[:255]
    assert card.sent[-1] == h("80 E2 00 00 5A") + PHOTO[510:] + h("02")
    assert response.data == h("01 02")


def test_chaining_stops_at_the_first_error() -> None:
    card = ScriptedCard("90 00", "69 82")

    response = ApduProcessor(card).send(UPDATE_PHOTO)

    assert len(card.sent) == 2
    assert response.sw == 0x6982


def test_255_bytes_are_not_chained() -> None:
    card = ScriptedCard("90 00")

    ApduProcessor(card).send(CommandApdu(0x00, 0xD6, 0x00, 0x00, PHOTO[:255]))

    assert card.sent == [h("00 D6 00 00 FF") + PHOTO[:255]]


def test_forced_extended_command_is_not_chained() -> None:
    card = ScriptedCard("90 00")
    command = CommandApdu(0x00, 0xD6, 0x00, 0x00, PHOTO, force_extended=True)

    ApduProcessor(card).send(command)

    assert card.sent == [h("00 D6 00 00 00 02 58") + PHOTO]


# --- turning steps off ---

UNCHAINED_PHOTO = h("00 D6 00 00 00 02 58") + PHOTO

# (step, command, card's answers, what is written with the step off, final sw)
STEP_OFF_CASES = [
    pytest.param(
        "get_response", SELECT_SSSE, ("61 1B",), [SELECT_SSSE_BYTES], 0x611B, id="get_response"
    ),
    pytest.param(
        "resend_on_wrong_le",
        CommandApdu(0x00, 0xB2, 0x09, 0x00, le=0x10),
        ("6C 20",),
        [h("00 B2 09 00 10")],
        0x6C20,
        id="resend_on_wrong_le",
    ),
    pytest.param("chaining", UPDATE_PHOTO, ("90 00",), [UNCHAINED_PHOTO], 0x9000, id="chaining"),
]


@pytest.mark.parametrize(("step", "command", "answers", "written", "sw"), STEP_OFF_CASES)
def test_step_turned_off_for_the_processor(
    step: str, command: CommandApdu, answers: tuple[str, ...], written: list[bytes], sw: int
) -> None:
    card = ScriptedCard(*answers)

    response = ApduProcessor(card, **{step: False}).send(command)

    assert card.sent == written
    assert response.sw == sw


@pytest.mark.parametrize(("step", "command", "answers", "written", "sw"), STEP_OFF_CASES)
def test_step_turned_off_for_one_call(
    step: str, command: CommandApdu, answers: tuple[str, ...], written: list[bytes], sw: int
) -> None:
    card = ScriptedCard(*answers)

    response = ApduProcessor(card).send(command, **{step: False})

    assert card.sent == written
    assert response.sw == sw


def test_call_option_overrides_the_processor_setting() -> None:
    card = ScriptedCard("61 1B", FCI.hex() + "9000")

    response = ApduProcessor(card, get_response=False).send(SELECT_SSSE, get_response=True)

    assert card.sent == [SELECT_SSSE_BYTES, h("00 C0 00 00 1B")]
    assert response.data == FCI


def test_step_turned_off_for_one_call_stays_on_for_the_next() -> None:
    card = ScriptedCard("61 1B", "61 1B", FCI.hex() + "9000")
    processor = ApduProcessor(card)

    processor.send(SELECT_SSSE, get_response=False)
    response = processor.send(SELECT_SSSE)

    assert card.sent == [SELECT_SSSE_BYTES, SELECT_SSSE_BYTES, h("00 C0 00 00 1B")]
    assert response.data == FCI


def test_get_response_without_resend_returns_its_6cxx() -> None:
    card = ScriptedCard("61 10", "6C 08")

    response = ApduProcessor(card, resend_on_wrong_le=False).send(SELECT_SSSE)

    assert card.sent[1:] == [h("00 C0 00 00 10")]
    assert response.sw == 0x6C08


# --- send_ok ---


def test_send_ok_returns_the_collected_data() -> None:
    card = ScriptedCard("61 1B", FCI.hex() + "9000")

    assert ApduProcessor(card).send_ok(SELECT_SSSE) == FCI


def test_send_ok_raises_the_typed_error() -> None:
    card = ScriptedCard("63 C2")
    verify = CommandApdu(0x00, 0x20, 0x00, 0x00, h("12 34 56"))

    with pytest.raises(VerificationFailedError) as raised:
        ApduProcessor(card).send_ok(verify)

    assert raised.value.tries_left == 2
    assert card.sent == [h("00 20 00 00 03 12 34 56")]


def test_send_ok_passes_call_options_on() -> None:
    card = ScriptedCard("61 1B")

    with pytest.raises(StatusError) as raised:
        ApduProcessor(card).send_ok(SELECT_SSSE, get_response=False)

    assert raised.value.sw == 0x611B
