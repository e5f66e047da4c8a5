"""Short-lived login tokens: ``base64url(json claims) . base64url(HMAC-SHA256)``.

Claims bind the token to one clerk at one window: ``{"c": clerk id, "w": window id,
"e": expiry (unix seconds), "v": the clerk's session version}``; a token whose version is
not the clerk's current one (after a logout, deactivation, move or role change) is
refused. Signed with ``cardsvc.kit.signed``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from cardsvc.errors import NotAuthenticatedError
from cardsvc.kit.signed import sign_claims, signed_claims


@dataclass(frozen=True)
class TokenClaims:
    clerk_id: int
    window_id: int
    expires_at: int
    session_version: int = 1


def issue_token(secret: bytes, claims: TokenClaims) -> str:
    return sign_claims(
        secret,
        {
            "c": claims.clerk_id,
            "w": claims.window_id,
            "e": claims.expires_at,
            "v": claims.session_version,
        },
    )


def session_expired() -> NotAuthenticatedError:
    """The refusal of a token that is forged, expired, or whose clerk or window is inactive."""
    return NotAuthenticatedError("登录已失效，请重新登录", code="invalid_token")


def read_token(secret: bytes, token: str, now: datetime) -> TokenClaims:
    """The claims of a genuine, unexpired token, else ``NotAuthenticatedError``."""
    claims = _genuine(secret, token)
    if claims is None or claims.expires_at <= now.timestamp():
        raise session_expired()
    return claims


# A window sends the same token with every request of its clerk's shift: the signature
# of a token is checked once, then remembered (expiry is still checked on every use).
@functools.lru_cache(maxsize=4096)
def _genuine(secret: bytes, token: str) -> TokenClaims | None:
    """The claims of ``token`` if ``secret`` signed it, else None."""
    raw = signed_claims(secret, token)
    if raw is None:
        return None
    try:
        return TokenClaims(int(raw["c"]), int(raw["w"]), int(raw["e"]), int(raw.get("v", 0)))
    except (ValueError, KeyError, TypeError):
        return None
