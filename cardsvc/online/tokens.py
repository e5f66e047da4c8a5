"""Residents' tokens: signed with a key of their own (no clerk's token is a resident's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cardsvc.errors import NotAuthenticatedError
from cardsvc.kit.signed import derived_key, sign_claims, signed_claims

_PURPOSE = "resident-online-token"


@dataclass(frozen=True)
class ResidentClaims:
    resident_id: int
    expires_at: int
    session_version: int


def issue_resident_token(secret: bytes, claims: ResidentClaims) -> str:
    return sign_claims(
        derived_key(secret, _PURPOSE),
        {"r": claims.resident_id, "e": claims.expires_at, "v": claims.session_version},
    )


def online_session_expired() -> NotAuthenticatedError:
    return NotAuthenticatedError("登录已失效，请重新登录", code="invalid_token")


def read_resident_token(secret: bytes, token: str, now: datetime) -> ResidentClaims:
    raw = signed_claims(derived_key(secret, _PURPOSE), token)
    try:
        claims = ResidentClaims(int(raw["r"]), int(raw["e"]), int(raw["v"])) if raw else None
    except (ValueError, KeyError, TypeError):
        claims = None
    if claims is None or claims.expires_at <= now.timestamp():
        raise online_session_expired()
    return claims
