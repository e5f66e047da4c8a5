"""Alembic migrations; ``cardsvc migrate`` runs them (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def latest_revision() -> str:
    """The revision ``upgrade`` brings a database to: the one this code needs."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None  # noqa: S101 - the migrations ship with the code
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision of the schema behind ``connection``; None when it has none."""
    return MigrationContext.configure(connection).get_current_revision()
