"""``cardsvc migrate``: create the database or bring its schema up to date."""

from __future__ import annotations

import click

from cardsvc.cli.database import opened, shown
from cardsvc.cli.shared import Failed, command_settings, database_url, interruptible


def migrate_database() -> tuple[str | None, str]:
    """Bring the command's database to the latest schema: (revision before, after)."""
    from alembic.util import CommandError

    from cardsvc.migrations import current_revision, latest_revision, upgrade

    settings = command_settings()
    with opened(settings, create=True) as database:
        with database.engine.connect() as connection:
            before = current_revision(connection)
        try:
            with interruptible("the schema changes in one transaction: run it again"):
                upgrade(settings.database_url)
        except CommandError as error:  # e.g. a revision from a newer release
            raise Failed(
                f"cannot migrate {shown(database_url(settings))}: {error} (a revision this "
                "cardsvc does not know comes from a newer release: run that release's cardsvc)"
            ) from None
    return before, latest_revision()


@click.command(short_help="Create the database or update its schema.")
def migrate() -> None:
    """Create the database, or bring its schema up to date (Alembic).

    Safe to run again: a database already up to date is left as it is. On SQLite the
    default folder ./var is made if missing; another path's folder must exist.
    """
    before, after = migrate_database()
    where = shown(database_url(command_settings()))
    if before == after:
        click.echo(f"{where}: schema already at the latest revision ({after})")
    else:
        click.echo(f"{where}: schema migrated from {before or 'nothing'} to {after}")
