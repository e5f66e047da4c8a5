"""``sscard-sim card create``, ``population`` and ``population-csv``: soft cards of
synthetic residents, and the same residents in cardsvc's import format."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from readers.cli.toolkit import (
    DIRECTORY,
    FILE,
    Failure,
    progress,
    require_parent,
    verbosity_option,
    writing,
)
from readers.connection import Protocol_
from simulators.card.personalisation import GENERATIONS, Generation
from simulators.card.ssc import SoftSocialSecurityCard
from simulators.card.state import save_card
from simulators.cli import values
from simulators.cli.holder import HOLDER_PARAMETERS, holder_options, personalise
from simulators.population import (
    MAX_POPULATION,
    generate_population,
    iter_population,
    make_personalisation,
)
from simulators.population_csv import (
    write_cards_csv,
    write_population_files,
    write_residents_csv,
)
from simulators.provisioning import card_factory

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger(__name__)


def protocol_options(function: F) -> F:
    """``--t0`` (the default) or ``--t1``: the card's transmission personality."""
    function = click.option(
        "--t1",
        "protocol",
        flag_value="T1",
        help="T=1 / contactless personality.",
    )(function)
    return click.option(
        "--t0",
        "protocol",
        flag_value="T0",
        default=True,
        help="Contact T=0 personality: 61xx, 6Cxx, GET RESPONSE.",
    )(function)


def _seed_option(function: F) -> F:
    return click.option(
        "--seed",
        type=int,
        help="Synthetic resident seed: the same seed gives the same residents.  [default: random]",
    )(function)


def _seed(seed: int | None) -> int:
    return seed if seed is not None else secrets.randbits(32)


def make_directory(path: Path) -> None:
    """``--out``'s directory, made if needed (but not its parent); a failure when a file is
    in the way or the parent is missing."""
    if path.exists() and not path.is_dir():
        raise Failure(f"{path} is a file, and --out names a directory")
    require_parent(path)
    with writing(path):
        path.mkdir(exist_ok=True)


def refuse_to_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise Failure(f"{path} exists; use --force to overwrite it")


@click.command()
@click.option("--out", type=FILE, required=True, help="The card file to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--generation",
    type=click.Choice(GENERATIONS),
    default="3.00",
    help="Card generation.",
)
@protocol_options
@_seed_option
@holder_options
@click.option(
    "--keys",
    type=FILE,
    help="The issuer's software key store: a genuine card, with card keys from it.",
)
@click.option(
    "--passphrase-file",
    type=FILE,
    help="With --keys: the store's passphrase.",
)
@click.option(
    "--transport-key-file",
    type=FILE,
    help="With --keys: the factory's transport key (64 hex digits, as province create writes it).",
)
@click.option(
    "--register-csv",
    type=DIRECTORY,
    help="Also write the holder and the card to DIR/residents.csv and DIR/cards.csv, for "
    "'cardsvc import'.",
)
@click.option(
    "--community",
    metavar="CODE",
    callback=values.community_code,
    help="With --register-csv: the unified code of the holder's community station (12 "
    "digits, e.g. 320102001001).",
)
@verbosity_option
def create(
    out: Path,
    force: bool,
    generation: Generation,
    protocol: Protocol_,
    seed: int | None,
    keys: Path | None,
    passphrase_file: Path | None,
    transport_key_file: Path | None,
    register_csv: Path | None,
    community: str | None,
    **holder: Any,
) -> None:
    """Write one soft card file (JSON): a synthetic resident, or the holder you give.

    The holder options (--name … --photo) override the synthetic resident; fields left
    unset stay synthetic. With --keys the card is genuine: card keys diversified from the
    issuer's store.
    """
    if keys is not None and (passphrase_file is None or transport_key_file is None):
        raise click.UsageError("--keys needs --passphrase-file and --transport-key-file")
    if register_csv is not None and community is None:
        raise click.UsageError("--register-csv needs --community (a community's unified code)")
    if register_csv is not None and any(holder[name] is not None for name in HOLDER_PARAMETERS):
        raise click.UsageError("--register-csv writes a synthetic holder: give no holder options")
    refuse_to_overwrite(out, force)
    require_parent(out)
    if register_csv is not None:
        require_parent(register_csv)
    seed = _seed(seed)
    logger.info("synthetic resident of seed %d, generation %s card, %s", seed, generation, protocol)
    resident = generate_population(1, seed=seed, generations=(generation,))[0]
    personalisation = personalise(make_personalisation(resident), holder)
    if keys is not None and passphrase_file is not None and transport_key_file is not None:
        with card_factory(keys, passphrase_file, transport_key_file) as factory:
            card = factory.personalised_card(personalisation, protocol=protocol)
    else:
        card = SoftSocialSecurityCard.personalised(personalisation, protocol=protocol)
    with writing(out):
        save_card(card, out)
    genuine = "with card keys (genuine)" if keys else "without card keys"
    written = f"wrote {out}: generation {generation}, {protocol}, {genuine}"
    if register_csv is not None and community is not None:
        make_directory(register_csv)
        write_residents_csv([resident], register_csv / "residents.csv", [community])
        write_cards_csv([resident], register_csv / "cards.csv")
        written += f"; its holder and card in {register_csv}/residents.csv and cards.csv"
    click.echo(written, err=True)


