"""Runtime settings, read from the environment (prefix ``CARDSVC_``) or passed in tests."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    ``token_secret`` and ``audit_secret`` must be set in a real deployment; the defaults
    only serve the embedded demo.
    """

    model_config = SettingsConfigDict(env_prefix="CARDSVC_", frozen=True)

    database_url: str = "sqlite:///./var/cardsvc.db"
    token_secret: SecretStr = SecretStr("demo-token-secret-change-me")
    token_ttl: timedelta = timedelta(minutes=30)
    # Keys the HMAC that stands in for personal identifiers inside audit payloads.
    audit_secret: SecretStr = SecretStr("demo-audit-secret-change-me")
    # A temporary loss report (临时挂失) lapses back to normal unless formalised in time.
    temporary_loss_lapse: timedelta = timedelta(days=5)
    # Argon2id cost; tests lower it, production keeps the library's recommendation.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_cost_kib: int = Field(default=65536, ge=64)
    card_validity_years: int = Field(default=10, ge=1)
