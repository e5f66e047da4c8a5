"""Pure hash-chain rules: canonical payloads, row hashes, and verification of a sequence."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

GENESIS_HASH = "0" * 64


# The definition of the chain's canonical JSON. It wrote every chain already stored.
STANDARD_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys, characters as themselves (what the chain hashes).

    ``STANDARD_CANONICAL``'s text in a tenth of its time (orjson): every read of personal
    data is audited and hashed, and ``audit verify`` hashes the whole chain again. The
    two agree on everything an audit record holds (text, integers, booleans, None,
    lists, objects with text keys; tests/cardsvc/test_rules.py); what orjson refuses
    (integers beyond 64 bits, non-text keys) takes the standard path. Records hold no
    floating-point numbers, the one place where the two could differ (NaN).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return STANDARD_CANONICAL.encode(value)


class ChainedRow(NamedTuple):
    """An audit row as the chain sees it (a tuple: one is made for every read)."""

    seq: int
    occurred_at: datetime
    clerk_id: int | None
    window_id: int | None
    action: str
    purpose: str | None
    subject_type: str
    subject_id: str
    payload: str
    previous_hash: str


def row_hash(row: ChainedRow) -> str:
    content = canonical_json(
        [
            row.seq,
            row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            row.clerk_id,
            row.window_id,
            row.action,
            row.purpose,
            row.subject_type,
            row.subject_id,
            row.payload,
            row.previous_hash,
        ]
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def personal(secret: bytes, value: str, masked: str) -> str:
    """How a personal identifier appears in an audit payload: ``masked#hmac16``."""
    digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    return f"{masked}#{digest}"


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str  # "edited", "unlinked" (previous hash differs), "gap" (rows missing before)


def verify(rows: Iterable[tuple[ChainedRow, str]]) -> Iterator[Break]:
    """Every break in a chain given as (row, stored hash) in ``seq`` order."""
    expected_seq, expected_previous = 1, GENESIS_HASH
    for row, stored_hash in rows:
        if row.seq != expected_seq:
            yield Break(row.seq, "gap")
        if row.previous_hash != expected_previous:
            yield Break(row.seq, "unlinked")
        if row_hash(row) != stored_hash:
            yield Break(row.seq, "edited")
        expected_seq, expected_previous = row.seq + 1, stored_hash
