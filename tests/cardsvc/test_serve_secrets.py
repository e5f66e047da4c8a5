"""``cardsvc`` refuses a real database while the secrets hold their demo defaults."""

from __future__ import annotations

import pytest

from cardsvc.cli import main
from cardsvc.settings import Settings


def test_demo_secrets_are_refused_outside_sqlite(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/none")
    monkeypatch.delenv("CARDSVC_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("CARDSVC_AUDIT_SECRET", "x" * 40)
    for command in (["serve", "--port", "1"], ["migrate"], ["audit", "verify"], ["seed"]):
        assert main(command) == 2
        message = capsys.readouterr().err
        assert "CARDSVC_TOKEN_SECRET" in message
        assert "CARDSVC_AUDIT_SECRET" not in message


def test_settings_name_the_secrets_still_at_demo_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARDSVC_TOKEN_SECRET")
    monkeypatch.delenv("CARDSVC_AUDIT_SECRET")
    assert Settings().unsafe_secrets() == ["CARDSVC_TOKEN_SECRET", "CARDSVC_AUDIT_SECRET"]
    chosen = Settings(token_secret="t" * 40, audit_secret="a" * 40)  # type: ignore[arg-type]
    assert chosen.unsafe_secrets() == []
    for weak in ("", "x", "y" * 31):
        assert Settings(token_secret=weak, audit_secret="a" * 40).unsafe_secrets() == [  # type: ignore[arg-type]
            "CARDSVC_TOKEN_SECRET"
        ]
