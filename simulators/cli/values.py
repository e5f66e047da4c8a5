"""Option values ``sscard-sim`` checks as it reads them: a bad one is a usage error (exit 2)
naming the option, with the project's own rule for it (``readers.card`` owns the numbers
and the GB/T 2260 regions, the soft card its PIN).
"""

from __future__ import annotations

from datetime import date

import click

from readers.card.ethnic_groups import ETHNIC_GROUPS
from readers.card.numbers import (
    InvalidNumberError,
    SocialSecurityNumber,
    parse_social_security_number,
    validate_card_number,
)
from readers.card.regions import describe_region, is_known_region, province_of, provinces
from simulators.card.memory import encode_pin


def iso_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """A calendar date written YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


TERMINAL_NUMBER_DIGITS = 12


def region_code(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A GB/T 2260 code the project knows (a Jiangsu unit or a province): ``--region``."""
    if value is not None and not is_known_region(value):
        raise click.BadParameter(f"{value} is not a known GB/T 2260 region code")
    return value


def province_code(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A province's code: the ``--region`` rule, and the provincial level (``…0000``)."""
    region_code(ctx, param, value)
    if value not in provinces():
        raise click.BadParameter(
            f"{value} is {describe_region(value)}, not a province: a province's code ends in "
            f"0000 ({province_of(value)} for {describe_region(province_of(value))})"
        )
    return value


def place_code(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Six digits naming a place in a known province (a birthplace may be anywhere)."""
    if value is not None and describe_region(value) is None:
        raise click.BadParameter(f"{value} is not a GB/T 2260 region code of a known province")
    return value


def terminal_number(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A PSAM's terminal number: the terminal's region code and a 6-digit sequence."""
    if len(value) != TERMINAL_NUMBER_DIGITS or not (value.isascii() and value.isdigit()):
        raise click.BadParameter(
            f"{value!r} is not 12 digits (the terminal's region code, then a sequence number)"
        )
    place_code(_ctx, _param, value[:6])
    return value


COMMUNITY_CODE_DIGITS = 12


def community_code(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A community station's unified code: its county's region code, then the street's and
    the community's 3-digit sequence numbers (cardsvc's platform rule), e.g. 320102001001."""
    if value is None:
        return None
    if len(value) != COMMUNITY_CODE_DIGITS or not (value.isascii() and value.isdigit()):
        raise click.BadParameter(
            f"{value!r} is not a community station's unified code: 12 digits, the county's "
            "region code then the street's and the community's sequence, e.g. 320102001001"
        )
    place_code(_ctx, _param, value[:6])
    return value


def community_codes(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """``community_code`` for each of a repeated option's values."""
    for value in values:
        community_code(ctx, param, value)
    return values


def social_security_number(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> SocialSecurityNumber | None:
    if value is None:
        return None
    try:
        return parse_social_security_number(value)
    except InvalidNumberError as exc:
        raise click.BadParameter(str(exc)) from None


def card_number(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validate_card_number(value)
    except InvalidNumberError as exc:
        raise click.BadParameter(str(exc)) from None


def ethnic_group(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in ETHNIC_GROUPS:
        raise click.BadParameter(
            f"{value!r} is not a GB 3304 code: 01 (汉族) to 56, 97 (其他) or "
            "98 (外国血统中国籍人士)"
        )
    return value


def card_pin(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A PIN the soft card can hold."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):
        raise click.BadParameter(f"{value!r} is not a PIN: a PIN has 3 to 12 digits")
    try:
        encode_pin(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value
