"""Argon2id password hashing with a cost taken from the settings."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cardsvc.settings import Settings

# Verifying against this when the username is unknown keeps timing uniform.
_UNKNOWN_USER_HASH_INPUT = "unknown-user"


class Passwords:
    """Hashes and checks passwords; checks from the event loop run in worker threads, a
    bounded number at once, holding no database connection (a flood of logins cannot
    take the connections or the threads that the windows need)."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_time_cost, memory_cost=settings.password_memory_cost_kib
        )
        self._dummy_hash = self._hasher.hash(_UNKNOWN_USER_HASH_INPUT)
        self._at_once = settings.password_checks_at_once
        self._limiter: anyio.CapacityLimiter | None = None

    def _bounded(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # made on first use, inside the serving event loop
            self._limiter = anyio.CapacityLimiter(self._at_once)
        return self._limiter

    async def verify_async(self, password_hash: str | None, password: str) -> bool:
        """``verify`` in a worker thread, at most ``password_checks_at_once`` at a time."""
        return await anyio.to_thread.run_sync(
            self.verify, password_hash, password, limiter=self._bounded()
        )

    async def hash_async(self, password: str) -> str:
        """``hash`` in a worker thread, bounded as ``verify_async``."""
        return await anyio.to_thread.run_sync(self.hash, password, limiter=self._bounded())

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            ok = self._hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok and password_hash is not None
