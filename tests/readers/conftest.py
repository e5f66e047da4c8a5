"""Fixtures the reader test packages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import pytest

from simulators.pcscd import PcscdUnavailableError, claim_pcscd, ensure_pcscd


@pytest.fixture(scope="session")
def pcscd(missing_service: Callable[[str], NoReturn]) -> int:
    """pcscd's pid, starting it if needed, taken for this run (other runs wait their turn)."""
    try:
        pid = ensure_pcscd()
    except PcscdUnavailableError as exc:
        missing_service(f"pcscd is unavailable: {exc}")
    claim_pcscd()
    return pid
