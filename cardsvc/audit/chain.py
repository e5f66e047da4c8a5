"""Pure hash-chain rules: canonical payloads, keyed row hashes, anchors, verification.

Each row's hash is an HMAC-SHA256 under the chain key, derived from the audit secret,
which lives outside the database (``CARDSVC_AUDIT_SECRET``): someone who can write the
database but does not hold the secret cannot edit a row and recompute the hashes after
it. Anchors (signed checkpoints of the chain's head, kept outside the database) let
``verify`` find a cut tail as well: rows deleted after the last anchor are missing from a
chain that no longer reaches the anchored row.
"""

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
# What the chain key is derived for (the audit secret also keys payload identifiers).
_CHAIN_KEY_LABEL = b"cardsvc audit chain v1"
_ANCHOR_KEY_LABEL = b"cardsvc audit anchor v1"


def chain_key(audit_secret: bytes) -> bytes:
    """The key every row hash is made with, derived from the audit secret."""
    return hmac.new(audit_secret, _CHAIN_KEY_LABEL, hashlib.sha256).digest()


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


def row_hash(row: ChainedRow, key: bytes) -> str:
    """HMAC-SHA256 under the chain key over the row's canonical content, hex."""
    return hmac.new(key, row_content(row), hashlib.sha256).hexdigest()


def row_content(row: ChainedRow) -> bytes:
    """What a row's hash covers: every column but the hash, canonically."""
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
    return content.encode("utf-8")


def personal(secret: bytes, value: str, masked: str) -> str:
    """How a personal identifier appears in an audit payload: ``masked#hmac16``."""
    digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    return f"{masked}#{digest}"


@dataclass(frozen=True)
class Break:
    seq: int
    # "edited" (the row's hash is not its content's), "unlinked" (previous hash differs),
    # "gap" (rows missing before it), "cut" (an anchored row is gone: the tail was cut),
    # "rewritten" (an anchored row's hash changed), "forged anchor" (an anchor not signed
    # with the audit secret)
    reason: str


@dataclass(frozen=True)
class Anchor:
    """A signed checkpoint of the chain's head, kept outside the database."""

    seq: int
    hash: str
    at: datetime
    signature: str

    def line(self) -> str:
        return canonical_json(
            {"seq": self.seq, "hash": self.hash, "at": _iso(self.at), "mac": self.signature}
        )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _anchor_signature(audit_secret: bytes, seq: int, head: str, at: datetime) -> str:
    key = hmac.new(audit_secret, _ANCHOR_KEY_LABEL, hashlib.sha256).digest()
    content = canonical_json([seq, head, _iso(at)]).encode()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def sign_anchor(audit_secret: bytes, seq: int, head: str, at: datetime) -> Anchor:
    return Anchor(seq, head, at, _anchor_signature(audit_secret, seq, head, at))


def read_anchor(line: str) -> Anchor:
    """An anchor written by ``Anchor.line``; ``ValueError`` if it is not one."""
    try:
        raw = json.loads(line)
        return Anchor(
            int(raw["seq"]), str(raw["hash"]), datetime.fromisoformat(raw["at"]), str(raw["mac"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an audit anchor: {exc}") from None


def verify(
    rows: Iterable[tuple[ChainedRow, str]],
    audit_secret: bytes,
    anchors: Iterable[Anchor] = (),
) -> Iterator[Break]:
    """Every break in a chain given as (row, stored hash) in ``seq`` order, and every
    anchor the chain no longer matches."""
    key = chain_key(audit_secret)
    pinned: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        if not hmac.compare_digest(
            anchor.signature, _anchor_signature(audit_secret, anchor.seq, anchor.hash, anchor.at)
        ):
            yield Break(anchor.seq, "forged anchor")
        else:
            pinned.setdefault(anchor.seq, []).append(anchor)
    expected_seq, expected_previous = 1, GENESIS_HASH
    for row, stored_hash in rows:
        if row.seq != expected_seq:
            yield Break(row.seq, "gap")
        if row.previous_hash != expected_previous:
            yield Break(row.seq, "unlinked")
        if row_hash(row, key) != stored_hash:
            yield Break(row.seq, "edited")
        for anchor in pinned.pop(row.seq, []):
            if anchor.hash != stored_hash:
                yield Break(row.seq, "rewritten")
        expected_seq, expected_previous = row.seq + 1, stored_hash
    for seq in sorted(pinned):  # anchored rows the chain no longer reaches
        yield Break(seq, "cut")
