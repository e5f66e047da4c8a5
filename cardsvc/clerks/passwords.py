"""Argon2id password hashing with a cost taken from the settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cardsvc.settings import Settings

# Verifying against this when the username is unknown keeps timing uniform.
_UNKNOWN_USER_HASH_INPUT = "unknown-user"


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_time_cost, memory_cost=settings.password_memory_cost_kib
        )
        self._dummy_hash = self._hasher.hash(_UNKNOWN_USER_HASH_INPUT)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            ok = self._hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok and password_hash is not None
