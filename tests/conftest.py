"""Fixtures every test package shares."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NoReturn

import pytest

MissingService = Callable[[str], NoReturn]


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def missing_service() -> MissingService:
    """``missing_service(reason)`` when a system service a test needs is not there.

    Under CI=true the suite promises to test the real thing (pcscd, PostgreSQL, SoftHSM2),
    so a missing service fails the test; on a developer's machine the test is skipped.
    """
    return _missing