@click.group()
def card() -> None:
    """Soft cards."""


card.add_command(create)


def _at_most_max_population(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if value > MAX_POPULATION:
        raise click.BadParameter(
            f"{value:,} is more than one run makes: at most {MAX_POPULATION:,} (every number "
            "handed out is remembered, to keep them unique)"
        )
    return value


def _count_argument(function: F) -> F:
    return click.argument(
        "count", metavar="N", type=click.IntRange(min=1), callback=_at_most_max_population
    )(function)


@click.command(short_help="N soft card files of synthetic residents.")
@_count_argument
@click.option(
    "--out",
    type=DIRECTORY,
    required=True,
    help="An empty directory to write into (made if it does not exist; its parent must).",
)
@click.option(
    "--generation",
    "generations",
    type=click.Choice(GENERATIONS),
    multiple=True,
    help="Card generation; repeat for a mix.  [default: all three]",
)
@protocol_options
@_seed_option
@verbosity_option
def population(
    count: int,
    out: Path,
    generations: tuple[Generation, ...],
    protocol: Protocol_,
    seed: int | None,
) -> None:
    """Write N soft card files of synthetic residents (card-1.json …), N at most 10,000,000.

    Each card is written as soon as it is made (about 3 KB a file); the progress shows on a
    terminal.
    """
    make_directory(out)
    existing = sorted(out.glob("card-*.json"))
    if existing:
        raise Failure(f"{out} already holds {len(existing)} card files; use an empty directory")
    seed = _seed(seed)
    logger.info("%d synthetic residents of seed %d", count, seed)
    residents = iter_population(count, seed=seed, generations=generations or GENERATIONS)
    width = len(str(count))
    numbered = enumerate(residents, start=1)
    for index, resident in progress(numbered, total=count, description="cards"):
        card = SoftSocialSecurityCard.personalised(
            make_personalisation(resident), protocol=protocol
        )
        path = out / f"card-{index:0{width}d}.json"
        with writing(path):
            save_card(card, path)
    click.echo(f"wrote {count} cards to {out}", err=True)


@click.command("population-csv", short_help="N residents and cards in cardsvc's import format.")
@_count_argument
@click.option(
    "--out",
    type=DIRECTORY,
    required=True,
    help="The directory for residents.csv and cards.csv (made if it does not exist; its "
    "parent must).",
)
@click.option("--seed", type=int, default=2013, help="Synthetic resident seed.")
@click.option(
    "--community",
    "communities",
    metavar="CODE",
    multiple=True,
    required=True,
    callback=values.community_codes,
    help="Unified code of a community station (12 digits, e.g. 320102001001; repeat): "
    "residents are spread over them.",
)
@verbosity_option
def population_csv(count: int, out: Path, seed: int, communities: tuple[str, ...]) -> None:
    """Write N synthetic residents and their cards in cardsvc's import format, N at most
    10,000,000.

    Both files are written in one pass, a resident at a time; each appears complete under
    its name when done.
    """
    make_directory(out)
    logger.info("%d synthetic residents of seed %d", count, seed)
    residents = progress(iter_population(count, seed=seed), total=count, description="residents")
    with writing(out):
        write_population_files(residents, out, communities)
    click.echo(
        f"wrote {count} residents and their cards to {out}/residents.csv and cards.csv", err=True
    )
