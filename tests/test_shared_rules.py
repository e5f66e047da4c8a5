"""Rules that both sides of a seam implement agree on every input.

``cardsvc`` never imports ``readers`` (docs/architecture.md), yet both check social
security numbers (GB 11643), card numbers and ethnic group codes (GB 3304), and both
know the sex codes (GB/T 2261.1). One implementation per side, and these properties
keep the two the same rule.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardsvc.cards.rules import card_check_character
from cardsvc.errors import InvalidDataError
from cardsvc.residents.ethnic_groups import ETHNIC_GROUPS as REGISTER_ETHNIC_GROUPS
from cardsvc.residents.rules import Sex as RegisterSex
from cardsvc.residents.rules import ssn_check_character
from readers.card.ethnic_groups import ETHNIC_GROUPS as CARD_ETHNIC_GROUPS
from readers.card.models import Sex as CardSex
from readers.card.numbers import (
    CARD_NUMBER_ALPHABET,
    InvalidNumberError,
    card_number_check_character,
    social_security_check_character,
)

digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)
card_bodies = st.text(alphabet=CARD_NUMBER_ALPHABET, min_size=8, max_size=8)


@given(digits17)
def test_both_sides_compute_the_same_gb11643_check_character(first17: str) -> None:
    assert ssn_check_character(first17) == social_security_check_character(first17)


@given(card_bodies)
def test_both_sides_compute_the_same_card_number_check_character(first8: str) -> None:
    assert card_check_character(first8) == card_number_check_character(first8)


@given(st.text(max_size=20))
def test_both_sides_refuse_the_same_card_number_bodies(text: str) -> None:
    def refused(check: object, error: type[Exception]) -> bool:
        try:
            check(text)  # type: ignore[operator]
        except error:
            return True
        return False

    assert refused(card_check_character, InvalidDataError) == refused(
        card_number_check_character, InvalidNumberError
    )


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4")],
)
def test_the_published_gb11643_examples_hold_on_both_sides(first17: str, check: str) -> None:
    assert ssn_check_character(first17) == social_security_check_character(first17) == check


def test_both_sides_hold_the_same_ethnic_group_table() -> None:
    assert REGISTER_ETHNIC_GROUPS == CARD_ETHNIC_GROUPS
    assert len(CARD_ETHNIC_GROUPS) == 58  # 56 groups, 其他, 外国血统中国籍人士


def test_the_register_takes_the_card_sex_codes_a_resident_can_be_registered_with() -> None:
    """The register keeps male and female (implied by the number); the card adds 9."""
    assert {sex.value for sex in RegisterSex} == {"1", "2"}
    assert {sex.value for sex in RegisterSex} <= {sex.value for sex in CardSex}
    assert CardSex(RegisterSex.male.value).label == "男"
    assert CardSex(RegisterSex.female.value).label == "女"
