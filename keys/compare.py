"""Constant-time comparison of secrets (cryptograms, MACs, check values)."""

from __future__ import annotations

import hmac


def constant_time_equal(expected: bytes, presented: bytes) -> bool:
    """True if both byte strings are equal; the time taken does not depend on where they differ."""
    return hmac.compare_digest(expected, presented)
