"""Request dependencies: the unit of work, the settings, the authenticated actor."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail, record_refusal
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor
from cardsvc.clerks.service import resolve_actor
from cardsvc.db import utcnow
from cardsvc.errors import DomainError, NotAuthenticatedError
from cardsvc.problems import status_and_code
from cardsvc.settings import Settings

log = logging.getLogger(__name__)


# Dependencies that do no I/O are ``async``: FastAPI runs a sync dependency in a worker
# thread, and each such hop costs more than the dependency itself.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def get_session_factory(request: Request) -> Callable[[], Session]:
    factory: Callable[[], Session] = request.app.state.session_factory
    return factory


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def database_slot(request: Request) -> AsyncIterator[None]:
    """Admit the request to the database only while a pooled connection is free for it.

    A request's session holds its connection across several worker-thread hops (the
    dependencies, the endpoint, the response, the teardown), and waits for a free worker
    thread between them. Without this admission, many concurrent requests take every
    worker thread waiting for a connection while the connections' holders wait for a
    thread: the service stalls until the pool times out. Waiting here costs no thread.
    """
    slots: anyio.Semaphore = request.app.state.database_slots
    async with slots:
        yield


def get_session(
    _slot: Annotated[None, Depends(database_slot, scope="function")],
    factory: Annotated[Callable[[], Session], Depends(get_session_factory)],
    settings: SettingsDep,
) -> Iterator[Session]:
    """The request's unit of work (see ``unit_of_work``)."""
    with unit_of_work(factory, settings) as session:
        yield session


@contextmanager
def unit_of_work(factory: Callable[[], Session], settings: Settings) -> Iterator[Session]:
    """Commit on success, roll back on any error.

    A refused access to personal data is then audited in a transaction of its own, so
    the refusal stays on record although everything else the request did is undone.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        session.close()
        if isinstance(exc, DomainError) and exc.refusal is not None:
            _audit_refusal(factory, settings, exc)
        raise
    finally:
        session.close()


def _audit_refusal(factory: Callable[[], Session], settings: Settings, error: DomainError) -> None:
    assert error.refusal is not None  # noqa: S101 - checked by the caller
    _status, code = status_and_code(error)
    secret = settings.audit_secret.get_secret_value().encode()
    try:
        with factory() as session:
            record_refusal(session, secret, error.refusal, code)
            session.commit()
    except Exception:  # the refusal stands even if its record cannot be written
        log.exception("could not audit a refused access (%s)", code)


# ``scope="function"``: the unit of work commits when the endpoint returns, before the
# response is sent. FastAPI's default ends a ``yield`` dependency after the response:
# a clerk could be told 201 for a change whose commit then failed, and a client's next
# request could arrive before the commit and not find what it had just created.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="Token from POST /auth/login")


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header, read as ``HTTPBearer`` reads it."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if not (scheme and token) or scheme.lower() != "bearer":
        raise NotAuthenticatedError("请先登录", code="missing_token")
    return token


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], body: bytes) -> M:
    """``body`` as ``model``, or the ``RequestValidationError`` FastAPI would raise."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from None


def current_actor(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise NotAuthenticatedError("请先登录", code="missing_token")
    return resolve_actor(session, settings, credentials.credentials, utcnow())


ActorDep = Annotated[Actor, Depends(current_actor)]


async def get_audit_trail(
    session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> AuditTrail:
    return AuditTrail(session, actor, settings.audit_secret.get_secret_value().encode())


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]


# Every read of a resident's data says why (audited).
Purpose = Annotated[
    str,
    Query(
        min_length=2,
        max_length=100,
        description="Why the clerk reads this record (audited), e.g. 窗口业务办理",
    ),
]
