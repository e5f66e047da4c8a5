"""The iReadCardBas string against the example of profile §7."""

from datetime import date

import pytest

from readers.card.models import CardHolder, CardInfo, Sex
from readers.card.pipe import BasicCardRecord, MalformedPipeStringError, basic_card_record

PROFILE_EXAMPLE = (
    "639900|111111198101011110|X00000019|639900D15600000500BF7C7A48FB4966|张三|"
    "00814E43238697159900BF7C7A|1.00|20101001|20201001|410100813475|终端设备号|"
)


def example_card() -> CardInfo:
    return CardInfo(
        card_identification_code=bytes.fromhex("639900D15600000500BF7C7A48FB4966"),
        card_type="3",
        generation="1.00",
        initialising_organisation="639900000001",
        issue_date=date(2010, 10, 1),
        expiry_date=date(2020, 10, 1),
        card_number="X00000019",
    )


def example_holder() -> CardHolder:
    return CardHolder(
        social_security_number="111111198101011110",
        name="张三",
        sex=Sex.MALE,
        ethnic_group="01",
        birthplace="111111",
        birth_date=date(1981, 1, 1),
    )


def test_record_built_from_card_matches_profile_example_byte_for_byte() -> None:
    record = basic_card_record(
        example_card(),
        example_holder(),
        bytes.fromhex("00814E43238697159900BF7C7A"),
        terminal_number="410100813475",
        terminal_device_id="终端设备号",
    )
    assert record.to_pipe() == PROFILE_EXAMPLE


def test_profile_example_parses_field_for_field() -> None:
    record = BasicCardRecord.from_pipe(PROFILE_EXAMPLE)
    assert record.region_code == "639900"
    assert record.social_security_number == "111111198101011110"
    assert record.card_number == "X00000019"
    assert record.card_identification_code == "639900D15600000500BF7C7A48FB4966"
    assert record.name == "张三"
    assert record.atr_historical_bytes == "00814E43238697159900BF7C7A"
    assert record.spec_version == "1.00"
    assert (record.issue_date, record.expiry_date) == ("20101001", "20201001")
    assert record.terminal_number == "410100813475"
    assert record.terminal_device_id == "终端设备号"
    assert record.to_pipe() == PROFILE_EXAMPLE


def test_withheld_holder_leaves_its_fields_empty() -> None:
    card = CardInfo(**{**example_card().__dict__, "card_number": None})
    pipe = basic_card_record(card, None, b"\x00" * 13).to_pipe()
    fields = pipe.split("|")
    assert (fields[1], fields[2], fields[4]) == ("", "", "")
    assert fields[3] == "639900D15600000500BF7C7A48FB4966"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "639900|111111198101011110|",
        PROFILE_EXAMPLE[:-1],
        PROFILE_EXAMPLE + "extra|",
    ],
)
def test_malformed_strings_are_refused(text: str) -> None:
    with pytest.raises(MalformedPipeStringError):
        BasicCardRecord.from_pipe(text)
