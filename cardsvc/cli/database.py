"""The command's database: which one, whether it exists and has the schema, and what
to tell the operator when it cannot be reached.

Only ``cardsvc migrate`` and ``cardsvc seed`` may create a database. Every other
command opens an existing one whose schema is up to date: on SQLite a missing file is an
error, never a new empty file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cardsvc.cli.shared import Failed, database_url
from cardsvc.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.exc import DBAPIError

    from cardsvc.kit.database import Database

# Where the default SQLite file lives; ``migrate`` makes this folder, no other.
_DEFAULT_FOLDER = Path("var")


def shown(url: URL) -> str:
    """The URL as messages show it: never its password."""
    return url.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite database (None: in memory, or not SQLite)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


@contextmanager
def opened(settings: Settings, *, create: bool = False) -> Iterator[Database]:
    """The command's database, its connections closed when the command is done.

    Without ``create`` the database must exist and carry this code's schema, else the
    command fails saying what to do (run ``cardsvc migrate``, or set the URL).
    """
    from sqlalchemy.exc import DBAPIError

    from cardsvc.kit.database import Database

    url = database_url(settings)
    file = sqlite_file(url)
    if file is not None:
        if create and not file.parent.exists() and file.parent == _DEFAULT_FOLDER:
            file.parent.mkdir()
        if not create and not file.exists():
            raise Failed(
                f"there is no database at {shown(url)} (no file {file}): run 'cardsvc migrate' "
                "to create it, or set CARDSVC_DATABASE_URL to the service's database"
            )
    database = Database.at(settings.database_url)
    try:
        if not create:
            _check_schema(database, url)
        yield database
    except DBAPIError as error:
        raise explained(error, url) from None
    finally:
        database.dispose()


def _check_schema(database: Database, url: URL) -> None:
    from cardsvc.migrations import current_revision, latest_revision

    with database.engine.connect() as connection:
        current = current_revision(connection)
    latest = latest_revision()
    if current is None:
        raise Failed(
            f"the database at {shown(url)} has no cardsvc schema: run 'cardsvc migrate' to "
            "create it, or set CARDSVC_DATABASE_URL to the service's database"
        )
    if current != latest:
        raise Failed(
            f"the database at {shown(url)} has schema revision {current}, this cardsvc needs "
            f"{latest}: run 'cardsvc migrate' (a revision this cardsvc does not know comes "
            "from a newer release: run that release's cardsvc instead)"
        )


def explained(error: DBAPIError, url: URL) -> Failed:
    """What went wrong with the database, said so that the operator can fix it."""
    reason = " ".join(str(error.orig).split())
    if url.password:
        reason = reason.replace(url.password, "***")
    file = sqlite_file(url)
    if url.get_backend_name() == "sqlite":
        where = f"the SQLite database {file or shown(url)}"
        if "unable to open database file" in reason:
            return Failed(
                f"cannot open {where}: check that its folder exists and that this user may "
                "write there, or set CARDSVC_DATABASE_URL"
            )
        if "readonly database" in reason:
            return Failed(f"{where} is read-only for this user: {reason}")
        if "database is locked" in reason:
            return Failed(f"{where} is busy (another process is writing to it): try again")
    elif re.match(r"(connection failed|failed to resolve host)", reason):
        return Failed(
            f"cannot connect to PostgreSQL at {url.host or 'localhost'}:{url.port or 5432} "
            f"(database {url.database or '?'}, user {url.username or '?'}): {reason}\n"
            "Check that the server runs and accepts connections from this machine, and that "
            "CARDSVC_DATABASE_URL names the right host, port, database and user."
        )
    missing = re.search(r'no such table: (\w+)|relation "(\w+)" does not exist', reason)
    if missing:
        return Failed(
            f"the database at {shown(url)} has no table {missing.group(1) or missing.group(2)}: "
            "its schema is missing or old; run 'cardsvc migrate'"
        )
    return Failed(f"the database at {shown(url)} failed: {reason}")
