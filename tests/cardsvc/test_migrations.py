from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from cardsvc.models import Base


def test_migrations_match_the_models(connection: Connection) -> None:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    assert compare_metadata(context, Base.metadata) == []
