"""Request dependencies: the unit of work, the settings, the authenticated clerk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPBearer
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor
from cardsvc.clerks.service import resolve_actor
from cardsvc.clerks.tokens import TokenClaims, read_token
from cardsvc.errors import NotAuthenticatedError
from cardsvc.ids import MAX_ROW_ID
from cardsvc.kit.database import Database
from cardsvc.kit.text import TextRule
from cardsvc.kit.types import utcnow
from cardsvc.settings import Settings


# Dependencies that do no I/O are ``async``: FastAPI runs a sync dependency in a worker
# thread, and each such hop costs more than the dependency itself.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def database_admission(database: DatabaseDep) -> AsyncIterator[None]:
    """Hold the request until a pooled connection is free for it (``Database.admission``)."""
    async with database.admission():
        yield


def get_session(
    _admitted: Annotated[None, Depends(database_admission, scope="function")],
    database: DatabaseDep,
) -> Iterator[Session]:
    """The request's unit of work (``cardsvc.kit.uow``)."""
    with database.unit_of_work() as session:
        yield session


# ``scope="function"``: the unit of work commits when the endpoint returns, before the
# response is sent. FastAPI's default ends a ``yield`` dependency after the response:
# a clerk could be told 201 for a change whose commit then failed, and a client's next
# request could arrive before the commit and not find what it had just created.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class ClerkToken(HTTPBearer):
    """The claims of the request's genuine, unexpired bearer token (401 otherwise).

    FastAPI's ``HTTPBearer`` (which documents the scheme in OpenAPI) that also checks the
    token: one dependency where every route, identify included, needs both.
    """

    async def __call__(self, request: Request) -> TokenClaims:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise NotAuthenticatedError("请先登录", code="missing_token")
        settings: Settings = request.app.state.settings
        secret = settings.token_secret.get_secret_value().encode()
        return read_token(secret, credentials.credentials, utcnow())


current_claims = ClerkToken(auto_error=False, description="Token from POST /auth/login")
ClaimsDep = Annotated[TokenClaims, Depends(current_claims)]


def current_actor(session: SessionDep, claims: ClaimsDep) -> Actor:
    """The clerk of the token at its window, both still active (401 otherwise)."""
    return resolve_actor(session, claims)


ActorDep = Annotated[Actor, Depends(current_actor)]


async def get_audit_trail(
    session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> AuditTrail:
    return AuditTrail(session, actor, settings.audit_secret.get_secret_value().encode())


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]


def _digits_only(value: object) -> object:
    """Refuse what lax integer parsing would take ("1\n", " 1", "１"): digits only."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("a row id is written with the digits 0-9 only")
    return value


# A row id in a path: a larger number can name no row (and PostgreSQL would refuse to
# compare it with an INTEGER column), so it is refused as invalid input instead.
PathRowId = Annotated[
    int, BeforeValidator(_digits_only), Path(ge=1, le=MAX_ROW_ID, description="A row id")
]

# Every read of a resident's data says why (audited).
Purpose = Annotated[
    Annotated[str, TextRule(100, min_length=2, gbk=True)],
    Query(description="Why the clerk reads this record (audited), e.g. 窗口业务办理"),
]
