"""Engines as the service makes them."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError


def test_database_errors_never_carry_the_statement_parameters(engine: Engine) -> None:
    """An unexpected database error reaches the server's log: no resident data in it."""
    ssn = "320102199001010021"
    with engine.connect() as connection, pytest.raises(DBAPIError) as raised:
        connection.execute(text("SELECT * FROM no_such_table WHERE ssn = :ssn"), {"ssn": ssn})
    assert ssn not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
