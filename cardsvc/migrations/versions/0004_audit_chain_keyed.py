"""audit chain: every row hash becomes an HMAC under a key derived from the audit secret

Revision ID: 0004
Revises: 0003

Rows written before were hashed with plain SHA-256, which anyone with write access to
the database could recompute after editing a row. This re-hashes the stored chain under
the chain key (``cardsvc.audit.chain.chain_key`` of ``CARDSVC_AUDIT_SECRET``, so run the
migration with the service's secret set), after checking that the old chain is whole:
a chain already broken is not laundered into a valid one; the migration stops instead.
The append-only triggers are lifted for the re-hash alone, in this transaction.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cardsvc.audit.chain import GENESIS_HASH, ChainedRow, chain_key, row_content, row_hash
from cardsvc.kit.types import UtcDateTime
from cardsvc.settings import Settings

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The append-only triggers as revision 0003 made them, recreated after the re-hash.
_SQLITE_TRIGGERS = importlib.import_module(
    "cardsvc.migrations.versions.0003_audit_append_only"
)._SQLITE

_events = sa.table(
    "audit_events",
    sa.column("seq", sa.Integer),
    sa.column("occurred_at", UtcDateTime()),
    sa.column("clerk_id", sa.Integer),
    sa.column("window_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("purpose", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.String),
    sa.column("payload", sa.Text),
    sa.column("previous_hash", sa.String),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_events).order_by(_events.c.seq)).all()
    if not rows:
        return
    key = chain_key(Settings().audit_secret.get_secret_value().encode())
    updates = []
    old_previous, new_previous = GENESIS_HASH, GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        old = ChainedRow(*row[:-1])
        if (
            row.seq != expected_seq
            or row.previous_hash != old_previous
            or hashlib.sha256(row_content(old)).hexdigest() != row.hash
        ):
            raise RuntimeError(
                f"the audit chain is broken at row {row.seq} before re-keying; it is left as "
                "it is: investigate with the previous release's 'cardsvc audit verify'"
            )
        new = old._replace(previous_hash=new_previous)
        new_hash = row_hash(new, key)
        updates.append({"s": row.seq, "p": new_previous, "h": new_hash})
        old_previous, new_previous = row.hash, new_hash
    statement = (
        sa.update(_events)
        .where(_events.c.seq == sa.bindparam("s"))
        .values(previous_hash=sa.bindparam("p"), hash=sa.bindparam("h"))
    )
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
        bind.execute(statement, updates)
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
        bind.execute(statement, updates)
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    raise RuntimeError("a keyed audit chain is not turned back into a plain SHA-256 one")
