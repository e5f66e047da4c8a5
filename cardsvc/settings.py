"""Runtime settings, read from the environment (prefix ``CARDSVC_``) or passed in tests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_TOKEN_SECRET = "demo-token-secret-change-me"  # noqa: S105 - refused outside SQLite
DEMO_AUDIT_SECRET = "demo-audit-secret-change-me"  # noqa: S105 - refused outside SQLite
# The shortest secret a real database runs under: 32 characters (e.g. `openssl rand -hex 32`).
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    ``token_secret`` and ``audit_secret`` must be set in a real deployment; the defaults
    only serve the embedded demo.
    """

    model_config = SettingsConfigDict(env_prefix="CARDSVC_", frozen=True)

    database_url: str = "sqlite:///./var/cardsvc.db"
    token_secret: SecretStr = SecretStr(DEMO_TOKEN_SECRET)
    token_ttl: timedelta = timedelta(minutes=30)
    # Keys the audit chain's row hashes and anchors, and the HMAC that stands in for
    # personal identifiers inside audit payloads. Kept outside the database.
    audit_secret: SecretStr = SecretStr(DEMO_AUDIT_SECRET)
    # Where ``cardsvc audit anchor`` appends signed checkpoints of the chain's head and
    # ``cardsvc audit verify`` reads them: a place the database's administrators cannot
    # write (another machine's share, write-once storage).
    audit_anchors: Path | None = None
    # A temporary loss report (临时挂失) lapses back to normal unless formalised in time.
    temporary_loss_lapse: timedelta = timedelta(days=5)
    # Argon2id cost; tests lower it, production keeps the library's recommendation.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_cost_kib: int = Field(default=65536, ge=64)
    # Password checks running at once (each takes a core and 64 MiB for ~50 ms).
    password_checks_at_once: int = Field(default=2, ge=1, le=16)
    card_validity_years: int = Field(default=10, ge=1)
    # The largest request body any route reads (the largest today is a few hundred bytes).
    max_request_bytes: int = Field(default=64 * 1024, ge=1024)
    # Identify batches running at once (cardsvc.kit.batching), each with a pooled
    # connection. One by default: the batches' waits for the database do not hold up the
    # event loop (cardsvc.kit.database), and one batch at a time makes the batches larger,
    # so that each identify pays a smaller share of a transaction (bench/RESULTS.md).
    identify_batches_in_flight: int = Field(default=1, ge=1, le=4)
    # FastAPI's native OpenTelemetry (tracing, metrics, logs), for a deployment that sets up
    # OpenTelemetry providers; off by default (looking for providers costs each request).
    telemetry: bool = False

    def unsafe_secrets(self) -> list[str]:
        """The secrets' environment variables that a real database may not run under: still
        at their demo defaults, or shorter than ``MIN_SECRET_LENGTH`` (empty included)."""
        secrets = {
            "CARDSVC_TOKEN_SECRET": (self.token_secret, DEMO_TOKEN_SECRET),
            "CARDSVC_AUDIT_SECRET": (self.audit_secret, DEMO_AUDIT_SECRET),
        }
        return [
            name
            for name, (value, demo) in secrets.items()
            if value.get_secret_value() == demo or len(value.get_secret_value()) < MIN_SECRET_LENGTH
        ]
