"""The environment variables ``cardsvc`` reads (``Settings``), described for ``--help``.

Every setting has a line here (a test fails when one is missing); defaults are read from
``Settings`` itself, so the help cannot drift from the code.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from cardsvc.settings import Settings

PREFIX = "CARDSVC_"

DESCRIPTIONS = {
    "database_url": "the database: sqlite:///PATH (a file, the embedded default) or "
    "postgresql+psycopg://USER@HOST:PORT/DATABASE",
    "token_secret": "signs clerks' session tokens: 32 or more random characters "
    "(openssl rand -hex 32); the demo value is refused outside SQLite",
    "token_ttl": "how long a session token lasts (seconds, or ISO 8601 such as PT30M)",
    "audit_secret": "keys the audit chain and its anchors, kept outside the database; the "
    "same rules as the token secret",
    "audit_anchors": "the file 'audit anchor' appends checkpoints to and 'audit verify' "
    "checks, where the database's administrators cannot write",
    "temporary_loss_lapse": "how long a temporary loss report lasts before it lapses (P5D: "
    "five days)",
    "password_time_cost": "Argon2id passes per password hash",
    "password_memory_cost_kib": "Argon2id memory per password hash, in KiB",
    "password_checks_at_once": "password checks running at once, each taking a core and "
    "the memory above",
    "card_validity_years": "how many years a new card is valid",
    "max_request_bytes": "the largest request body the API reads",
    "identify_batches_in_flight": "identify batches running at once (1 to 4)",
    "telemetry": "true: FastAPI's OpenTelemetry tracing, metrics and logs, for a deployment "
    "that configures its providers",
}


def _shown(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "a demo value"
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("D", 86_400), ("H", 3_600), ("M", 60)):
            if seconds % size == 0:
                return f"P{seconds // size}D" if unit == "D" else f"PT{seconds // size}{unit}"
        return f"PT{seconds}S"
    if isinstance(value, bool):
        return str(value).lower()
    return "none" if value is None else str(value)


def variables() -> list[tuple[str, str]]:
    """(name, what it sets and its default) for every setting."""
    return [
        (
            f"{PREFIX}{name.upper()}",
            f"{DESCRIPTIONS.get(name, name)} [default: {_shown(field.default)}]",
        )
        for name, field in Settings.model_fields.items()
    ]
