"""The unit of work: one session and one commit, at the edge.

Routes (a request), identify batches (a batch) and the command line (a command) all go
through ``unit_of_work``: the block's changes are committed when it succeeds and rolled
back on any error. Services and repositories never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

Sessions = Callable[[], Session]
# Called after a failed unit of work was rolled back, with a way to open a new session and
# the error: what must stay on record although the work was undone goes there.
AfterRollback = Callable[[Sessions, BaseException], None]


@contextmanager
def unit_of_work(
    sessions: Sessions, after_rollback: AfterRollback | None = None
) -> Iterator[Session]:
    """A session whose changes are committed if the block succeeds, else rolled back."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        session.close()
        if after_rollback is not None:
            after_rollback(sessions, exc)
        raise
    finally:
        session.close()
