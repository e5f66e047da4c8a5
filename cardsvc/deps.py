"""Request dependencies: the unit of work, the settings, the authenticated actor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor
from cardsvc.clerks.service import resolve_actor
from cardsvc.db import utcnow
from cardsvc.errors import NotAuthenticatedError
from cardsvc.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def get_session_factory(request: Request) -> Callable[[], Session]:
    factory: Callable[[], Session] = request.app.state.session_factory
    return factory


def get_session(
    factory: Annotated[Callable[[], Session], Depends(get_session_factory)],
) -> Iterator[Session]:
    """The request's unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="Token from POST /auth/login")


def current_actor(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise NotAuthenticatedError("请先登录", code="missing_token")
    return resolve_actor(session, settings, credentials.credentials, utcnow())


ActorDep = Annotated[Actor, Depends(current_actor)]


def get_audit_trail(session: SessionDep, actor: ActorDep, settings: SettingsDep) -> AuditTrail:
    return AuditTrail(session, actor, settings.audit_secret.get_secret_value().encode())


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]
