"""Activation codes and residents' passwords."""

from __future__ import annotations

import secrets
from datetime import timedelta

from cardsvc.errors import InvalidDataError

# No 0/O, 1/I/L: read off a slip and typed on a phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_VALID = timedelta(hours=72)
PASSWORD_MIN = 8


def new_activation_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    return typed.strip().upper().replace("-", "").replace(" ", "")


def check_password(password: str, ssn: str) -> None:
    """At least eight characters, letters and digits, not the resident's own number."""
    if len(password) < PASSWORD_MIN:
        raise InvalidDataError("密码至少8位", code="weak_password")
    if not (any(ch.isdigit() for ch in password) and any(ch.isalpha() for ch in password)):
        raise InvalidDataError("密码须同时包含字母和数字", code="weak_password")
    if ssn[-6:] in password or password in ssn:
        raise InvalidDataError("密码不能使用社会保障号码", code="weak_password")
