"""Residents online (网上查询): their own records and who accessed them.

Login and activation are open (a resident has no token yet); every other route needs a
resident's token, which no clerk route accepts, nor any resident route a clerk's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPBearer

from cardsvc.deps import (
    ActorDep,
    AuditDep,
    DatabaseDep,
    PagingDep,
    PasswordsDep,
    PathRowId,
    SessionDep,
    SettingsDep,
    check_query,
    refuse_unknown_query,
)
from cardsvc.errors import DomainError
from cardsvc.kit.pagination import Page
from cardsvc.kit.types import utcnow
from cardsvc.online import service
from cardsvc.online.rules import check_password, normalise_code
from cardsvc.online.schemas import (
    AccessEntry,
    Activation,
    ActivationGranted,
    OnlineLogin,
    OnlineToken,
)
from cardsvc.online.tokens import ResidentClaims, online_session_expired, read_resident_token
from cardsvc.residents.models import Resident
from cardsvc.settings import Settings
from cardsvc.summary.schemas import ResidentSummary

router = APIRouter(tags=["residents online"])


class ResidentToken(HTTPBearer):
    """The claims of a resident's genuine, unexpired token (401 otherwise)."""

    async def __call__(self, request: Request) -> ResidentClaims:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise online_session_expired()
        settings: Settings = request.app.state.settings
        secret = settings.token_secret.get_secret_value().encode()
        claims = read_resident_token(secret, credentials.credentials, utcnow())
        check_query(request)
        return claims


resident_claims = ResidentToken(
    auto_error=False, scheme_name="ResidentToken", description="Token from POST /online/login"
)


def current_resident(
    session: SessionDep, claims: Annotated[ResidentClaims, Depends(resident_claims)]
) -> Resident:
    return service.signed_in(session, claims)


ResidentDep = Annotated[Resident, Depends(current_resident)]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/residents/{resident_id}/online-access", response_model=ActivationGranted, status_code=201
)
def grant_online_access(
    resident_id: PathRowId,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    passwords: PasswordsDep,
) -> ActivationGranted:
    """Open (or reopen) a resident's online query: a one-time code to hand them, valid 72
    hours; earlier codes and sessions stop working."""
    return service.grant_access(session, actor, audit, passwords, resident_id, utcnow())


@router.post("/online/activate", status_code=204, dependencies=[Depends(refuse_unknown_query)])
async def activate(
    body: Activation,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> Response:
    """Set the online password with the one-time code from the window. Failed attempts are
    limited per number and per address (429 past the limit); the code and the password are
    checked between two short units of work, holding no database connection."""
    check_password(body.password, body.social_security_number.upper())
    now, address = utcnow(), _address(request)
    number = body.social_security_number
    started = await database.run(service.attempt, settings, number, True, address, now)
    if isinstance(started, DomainError):
        raise started
    ok = await passwords.verify_async(started.stored_hash, normalise_code(body.activation_code))
    new_hash = await passwords.hash_async(body.password) if ok else ""
    refusal = await database.run(
        service.finish_activation, settings, started, ok, new_hash, address, now
    )
    if refusal is not None:
        raise refusal
    return Response(status_code=204)


@router.post(
    "/online/login", response_model=OnlineToken, dependencies=[Depends(refuse_unknown_query)]
)
async def login(
    body: OnlineLogin,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> OnlineToken:
    """A resident's token (limited per number and per address as activation is)."""
    now, address = utcnow(), _address(request)
    number = body.social_security_number
    started = await database.run(service.attempt, settings, number, False, address, now)
    if isinstance(started, DomainError):
        raise started
    ok = await passwords.verify_async(started.stored_hash, body.password)
    outcome = await database.run(service.finish_login, settings, started, ok, address, now)
    if isinstance(outcome, DomainError):
        raise outcome
    return OnlineToken(token=outcome[0], expires_at=outcome[1])


@router.post("/online/logout", status_code=204)
def logout(resident: ResidentDep, session: SessionDep) -> Response:
    service.logout(session, resident)
    return Response(status_code=204)


@router.get("/online/me", response_model=ResidentSummary)
def my_records(
    resident: ResidentDep, session: SessionDep, settings: SettingsDep
) -> ResidentSummary:
    """The resident's own records."""
    return service.my_records(session, settings, resident, utcnow())


@router.get("/online/me/accesses", response_model=Page[AccessEntry])
def my_accesses(resident: ResidentDep, session: SessionDep, paging: PagingDep) -> Page[AccessEntry]:
    """Who read or changed the resident's records: when, which clerk, window and platform,
    and why."""
    return paging.page(service.my_accesses(session, resident, paging.request))
