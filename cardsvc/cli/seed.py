"""``cardsvc seed``: a demo province with clerks, residents and cards, on a new database."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
from click.core import ParameterSource

from cardsvc.cli.database import opened
from cardsvc.cli.imports import KINDS, ImportFailed, load_file, write_report
from cardsvc.cli.schema import migrate_database
from cardsvc.cli.shared import POPULATION, Failed, command_settings, interruptible
from cardsvc.cli.terminal import progress


@click.command(short_help="Build a demo province on an empty database.")
@click.option(
    "--residents", type=POPULATION, default=1000, help="How many residents (with a card)."
)
@click.option("--seed", "random_seed", type=int, default=2013, help="The population's random seed.")
@click.option(
    "--source",
    default="synthetic",
    metavar="NAME",
    help="The population source (an entry point of sscard.population_sources).",
)
@click.option(
    "--from-csv",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Import DIR/residents.csv and DIR/cards.csv instead of a population source.",
)
@click.option(
    "--histories/--no-histories",
    default=True,
    show_default=True,
    help="Give the residents insurance histories since 1996 (contributions, benefits).",
)
@click.pass_context
def seed(
    ctx: click.Context,
    residents: int,
    random_seed: int,
    source: str,
    from_csv: Path | None,
    histories: bool,
) -> None:
    """Build a demo province on an empty database: platforms, a window each, clerks of
    every role (their passwords printed once, on standard output), then residents with
    cards through the bulk import.

    Migrates the database first (it may be new). Interrupted, it leaves what it finished:
    seed a new database to start again.
    """
    from cardsvc.clerks.passwords import Passwords
    from cardsvc.imports.service import ImportRefusedError
    from cardsvc.insurance.histories import HistoriesError, load_histories
    from cardsvc.seed import SeedError, build_demo_province, population_source

    if from_csv is not None and ctx.get_parameter_source("source") is ParameterSource.COMMANDLINE:
        raise click.UsageError("give --source or --from-csv, not both")
    missing = [
        f"{kind}.csv" for kind in KINDS if from_csv and not (from_csv / f"{kind}.csv").is_file()
    ]
    if missing:
        raise click.BadParameter(
            f"{from_csv} holds no {' and no '.join(missing)}", param_hint="--from-csv"
        )
    started = time.perf_counter()
    settings = command_settings()
    try:
        make_population = None if from_csv else population_source(source)
    except SeedError as error:
        raise click.BadParameter(str(error), param_hint="--source") from None
    migrate_database()
    kept = "the database holds what was finished: seed a new database to start again"
    with opened(settings) as database:
        try:
            with interruptible("nothing was stored"), progress() as display:
                task = display.task("hashing the clerks' passwords", unit="clerks")
                with database.unit_of_work() as session:
                    province = build_demo_province(session, Passwords(settings), on_progress=task)
        except SeedError as error:
            raise Failed(str(error)) from None
        click.echo(
            f"{len(province.platforms)} platforms; clerks (username, password, role, window):"
        )
        for clerk in province.clerks:
            click.echo(
                f"  {clerk.username:<22} {clerk.password:<20} {clerk.role.value:<18} "
                f"{clerk.window_code}  {clerk.platform_name}"
            )
        rows: dict[str, int] = {}
        kind = KINDS[0]
        with tempfile.TemporaryDirectory() as scratch, interruptible(kept):
            directory = from_csv or Path(scratch)
            try:
                with progress() as display:
                    if make_population is not None:
                        task = display.task(f"generating {residents:,} residents")
                        make_population(
                            residents, directory, seed=random_seed, communities=province.communities
                        )
                        task.finish()
                    for kind in KINDS:
                        task = display.task(f"importing {kind}", unit="rows")
                        path = directory / f"{kind}.csv"
                        rows[kind] = load_file(database, settings, kind, path, task=task).rows
            except ImportRefusedError as refused:
                write_report(refused.problems, sys.stdout, refused.truncated)
                raise ImportFailed(
                    f"the demo's {kind} were refused for {len(refused.problems)} problem(s) "
                    f"(report above); {kept}"
                ) from None
        if histories:
            try:
                with interruptible(kept), progress() as display:
                    task = display.task("insurance histories", unit="residents")
                    with database.unit_of_work() as session:
                        counts = load_histories(session, seed=random_seed, on_progress=task)
                    task.finish()
            except HistoriesError as error:
                raise Failed(f"{error}; {kept}") from None
            click.echo(
                f"insurance histories: {counts.contributions} contribution months and "
                f"{counts.payments} benefit payments for {counts.residents} residents"
            )
    for kind in KINDS:
        click.echo(f"imported {rows[kind]} {kind}")
    elapsed = time.perf_counter() - started
    click.echo(
        f"seeded {len(province.platforms)} platforms, {len(province.clerks)} clerks, "
        f"{rows['residents']} residents and {rows['cards']} cards in {elapsed:.1f} s"
    )
