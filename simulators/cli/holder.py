"""``sscard-sim card create``'s holder options: they override the synthetic resident.

Unset fields stay synthetic. Sex and birth date come from the social security number, so
they are given only with it and must agree with it; a new issuing region gets a card
identification code of that region (profile §4).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from keys.files import UnfitFile, read_bounded
from readers.card.numbers import SocialSecurityNumber, build_card_identification_code
from readers.cli.toolkit import FILE, Failure
from simulators.card.filesystem import PHOTO_FILE_SIZE
from simulators.card.personalisation import CardPersonalisation
from simulators.card.records import holder_name, split_name
from simulators.cli import values

JPEG_START = b"\xff\xd8"
F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option(
        "--name",
        metavar="NAME",
        help="The holder's name as the issuer writes it, in GBK: up to 30 bytes, 50 on "
        "2.00/3.00; trimmed, and without '|' or control characters.",
    ),
    click.option(
        "--ssn",
        callback=values.social_security_number,
        metavar="NUMBER",
        help="18-character social security number (or 15-digit); sets sex, birth date and "
        "birthplace.",
    ),
    click.option(
        "--sex",
        type=click.Choice(["1", "2", "9"]),
        help="1 male, 2 female, 9 unspecified; must agree with --ssn.",
    ),
    click.option(
        "--birth-date",
        callback=values.iso_date,
        metavar="YYYY-MM-DD",
        help="Must agree with --ssn.",
    ),
    click.option(
        "--birthplace",
        callback=values.place_code,
        metavar="CODE",
        help="6-digit GB/T 2260 region code.",
    ),
    click.option(
        "--ethnic-group",
        callback=values.ethnic_group,
        metavar="CODE",
        help="2-digit GB 3304 code, 01 = 汉族.",
    ),
    click.option(
        "--region",
        callback=values.region_code,
        metavar="CODE",
        help="6-digit issuing region code, e.g. 320500.",
    ),
    click.option(
        "--card-number",
        callback=values.card_number,
        metavar="NUMBER",
        help="9 characters with its check character.",
    ),
    click.option(
        "--issue-date",
        callback=values.iso_date,
        metavar="YYYY-MM-DD",
        help="Expiry is 10 years on.",
    ),
    click.option(
        "--pin",
        callback=values.card_pin,
        metavar="PIN",
        help="Initial PIN (3 to 12 digits).  [default: the card's, 123456]",
    ),
    click.option(
        "--photo",
        type=FILE,
        help="A JPEG of at most 16 KiB.",
    ),
)
HOLDER_PARAMETERS = (
    "name", "ssn", "sex", "birth_date", "birthplace", "ethnic_group", "region",
    "card_number", "issue_date", "pin", "photo",
)  # fmt: skip


def holder_options(function: F) -> F:
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


def personalise(base: CardPersonalisation, holder: dict[str, Any]) -> CardPersonalisation:
    """``base`` with the holder options given; a usage error for options that disagree."""
    changes: dict[str, object] = {}
    ssn: SocialSecurityNumber | None = holder["ssn"]
    sex, birth_date = holder["sex"], holder["birth_date"]
    if ssn is not None:
        changes.update(
            social_security_number=ssn.number,
            sex=ssn.sex,
            birth_date=f"{ssn.birth_date:%Y%m%d}",
            birthplace=ssn.region_code,
        )
        if sex is not None and sex != ssn.sex:
            raise click.UsageError(
                "--sex does not match the social security number: its sequence gives "
                f"{ssn.sex} (odd 1 men, even 2 women)"
            )
        if birth_date is not None and birth_date != ssn.birth_date:
            raise click.UsageError(
                f"--birth-date does not match the social security number: it gives {ssn.birth_date}"
            )
    elif sex is not None or birth_date is not None:
        raise click.UsageError("--sex and --birth-date come from --ssn; give the number too")
    for option in ("name", "ethnic_group", "birthplace", "pin"):
        if holder[option] is not None:
            changes[option] = holder[option]
    region = holder["region"]
    if region is not None:
        changes.update(
            region_code=region,
            card_identification_code=build_card_identification_code(region, base.chip_serial),
        )
    if holder["card_number"] is not None:
        changes["card_number"] = holder["card_number"]
    issued = holder["issue_date"]
    if issued is not None:
        changes.update(issue_date=f"{issued:%Y%m%d}", expiry_date=f"{_ten_years_on(issued):%Y%m%d}")
    if holder["photo"] is not None:
        changes["photo"] = _photo(holder["photo"])
    personalisation = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    try:
        name = holder_name(personalisation.name)
        split_name(name, personalisation.generation)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--name") from None
    return dataclasses.replace(personalisation, name=name)


def _photo(path: Path) -> bytes:
    try:
        photo = read_bounded(path, PHOTO_FILE_SIZE, "photo a card can hold")
    except UnfitFile as exc:
        if exc.size is None:
            raise Failure(f"--photo {path}: {exc.reason}; give a JPEG file") from None
        raise Failure(
            f"--photo {path}: {exc.size} bytes, and a card holds a photo of at most "
            f"{PHOTO_FILE_SIZE} bytes (16 KiB): make it smaller"
        ) from None
    if not photo.startswith(JPEG_START):
        raise Failure(f"--photo {path}: not a JPEG file")
    return photo


def _ten_years_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 10)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 10, day=28)
