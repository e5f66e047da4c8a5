"""Profile §4 numbers, pinned by published examples and hand-computed vectors."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes
from hypothesis import given
from hypothesis import strategies as st

from readers.card.numbers import (
    CARD_NUMBER_ALPHABET,
    InvalidNumberError,
    build_card_identification_code,
    build_social_security_number,
    card_number_check_character,
    normalise_social_security_number,
    parse_card_identification_code,
    parse_social_security_number,
    social_security_check_character,
    validate_card_number,
)
from readers.card.regions import (
    city_code,
    describe_region,
    is_known_region,
    province_of,
    provinces,
    region_name,
    subdivisions,
)

SSN_CHARACTERS = "0123456789X"


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


# --- social security number -----------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # GB 11643-1999 example. Weighted sum, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
        # 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> "10X98765432"[2] = X
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),  # GB 11643-1999 example 440524188001010014
        ("11111119810101111", "0"),  # profile §7 example 111111198101011110
    ],
)
def test_social_security_check_character_of_published_examples(first17: str, check: str) -> None:
    assert social_security_check_character(first17) == check


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002x ", "11010519491231002X"),
        ("440524188001010014", "440524188001010014"),
        ("110105491231002", "11010519491231002X"),  # 15 digits: "19" inserted, check added
    ],
)
def test_normalise_social_security_number(text: str, normal: str) -> None:
    assert normalise_social_security_number(text) == normal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100211", "18 characters"),
        ("1101051949123100AX", "first 17 characters"),
        ("11010519491231002Y", "digit or X"),
        ("110105194912310021", "expected X, got 1"),
        ("110105194913310021", "calendar date"),  # month 13 with the right check character
        ("110105190002290025", "calendar date"),  # 1900 was not a leap year
        ("11010549123100A", "all digits"),
        ("110105491331002", "calendar date"),
        ("1101051949123100١X", "first 17 characters"),  # Arabic-Indic digit is not a digit here
    ],
)
def test_invalid_social_security_numbers_are_rejected(text: str, message: str) -> None:
    with pytest.raises(InvalidNumberError, match=message):
        normalise_social_security_number(text)


def test_check_character_needs_17_ascii_digits() -> None:
    with pytest.raises(InvalidNumberError, match="17 digits"):
        social_security_check_character("1101051949123100")
    with pytest.raises(InvalidNumberError, match="not all digits"):
        social_security_check_character("1101051949123100A")


def test_error_messages_do_not_repeat_the_number() -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalise_social_security_number("110105194912310021")
    assert "1101051949" not in str(caught.value)


def test_invalid_number_error_is_a_value_error() -> None:
    assert issubclass(InvalidNumberError, ValueError)


def test_parse_social_security_number() -> None:
    ssn = parse_social_security_number("11010519491231002x")
    assert ssn.number == "11010519491231002X"
    assert ssn.region_code == "110105"
    assert ssn.birth_date == date(1949, 12, 31)
    assert ssn.sequence == "002"
    assert ssn.sex == "2"
    assert parse_social_security_number("440524188001010014").sex == "1"  # sequence 001


def test_build_social_security_number() -> None:
    assert build_social_security_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert build_social_security_number("440524", date(1880, 1, 1), 1) == "440524188001010014"


@pytest.mark.parametrize(
    ("region", "sequence"), [("11010", 2), ("11010A", 2), ("110105", -1), ("110105", 1000)]
)
def test_build_social_security_number_rejects_bad_parts(region: str, sequence: int) -> None:
    with pytest.raises(InvalidNumberError):
        build_social_security_number(region, date(1949, 12, 31), sequence)


ssn_bodies = st.builds(
    lambda region, born, sequence: f"{region}{born:%Y%m%d}{sequence:03d}",
    st.text("0123456789", min_size=6, max_size=6),
    st.dates(date(1800, 1, 1), date(2099, 12, 31)),
    st.integers(0, 999),
)


@given(ssn_bodies)
def test_any_body_with_its_check_character_validates(body: str) -> None:
    number = body + social_security_check_character(body)
    assert normalise_social_security_number(number) == number


@given(ssn_bodies, st.integers(0, 17), st.sampled_from(SSN_CHARACTERS))
def test_any_single_character_change_is_rejected(body: str, position: int, new: str) -> None:
    number = body + social_security_check_character(body)
    if number[position] == new:
        return
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(InvalidNumberError):
        normalise_social_security_number(changed)


# --- card number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first8", "check"),
    [
        # profile example X00000019: X=33 -> 33*3 + 1*2 = 101; 101 mod 11 = 2; 11-2 = 9
        ("X0000001", "9"),
        # A=10,B=11,C=12,D=13: 10*3+1*7+11*9+2*10+12*5+3*8+13*4+4*2 = 300;
        # 300 mod 11 = 3; 11-3 = 8
        ("A1B2C3D4", "8"),
        # 6*2 = 12; 12 mod 11 = 1; 11-1 = 10 -> X
        ("00000006", "X"),
        # sum 0; 11-0 = 11 -> 0
        ("00000000", "0"),
    ],
)
def test_card_number_check_character(first8: str, check: str) -> None:
    assert card_number_check_character(first8) == check


def test_a_value_difference_of_11_is_not_detected() -> None:
    # A weakness of the scheme, not of the code: "0" -> "B" (0 -> 11) changes the sum by 33.
    assert validate_card_number("000000000") == "000000000"
    assert validate_card_number("B00000000") == "B00000000"


@pytest.mark.parametrize(
    ("text", "normal"),
    [("X00000019", "X00000019"), ("x00000019", "X00000019"), ("00000006x", "00000006X")],
)
def test_validate_card_number_normalises_case(text: str, normal: str) -> None:
    assert validate_card_number(text) == normal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("X0000001", "9 characters"),
        ("X000000190", "9 characters"),
        ("X0000-019", "0-9 and A-Z"),
        ("X00000018", "expected 9, got 8"),
        ("A1B2C3D4X", "expected 8, got X"),
    ],
)
def test_invalid_card_numbers_are_rejected(text: str, message: str) -> None:
    with pytest.raises(InvalidNumberError, match=message):
        validate_card_number(text)


def test_card_number_check_character_wants_upper_case() -> None:
    with pytest.raises(InvalidNumberError, match="upper case"):
        card_number_check_character("x0000001")


card_bodies = st.text(CARD_NUMBER_ALPHABET, min_size=8, max_size=8)


@given(card_bodies)
def test_any_card_body_with_its_check_character_validates(body: str) -> None:
    number = body + card_number_check_character(body)
    assert validate_card_number(number) == number


@given(card_bodies, st.integers(0, 7), st.sampled_from("0123456789"))
def test_any_single_digit_change_is_rejected(body: str, position: int, new: str) -> None:
    number = body + card_number_check_character(body)
    old = CARD_NUMBER_ALPHABET.index(number[position])
    if (old - int(new)) % 11 == 0:
        return  # see test_a_value_difference_of_11_is_not_detected
    with pytest.raises(InvalidNumberError):
        validate_card_number(number[:position] + new + number[position + 1 :])


# --- card identification code -----------------------------------------------------------

PROFILE_EXAMPLE = bytes.fromhex("639900D15600000500BF7C7A48FB4966")


def test_sm3_is_the_gb_t_32905_hash() -> None:
    # GB/T 32905-2016 appendix A, example 1
    assert sm3(b"abc").hex() == ("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_build_card_identification_code_follows_the_profile_rule() -> None:
    region, rid, serial = bytes.fromhex("320100"), bytes.fromhex("D156000005"), b"\x12\x34\x56\x78"
    expected = region + rid + serial + sm3(region + rid + serial)[:4]
    assert expected.hex().upper() == "320100D1560000051234567826A1FBF1"
    assert build_card_identification_code("320100", serial) == expected


def test_parse_profile_example_structurally() -> None:
    code = parse_card_identification_code(PROFILE_EXAMPLE)
    assert code.code == PROFILE_EXAMPLE
    assert code.region_code == "639900"
    assert code.chip_serial == bytes.fromhex("00BF7C7A")
    assert code.digest == bytes.fromhex("48FB4966")
    assert code.digest_ok is False  # another issuer's rule, not ours


def test_verify_digest_rejects_a_foreign_digest() -> None:
    with pytest.raises(InvalidNumberError, match="wrong digest"):
        parse_card_identification_code(PROFILE_EXAMPLE, verify_digest=True)


def test_parse_our_own_code_verifies() -> None:
    code = parse_card_identification_code(
        bytes.fromhex("320100D1560000051234567826A1FBF1"), verify_digest=True
    )
    assert code.region_code == "320100"
    assert code.chip_serial == b"\x12\x34\x56\x78"
    assert code.digest_ok is True


@pytest.mark.parametrize(
    ("hex_code", "message"),
    [
        ("639900D15600000500BF7C7A48FB49", "16 bytes"),
        ("639900D15600000500BF7C7A48FB496600", "16 bytes"),
        ("639900D15600000600BF7C7A48FB4966", "expected RID D156000005, got D156000006"),
        ("63A900D15600000500BF7C7A48FB4966", "6 BCD digits"),
        ("6399FFD15600000500BF7C7A48FB4966", "6 BCD digits"),
    ],
)
def test_malformed_card_identification_codes_are_rejected(hex_code: str, message: str) -> None:
    with pytest.raises(InvalidNumberError, match=message):
        parse_card_identification_code(bytes.fromhex(hex_code))


@pytest.mark.parametrize(
    ("region", "serial", "message"),
    [
        ("3201", b"\x00" * 4, "6 digits"),
        ("32010A", b"\x00" * 4, "6 digits"),
        ("320100", b"\x00" * 3, "4 bytes"),
        ("320100", b"\x00" * 5, "4 bytes"),
    ],
)
def test_build_card_identification_code_rejects_bad_parts(
    region: str, serial: bytes, message: str
) -> None:
    with pytest.raises(InvalidNumberError, match=message):
        build_card_identification_code(region, serial)


# --- region codes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("320000", "江苏省"),
        ("320102", "玄武区"),
        ("320118", "高淳区"),
        ("320500", "苏州市"),
        ("320509", "吴江区"),
        ("320613", "崇川区"),  # 2020: 崇川区 and 港闸区 merged under a new code
        ("320614", "海门区"),  # 2020: 海门市 became a district
        ("320685", "海安市"),  # 2018: 海安县 became a city
        ("321324", "泗洪县"),
        ("110000", "北京市"),
        ("650000", "新疆维吾尔自治区"),
        ("820000", "澳门特别行政区"),
    ],
)
def test_region_name(code: str, name: str) -> None:
    assert region_name(code) == name
    assert is_known_region(code)


@pytest.mark.parametrize("code", ["320103", "320602", "320611", "320684", "650100", "999999"])
def test_abolished_and_foreign_county_codes_are_unknown(code: str) -> None:
    assert region_name(code) is None
    assert not is_known_region(code)


def test_jiangsu_has_13_cities_and_95_county_level_units() -> None:
    cities = subdivisions("320000")
    assert len(cities) == 13
    assert (cities[0], cities[-1]) == ("320100", "321300")
    counties = [county for city in cities for county in subdivisions(city)]
    assert len(counties) == 95
    assert len(subdivisions("320100")) == 11
    assert all(city_code(county) in cities for county in counties)


def test_provinces() -> None:
    codes = provinces()
    assert len(codes) == 34  # 31 mainland + 台湾省, 香港, 澳门
    assert (codes[0], codes[-1]) == ("110000", "820000")
    assert subdivisions("650000") == ()


def test_city_and_province_of_any_code() -> None:
    assert city_code("320102") == "320100"
    assert province_of("320102") == "320000"
    assert region_name(province_of("650102")) == "新疆维吾尔自治区"


@pytest.mark.parametrize("code", ["32010", "3201020", "32010X", ""])
def test_region_helpers_reject_malformed_codes(code: str) -> None:
    with pytest.raises(ValueError, match="6 digits"):
        city_code(code)
    with pytest.raises(ValueError, match="6 digits"):
        province_of(code)


@pytest.mark.parametrize(
    ("code", "description"),
    [
        ("320102", "江苏省南京市玄武区"),
        ("320500", "江苏省苏州市"),
        ("320000", "江苏省"),
        ("620100", "甘肃省"),
        ("990000", None),
        ("32010", None),
    ],
)
def test_describe_region_names_the_nearest_listed_levels(
    code: str, description: str | None
) -> None:
    assert describe_region(code) == description
