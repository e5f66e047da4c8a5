"""Signed claims: ``base64url(json claims) . base64url(HMAC-SHA256)``.

The service is the only issuer and the only verifier of its tokens, so no third-party
JWT library: each kind of token (clerks', residents') signs with its own key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def sign_claims(secret: bytes, claims: dict[str, Any]) -> str:
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_sign(secret, payload)}"


def signed_claims(secret: bytes, token: str) -> dict[str, Any] | None:
    """The claims of ``token`` if ``secret`` signed it and they are a JSON object."""
    payload, dot, signature = token.partition(".")
    if not dot or not payload.isascii() or not signature.isascii():
        return None
    if not hmac.compare_digest(_sign(secret, payload), signature):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def derived_key(secret: bytes, purpose: str) -> bytes:
    """A key for one kind of token, so that no token of one kind verifies as another."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()
