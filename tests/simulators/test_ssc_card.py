"""The soft SSC card against the profile tables, byte for byte.

Expected bytes are written out from ssc-card-profile.md (§2 records, §3 commands and
ATR, §6 status words), never computed by the code under test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulators.card.memory import CardMemory
from simulators.card.os import CardNotPoweredError, CardOS
from simulators.card.personalisation import CardPersonalisation
from simulators.card.ssc import SoftSocialSecurityCard

MakeCard = Callable[..., SoftSocialSecurityCard]
MakePersonalisation = Callable[..., CardPersonalisation]

SELECT_SSSE = "00A404000F 7378312E73682EC9E7BBE1B1A3D5CF 00"
SELECT_SSSE_NO_LE = "00A404000F 7378312E73682EC9E7BBE1B1A3D5CF"
FCI_SSSE_3DES = "6F19 840F 7378312E73682EC9E7BBE1B1A3D5CF A506 9F0C03 860101"
FCI_SSSE_SM4 = "6F19 840F 7378312E73682EC9E7BBE1B1A3D5CF A506 9F0C03 860103"

EF05 = [
    "0110 320100D1560000051A2B3C4DF591858C",  # 1 card identification code
    "0201 33",  # 2 card type "3"
    "0304 322E3030",  # 3 spec version "2.00"
    "040C 333230313030303030303031",  # 4 organisation "320100000001"
    "0504 20240115",  # 5 issue date, cn
    "0604 20340115",  # 6 expiry date, cn
    "0709 413030303030303131",  # 7 card number "A00000011"
]
NAME_ZHANG_SANFENG = "091E D5C5C8FDB7E1" + "00" * 24
EF06 = [
    "0812 333230313032313939303031303131323332",  # SSN "320102199001011232"
    NAME_ZHANG_SANFENG,  # name 张三丰, GBK, 00-padded to 30
    "4E14" + "00" * 20,  # name extension, empty
    "0A01 31",  # sex "1"
    "0B01 01",  # ethnic group 01, cn
    "0C03 320102",  # birthplace, cn
    "0D04 19900101",  # birth date, cn
]


def h(text: str) -> str:
    return text.replace(" ", "").upper()


def send(card: CardOS, apdu: str) -> str:
    """Send an APDU written in hex; the response (data + SW) in upper-case hex."""
    return card.execute(bytes.fromhex(apdu.replace(" ", ""))).hex().upper()


def in_ssse(card: SoftSocialSecurityCard) -> SoftSocialSecurityCard:
    response = send(card, SELECT_SSSE)
    assert response in (h(FCI_SSSE_3DES + "9000"), h(FCI_SSSE_SM4 + "9000"), "611B")
    if response == "611B":
        send(card, "00C000001B")
    return card


# --- power and ATR ---


def test_atr_is_the_profile_prefix_city_code_and_chip_serial(make_card: MakeCard) -> None:
    card = make_card()
    expected = h("3B6D0000 00815353435059 3201 1A2B3C4D")
    assert card.atr.hex().upper() == expected
    assert card.power_on().hex().upper() == expected
    assert card.reset().hex().upper() == expected


def test_an_unpowered_card_takes_no_apdu(make_card: MakeCard) -> None:
    card = make_card()
    card.power_off()
    with pytest.raises(CardNotPoweredError):
        send(card, SELECT_SSSE)


# --- SELECT and the T=0 / T=1 personalities ---


def test_t0_select_ssse_answers_61xx_then_get_response(make_card: MakeCard) -> None:
    card = make_card("T0")
    assert send(card, SELECT_SSSE) == "611B"
    assert send(card, "00C000001B") == h(FCI_SSSE_3DES + "9000")


def test_t0_get_response_in_parts_and_with_wrong_le(make_card: MakeCard) -> None:
    card = make_card("T0")
    assert send(card, SELECT_SSSE) == "611B"
    assert send(card, "00C0000020") == "6C1B"
    assert send(card, "00C0000010") == h("6F19 840F 7378312E73682EC9E7BBE1B1 610B")
    assert send(card, "00C000000B") == h("A3D5CF A506 9F0C03 860101 9000")


def test_t0_get_response_must_be_the_next_command(make_card: MakeCard) -> None:
    card = make_card("T0")
    assert send(card, "00C0000010") == "6985"
    assert send(card, SELECT_SSSE) == "611B"
    assert send(card, "00A40000023F00") == "9000"
    assert send(card, "00C000001B") == "6985"


@pytest.mark.parametrize("apdu", [SELECT_SSSE, SELECT_SSSE_NO_LE])
def test_t1_select_ssse_answers_the_fci_directly(make_card: MakeCard, apdu: str) -> None:
    card = make_card("T1")
    assert send(card, apdu) == h(FCI_SSSE_3DES + "9000")
    assert send(card, "00C000001B") == "6985"


@pytest.mark.parametrize(
    ("generation", "fci"),
    [("1.00", FCI_SSSE_3DES), ("2.00", FCI_SSSE_3DES), ("3.00", FCI_SSSE_SM4)],
)
def test_fci_algorithm_flag_follows_the_generation(
    make_card: MakeCard, generation: str, fci: str
) -> None:
    card = make_card("T1", generation=generation)
    assert send(card, SELECT_SSSE) == h(fci + "9000")


@pytest.mark.parametrize("last", ["00", "01", "02", "03"])
def test_select_df01_to_df04_by_aid(make_card: MakeCard, last: str) -> None:
    card = make_card("T1")
    aid = "D156000005" + last
    assert send(card, f"00A4040006 {aid} 00") == h(f"6F10 8406 {aid} A506 9F0C03 860101 9000")


def test_psam_application_is_not_on_the_card(make_card: MakeCard) -> None:
    assert send(make_card("T1"), "00A4040006D1560000059000") == "6A82"


def test_select_by_fid_both_p1_forms(make_card: MakeCard) -> None:
    card = make_card("T1")
    assert send(card, "00A40000023F00") == "9000"
    assert send(card, "00A4000002DDF1") == "9000"
    assert send(card, "00A40200020005") == "9000"
    assert send(card, "00B2010412") == h(EF05[0] + "9000")
    assert send(card, "00A40000020006") == "9000"
    assert send(card, "00B2010414") == h(EF06[0] + "9000")
    assert send(card, "00A4000002DF03") == "9000"
    assert send(card, "00A40200020005") == "6A82"  # EF05 is not in DF03
    assert send(card, "00A4000002DDF1") == "9000"  # the parent DF
    assert send(card, "00A4000002DF01") == "9000"


@pytest.mark.parametrize(
    "apdu",
    [
        "00A40000020005",  # EF05 is not a child of the MF
        "00A4000002DF01",  # nor is DF01
        "00A40200023F00",  # P1 02 selects EFs only
        "00A4040003AABBCC",  # unknown name
    ],
)
def test_select_missing_file(make_card: MakeCard, apdu: str) -> None:
    assert send(make_card("T1"), apdu) == "6A82"


def test_ef_under_ssse_is_missing_after_selecting_the_mf(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T1"))
    assert send(card, "00A40000023F00") == "9000"
    assert send(card, "00A40200020008") == "6A82"


# --- READ RECORD: all four addressing modes (profile §3) ---


@pytest.mark.parametrize(("number", "record"), list(enumerate(EF05, 1)))
def test_read_ef05_record_by_sfi(make_card: MakeCard, number: int, record: str) -> None:
    card = in_ssse(make_card("T0"))
    le = len(h(record)) // 2
    assert send(card, f"00B2{number:02X}2C{le:02X}") == h(record + "9000")


@pytest.mark.parametrize(("number", "record"), list(enumerate(EF06, 1)))
def test_read_ef06_record_by_sfi(make_card: MakeCard, number: int, record: str) -> None:
    card = in_ssse(make_card("T0"))
    le = len(h(record)) // 2
    assert send(card, f"00B2{number:02X}34{le:02X}") == h(record + "9000")


def test_read_record_by_tag_and_by_number_in_every_mode(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0"))
    card_number = h(EF05[6] + "9000")
    assert send(card, "00B207280B") == card_number  # tag 07 by SFI 05
    assert send(card, "00B2072C0B") == card_number  # record 7 by SFI 05 (now current)
    assert send(card, "00B207040B") == card_number  # record 7 in the current EF
    assert send(card, "00B207000B") == card_number  # tag 07 in the current EF
    assert send(card, "00B20D3006") == h(EF06[6] + "9000")  # tag 0D by SFI 06
    assert send(card, "00B24E0016") == h(EF06[2] + "9000")  # EF06 is current now


def test_read_record_after_select_by_fid(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0"))
    assert send(card, "00A40200020006") == "9000"
    assert send(card, "00B2090020") == h(NAME_ZHANG_SANFENG + "9000")
    assert send(card, "00B2020420") == h(NAME_ZHANG_SANFENG + "9000")


def test_read_record_errors(make_card: MakeCard) -> None:
    card = make_card("T0")
    assert send(card, "00B2012C12") == "6A82"  # no SFI 05 in the MF
    in_ssse(card)
    assert send(card, "00B2010412") == "6986"  # no current EF
    assert send(card, "00B2010012") == "6986"
    assert send(card, "00B2013C12") == "6A82"  # no SFI 07
    assert send(card, "00B2082C0A") == "6A83"  # EF05 has 7 records
    assert send(card, "00B2992808") == "6A83"  # no tag 99
    assert send(card, "00B2012D12") == "6A86"  # P2 mode 5 is not supported
    assert send(card, "00B2002C12") == "6A86"  # record number 0
    assert send(card, "00B2012C") == "6700"  # no Le
    assert send(card, "00A40200020008") == "9000"
    assert send(card, "00B2010412") == "6981"  # EF08 is transparent


@pytest.mark.parametrize("le", ["00", "05", "20"])
def test_t0_wrong_le_answers_6cxx(make_card: MakeCard, le: str) -> None:
    card = in_ssse(make_card("T0"))
    assert send(card, f"00B2012C{le}") == "6C12"
    assert send(card, "00B2012C12") == h(EF05[0] + "9000")


def test_t1_le_bounds_the_data(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T1"))
    assert send(card, "00B2012C00") == h(EF05[0] + "9000")
    assert send(card, "00B2012C20") == h(EF05[0] + "9000")
    assert send(card, "00B2012C05") == h("0110 320100 9000")


# --- generations and the name extension ---


def test_100_card_has_no_4e_and_shifted_records(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0", generation="1.00"))
    assert send(card, "00B2032C06") == h("0304 312E3030 9000")  # "1.00"
    assert send(card, "00B2033403") == h("0A01 31 9000")  # record 3 is sex
    assert send(card, "00B2043403") == h("0B01 01 9000")
    assert send(card, "00B2053405") == h("0C03 320102 9000")
    assert send(card, "00B2063406") == h("0D04 19900101 9000")
    assert send(card, "00B2073406") == "6A83"
    assert send(card, "00B24E3016") == "6A83"
    assert send(card, "00B20A3003") == h("0A01 31 9000")  # by tag: same as 2.00


def test_long_name_continues_in_the_extension(make_card: MakeCard) -> None:
    name = "阿卜杜热合曼·买买提明·阿卜杜拉"  # 32 GBK bytes
    card = in_ssse(make_card("T0", generation="3.00", name=name))
    assert send(card, "00B2093020") == h(
        "091E B0A2B2B7B6C5C8C8BACFC2FCA1A4C2F2C2F2CCE1C3F7A1A4B0A2B2B7B6C5 9000"
    )
    assert send(card, "00B24E3016") == h("4E14 C0AD" + "00" * 18 + "9000")


def test_name_is_split_at_a_character_boundary(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0", name="A" + "张" * 15))  # 31 GBK bytes
    assert send(card, "00B2093020") == h("091E 41" + "D5C5" * 14 + "00 9000")
    assert send(card, "00B24E3016") == h("4E14 D5C5" + "00" * 18 + "9000")


def test_name_extension_padding_ff(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0", name="A" + "张" * 15, name_padding=0xFF))
    assert send(card, "00B24E3016") == h("4E14 D5C5" + "FF" * 18 + "9000")


def test_name_too_long_is_refused(make_personalisation: MakePersonalisation) -> None:
    with pytest.raises(ValueError, match="name extension"):
        SoftSocialSecurityCard.personalised(make_personalisation(generation="1.00", name="张" * 16))
    with pytest.raises(ValueError, match="does not fit"):
        SoftSocialSecurityCard.personalised(make_personalisation(name="张" * 26))


def test_initialising_organisation_can_be_given(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0", initialising_organisation="320100000042"))
    assert send(card, "00B204280E") == h("040C 333230313030303030303432 9000")


def test_personalisation_for_another_chip_is_refused(
    make_personalisation: MakePersonalisation,
) -> None:
    card = SoftSocialSecurityCard.personalised(make_personalisation())
    with pytest.raises(ValueError, match="another chip"):
        card.personalise(make_personalisation(chip_serial=bytes.fromhex("00000001")))
    with pytest.raises(ValueError, match="photo"):
        card.personalise(make_personalisation(photo=b"\xff" * (16 * 1024 + 1)))


# --- writes are closed until the keys land ---


def test_update_record_resolves_then_refuses(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0"))
    assert send(card, "00DC072C0B 0709 423132333435363731") == "6982"
    assert send(card, "00DC082C0B 0709 423132333435363731") == "6A83"
    assert send(card, "00DC012C") == "6700"
    assert send(card, "00B2072C0B") == h(EF05[6] + "9000")


def test_update_binary_resolves_then_refuses(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0"))
    assert send(card, "00D6000002FFD8") == "6986"
    assert send(card, "00A40200020008") == "9000"
    assert send(card, "00D6000002FFD8") == "6982"
    assert send(card, "00D6400002FFD8") == "6A86"


# --- READ BINARY on EF08 ---


def test_read_photo(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0"))
    assert send(card, "00B0000004") == "6986"
    assert send(card, "00A40200020008") == "9000"
    assert send(card, "00B000000D") == h("FFD8FFE000104A46494600FFD9 9000")
    assert send(card, "00B0000D04") == "000000009000"  # the rest of the 16 KiB is 00


def test_read_binary_past_the_end(make_card: MakeCard) -> None:
    t0 = in_ssse(make_card("T0"))
    t1 = in_ssse(make_card("T1"))
    for card in (t0, t1):
        assert send(card, "00A40200020008") == "9000"
        assert send(card, "00B0400001") == "6A86"
    assert send(t0, "00B03FFE04") == "6C02"
    assert send(t0, "00B03FFE02") == "00009000"
    assert send(t1, "00B03FFE04") == "00009000"


def test_read_binary_on_a_record_file(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T0"))
    assert send(card, "00A40200020005") == "9000"
    assert send(card, "00B0000004") == "6981"


# --- GET CHALLENGE ---


@pytest.mark.parametrize("le", [4, 8, 16])
def test_get_challenge_lengths(make_personalisation: MakePersonalisation, le: int) -> None:
    personalisation = make_personalisation()
    memory = CardMemory(personalisation.generation, personalisation.chip_serial)
    card = SoftSocialSecurityCard(memory, random_bytes=lambda n: bytes(range(1, n + 1)))
    card.personalise(personalisation)
    card.power_on()
    expected = "".join(f"{i:02X}" for i in range(1, le + 1))
    assert send(card, f"00840000{le:02X}") == expected + "9000"
    assert card.last_challenge == bytes.fromhex(expected)


@pytest.mark.parametrize("apdu", ["0084000005", "0084000000", "00840000", "0084000001AA04"])
def test_get_challenge_wrong_length(make_card: MakeCard, apdu: str) -> None:
    assert send(make_card(), apdu) == "6700"


def test_get_challenge_wrong_p1p2(make_card: MakeCard) -> None:
    assert send(make_card(), "0084010004") == "6A86"


def test_challenge_is_remembered_until_reset(make_card: MakeCard) -> None:
    card = make_card()
    response = send(card, "0084000008")
    assert response.endswith("9000")
    send(card, SELECT_SSSE)
    assert card.last_challenge == bytes.fromhex(response[:-4])
    card.reset()
    assert card.last_challenge is None


# --- VERIFY and CHANGE PIN ---


def test_wrong_pins_count_down_then_block(make_card: MakeCard) -> None:
    card = make_card()
    assert send(card, "0020000003123457") == "63C2"
    assert send(card, "0020000003123457") == "63C1"
    assert send(card, "0020000003123457") == "63C0"
    assert send(card, "0020000003123457") == "6983"
    assert send(card, "0020000003123456") == "6983"
    assert send(card, "00200000") == "6983"


def test_correct_pin_resets_the_counter(make_card: MakeCard) -> None:
    card = make_card()
    assert send(card, "00200000") == "63C3"
    assert send(card, "0020000003123457") == "63C2"
    assert send(card, "0020000003123457") == "63C1"
    assert send(card, "0020000003123456") == "9000"
    assert send(card, "00200000") == "9000"
    assert send(card, "0020000003123457") == "63C2"
    assert send(card, "00200000") == "63C2"


def test_odd_length_pin_is_f_padded(make_card: MakeCard) -> None:
    card = make_card(pin="12345")
    assert send(card, "002000000312345F") == "9000"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("002000000112", "6700"),  # 1 byte
        ("002000000712345612345612", "6700"),  # 7 bytes
        ("00200000031234AA", "6A80"),  # not BCD
        ("0020000003123456FF", "6700"),  # VERIFY carries no Le
        ("0020000103123456", "6A86"),
        ("0020010003123456", "6A86"),
    ],
)
def test_verify_malformed_uses_no_try(make_card: MakeCard, apdu: str, sw: str) -> None:
    card = make_card()
    assert send(card, apdu) == sw
    assert send(card, "00200000") == "63C3"


def test_security_state_resets_on_power_cycle_but_tries_persist(make_card: MakeCard) -> None:
    card = make_card()
    assert send(card, "0020000003123456") == "9000"
    card.power_off()
    card.power_on()
    assert send(card, "00200000") == "63C3"
    assert send(card, "0020000003000000") == "63C2"
    card.reset()
    assert send(card, "00200000") == "63C2"


def test_reset_forgets_the_selected_application(make_card: MakeCard) -> None:
    card = in_ssse(make_card("T1"))
    assert send(card, "00B2012C12") == h(EF05[0] + "9000")
    card.reset()
    assert send(card, "00B2012C12") == "6A82"


def test_change_pin(make_card: MakeCard) -> None:
    card = make_card()
    assert send(card, "805E010007 123456 FF 654321") == "9000"
    assert send(card, "0020000003123456") == "63C2"
    assert send(card, "0020000003654321") == "9000"
    assert send(card, "805E010006 654321 FF 1234") == "9000"
    assert send(card, "00200000021234") == "9000"


def test_change_pin_counts_wrong_old_pins(make_card: MakeCard) -> None:
    card = make_card()
    for sw in ("63C2", "63C1", "63C0", "6983"):
        assert send(card, "805E010007 111111 FF 654321") == sw
    assert send(card, "805E010007 123456 FF 654321") == "6983"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("805E010006 123456 654321", "6A80"),  # no FF separator
        ("805E010005 12 FF 654321", "6700"),  # old PIN of 1 byte
        ("805E010007 123456 FF 6543AA", "6A80"),  # new PIN not BCD
        ("805E020007 123456 FF 654321", "6A86"),
    ],
)
def test_change_pin_malformed(make_card: MakeCard, apdu: str, sw: str) -> None:
    card = make_card()
    assert send(card, apdu) == sw
    assert send(card, "00200000") == "63C3"


def test_changes_to_memory_are_reported(make_personalisation: MakePersonalisation) -> None:
    changes: list[int] = []
    card = SoftSocialSecurityCard.personalised(
        make_personalisation(), on_change=lambda c: changes.append(c.memory.pin_tries_left)
    )
    assert changes == [3]  # personalisation
    card.power_on()
    send(card, SELECT_SSSE)
    send(card, "0020000003123456")  # correct, counter already full: no change
    assert changes == [3]
    send(card, "0020000003000000")
    send(card, "0020000003123456")
    send(card, "805E010007 123456 FF 654321")
    assert changes == [3, 2, 3, 3]


# --- keys not present yet, unknown commands, malformed APDUs ---


@pytest.mark.parametrize(
    "apdu",
    [
        "0088000010 1122334455667788 0102030405060708",  # INTERNAL AUTHENTICATE
        "0082000A10 1122334455667788 0102030405060708",  # EXTERNAL AUTHENTICATE, RKSSSE
        "0082000410 1122334455667788 0102030405060708",  # EXTERNAL AUTHENTICATE, UK
        "805E000007 123456 11223344",  # RELOAD PIN
        "8424000010 00112233445566778899AABB 11223344",  # UNBLOCK PIN
    ],
)
def test_key_commands_answer_key_not_found(make_card: MakeCard, apdu: str) -> None:
    assert send(in_ssse(make_card()), apdu) == "6A88"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("00CA9F7F00", "6D00"),  # GET DATA is not supported
        ("00FE000000", "6D00"),
        ("80A40000023F00", "6D00"),  # SELECT is a CLA 00 command
        ("A0A40000023F00", "6E00"),  # GSM class
        ("04B2012C12", "6E00"),  # secure messaging class
        ("00A4", "6700"),  # not an APDU
        ("00A404000F7378", "6700"),  # Lc does not match
        ("00A4000003 3F0000", "6700"),  # FID of three bytes
        ("00A4040000", "6700"),  # SELECT by name without a name (Le only)
        ("00A4010002DF01", "6A86"),  # P1 01 not supported
        ("00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF", "6A86"),  # P2 0C
        ("00B2012C000012", "6700"),  # extended APDU
    ],
)
def test_command_errors(make_card: MakeCard, apdu: str, sw: str) -> None:
    assert send(make_card(), apdu) == sw
