from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from cardsvc.clerks import service
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.repository import ClerkRepository
from cardsvc.clerks.schemas import ClerkCreate, ClerkOut, LoginRequest, LoginResponse, Me
from cardsvc.deps import ActorDep, SessionDep, SettingsDep, get_passwords
from cardsvc.kit.types import utcnow

router = APIRouter(tags=["clerks"])
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]


@router.post("/auth/login", response_model=LoginResponse)
def login(
    body: LoginRequest, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep
) -> LoginResponse:
    token, expires_at = service.login(
        session,
        settings,
        passwords,
        username=body.username,
        password=body.password,
        window_code=body.window_code,
        now=utcnow(),
    )
    return LoginResponse(access_token=token, expires_at=expires_at)


@router.get("/auth/me", response_model=Me)
def me(actor: ActorDep, session: SessionDep) -> Me:
    repository = ClerkRepository(session)
    clerk, window = repository.get(actor.clerk_id), repository.window(actor.window_id)
    assert clerk is not None  # noqa: S101 - resolve_actor loaded it
    assert window is not None  # noqa: S101 - resolve_actor loaded it
    return Me(clerk=ClerkOut.model_validate(clerk), window_id=window.id, window_code=window.code)


@router.post("/clerks", response_model=ClerkOut, status_code=201)
def register_clerk(
    body: ClerkCreate, actor: ActorDep, session: SessionDep, passwords: PasswordsDep
) -> ClerkOut:
    return ClerkOut.model_validate(service.register_clerk(session, actor, passwords, body))
