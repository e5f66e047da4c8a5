"""Clerk sessions: logout and revocation end tokens at once; failed logins are limited."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.models import LoginFailure
from cardsvc.clerks.permissions import Role
from cardsvc.clerks.service import (
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_USERNAME,
    change_clerk,
)
from cardsvc.cli import main
from tests.cardsvc.conftest import AUDIT_SECRET, PASSWORD, Client, World


def _login(client: Client, world: World, clerk: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/auth/login",
        json={
            "username": clerk.replace("_", "."),
            "password": password,
            "window_code": world.windows[clerk].code,
        },
    )


def _token(client: Client, world: World, clerk: str) -> dict[str, str]:
    response = _login(client, world, clerk)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_logout_ends_every_session_of_the_clerk_at_once(client: Client, world: World) -> None:
    first, second = _token(client, world, "clerk_a1"), _token(client, world, "clerk_a1")
    assert client.get("/auth/me", headers=first).status_code == 200
    assert client.post("/auth/logout", headers=second).status_code == 204
    for headers in (first, second):
        refused = client.get("/auth/me", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_token")
    assert client.get("/auth/me", headers=_token(client, world, "clerk_a1")).status_code == 200


def test_failed_logins_are_limited_per_username_audited_and_explained(
    client: Client, world: World, session: Session
) -> None:
    for _ in range(MAX_FAILURES_PER_USERNAME):
        wrong = _login(client, world, "clerk_a1", "not the password")
        assert wrong.status_code == 401
    throttled = _login(client, world, "clerk_a1")  # even the right password now waits
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "900"
    assert "分钟后再试" in throttled.json()["detail"]
    assert throttled.json()["code"] == "too_many_attempts"
    assert _login(client, world, "clerk_a2").status_code == 200
    session.expire_all()
    actions = Counter(session.scalars(select(AuditEvent.action)).all())
    assert actions["login_failed"] == MAX_FAILURES_PER_USERNAME
    assert actions["login_throttled"] == 1


def test_failed_logins_are_limited_per_address(client: Client, world: World) -> None:
    for n in range(MAX_FAILURES_PER_ADDRESS):
        client.post(
            "/auth/login",
            json={"username": f"nobody{n}", "password": "guess", "window_code": "W0001"},
        )
    assert _login(client, world, "clerk_b1").status_code == 429


def test_what_is_typed_as_an_unknown_username_is_kept_only_as_a_keyed_hash(
    client: Client, session: Session
) -> None:
    """People type passwords into the username field: never stored in clear."""
    typed = "Secret.Pass.123"
    client.post("/auth/login", json={"username": typed, "password": "x", "window_code": "W0001"})
    session.expire_all()
    [failure] = session.scalars(select(LoginFailure)).all()
    assert typed not in failure.username
    assert failure.username.startswith("?")
    assert all(typed not in event.payload for event in session.scalars(select(AuditEvent)))


def test_a_changed_clerk_loses_every_token_at_once(
    client: Client, world: World, session: Session
) -> None:
    """What ``cardsvc clerks deactivate|activate|move|set-role`` do (audited)."""
    audit = AuditTrail(session, None, AUDIT_SECRET)
    headers = _token(client, world, "clerk_a1")
    change_clerk(session, audit, "clerk.a1", role=Role.street_clerk)
    session.commit()
    assert client.get("/auth/me", headers=headers).status_code == 401
    headers = _token(client, world, "clerk_a1")
    change_clerk(session, audit, "clerk.a1", active=False)
    session.commit()
    assert client.get("/auth/me", headers=headers).status_code == 401
    inactive = _login(client, world, "clerk_a1")
    assert inactive.json()["code"] == "clerk_inactive"
    change_clerk(session, audit, "clerk.a1", active=True)
    session.commit()
    assert client.get("/auth/me", headers=headers).status_code == 401  # never revived
    headers = _token(client, world, "clerk_a1")
    moved = world.platforms["community_a2"]
    change_clerk(session, audit, "clerk.a1", platform_code=moved.unified_code)
    session.commit()
    assert client.get("/auth/me", headers=headers).status_code == 401
    session.expire_all()
    changes = session.scalars(select(AuditEvent).where(AuditEvent.action == "clerk.change"))
    assert len(changes.all()) == 4


def test_the_clerks_command_says_when_there_is_no_such_clerk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", database_url)
    assert main(["clerks", "deactivate", "nobody.here"]) == 1
    assert "no clerk has the username 'nobody.here' (clerk_not_found)" in capsys.readouterr().err
    assert main(["clerks", "set-role", "nobody.here", "emperor"]) == 2
    assert "'emperor' is not one of" in capsys.readouterr().err
