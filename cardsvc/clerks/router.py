from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from cardsvc.clerks import service
from cardsvc.clerks.repository import ClerkRepository
from cardsvc.clerks.schemas import ClerkCreate, ClerkOut, LoginRequest, LoginResponse, Me
from cardsvc.deps import (
    ActorDep,
    AuditDep,
    DatabaseDep,
    PasswordsDep,
    PathRowId,
    SessionDep,
    SettingsDep,
    refuse_unknown_query,
)
from cardsvc.errors import DomainError
from cardsvc.kit.types import utcnow

router = APIRouter(tags=["clerks"])


@router.post(
    "/auth/login", response_model=LoginResponse, dependencies=[Depends(refuse_unknown_query)]
)
async def login(
    body: LoginRequest,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> LoginResponse:
    """A token bound to the clerk and the window. Failed attempts are limited per username
    and per address (429 with Retry-After past the limit), and audited. The password is
    checked between two short units of work, holding no database connection."""
    address = request.client.host if request.client else "unknown"
    now = utcnow()
    secret = settings.audit_secret.get_secret_value().encode()
    candidate = await database.run(service.login_candidate, secret, body.username, address, now)
    if isinstance(candidate, DomainError):
        raise candidate
    password_ok = await passwords.verify_async(candidate.password_hash, body.password)
    outcome = await database.run(
        service.finish_login, settings, candidate, password_ok, body.window_code, address, now
    )
    if isinstance(outcome, DomainError):
        raise outcome
    token, expires_at = outcome
    return LoginResponse(access_token=token, expires_at=expires_at)


@router.post("/auth/logout", status_code=204)
def logout(actor: ActorDep, audit: AuditDep, session: SessionDep) -> Response:
    """Ends every session of the clerk at once: their tokens, at every window, stop working."""
    service.end_sessions(session, audit, actor.clerk_id, "logout")
    return Response(status_code=204)


@router.get("/auth/me", response_model=Me)
def me(actor: ActorDep, session: SessionDep) -> Me:
    repository = ClerkRepository(session)
    clerk, window = repository.get(actor.clerk_id), repository.window(actor.window_id)
    assert clerk is not None  # noqa: S101 - resolve_actor loaded it
    assert window is not None  # noqa: S101 - resolve_actor loaded it
    return Me(clerk=ClerkOut.model_validate(clerk), window_id=window.id, window_code=window.code)


@router.post("/clerks", response_model=ClerkOut, status_code=201)
def register_clerk(
    body: ClerkCreate,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    passwords: PasswordsDep,
    response: Response,
) -> ClerkOut:
    clerk = service.register_clerk(session, actor, audit, passwords, body)
    response.headers["Location"] = f"/clerks/{clerk.id}"
    return ClerkOut.model_validate(clerk)


@router.get("/clerks/{clerk_id}", response_model=ClerkOut)
def read_clerk(clerk_id: PathRowId, actor: ActorDep, session: SessionDep) -> ClerkOut:
    """A clerk of a platform the administrator manages."""
    return ClerkOut.model_validate(service.read_clerk(session, actor, clerk_id))
