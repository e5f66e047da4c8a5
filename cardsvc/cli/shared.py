"""What every ``cardsvc`` command uses: its settings, its errors, counts, the system's audit.

Errors a person at the keyboard can fix end in one message and an exit status, never a
traceback: ``Failed`` (status 1: the work could not be done) and ``Misconfigured``
(status 2, as click's usage errors: the environment is wrong, the command line is not).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from cardsvc.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.orm import Session

    from cardsvc.audit.service import AuditTrail

_SUPPORTED = {("sqlite", "pysqlite"), ("postgresql", "psycopg")}
_FORMS = "sqlite:///PATH (a file) or postgresql+psycopg://USER@HOST:PORT/DATABASE"


class Failed(click.ClickException):
    """The command could not do its work (exit status 1)."""

    exit_code = 1


class Misconfigured(click.ClickException):
    """The settings in the environment are wrong or unsafe (exit status 2)."""

    exit_code = 2


class Count(click.ParamType[int]):
    """A whole number from 1 to ``maximum``."""

    name = "N"

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).replace("_", "").replace(",", ""))
            except ValueError:
                self.fail(f"not a whole number: {value!r}", param, ctx)
        if not 1 <= number <= self.maximum:
            self.fail(f"must be from 1 to {self.maximum:,}, got {number}", param, ctx)
        return number


# Batches, problems listed, workers: a million is past any sensible value.
COUNT = Count(1_000_000)
# A demo population: at most what the synthetic population source generates at once
# (simulators.population.MAX_POPULATION; its uniqueness tracking alone is ~2 GB there).
POPULATION = Count(10_000_000)


def command_settings() -> Settings:
    """The settings from the environment, checked once per command.

    A database other than SQLite is refused while a secret holds its published demo
    value or is short: every command keys or checks audit rows (migrations re-key the
    chain), so a real database under the demo secrets, or an empty one, could be forged.
    """
    meta = click.get_current_context().find_root().meta
    if "cardsvc.settings" not in meta:
        meta["cardsvc.settings"] = _checked_settings()
    settings: Settings = meta["cardsvc.settings"]
    return settings


def _checked_settings() -> Settings:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as error:
        wrong = "; ".join(
            f"CARDSVC_{'_'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors(include_input=False, include_url=False)
        )
        raise Misconfigured(f"the environment holds settings cardsvc cannot use: {wrong}") from None
    url = database_url(settings)
    unsafe = settings.unsafe_secrets()
    if unsafe and url.get_backend_name() != "sqlite":
        raise Misconfigured(
            f"{', '.join(unsafe)} hold the demo defaults or are shorter than 32 characters; "
            "set them to the service's long random values (openssl rand -hex 32) before "
            "using a real database"
        )
    return settings


def database_url(settings: Settings) -> URL:
    """``CARDSVC_DATABASE_URL``, parsed; a URL cardsvc cannot use is a setup error."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        raise Misconfigured(
            f"CARDSVC_DATABASE_URL is not a database URL: write it as {_FORMS}"
        ) from None
    if (url.get_backend_name(), url.get_driver_name()) not in _SUPPORTED:
        raise Misconfigured(
            f"CARDSVC_DATABASE_URL names a {url.drivername} database, which cardsvc does not "
            f"support: write it as {_FORMS}"
        )
    return url


def system_audit(session: Session, settings: Settings) -> AuditTrail:
    """The audit trail as the command line writes it: no clerk, no window."""
    from cardsvc.audit.service import AuditTrail

    return AuditTrail(session, None, settings.audit_secret.get_secret_value().encode())


@contextmanager
def interruptible(what_is_kept: str) -> Iterator[None]:
    """Ctrl-C ends the work with one line saying what it left behind (exit status 1)."""
    try:
        yield
    except KeyboardInterrupt:
        raise Failed(f"interrupted: {what_is_kept}") from None
