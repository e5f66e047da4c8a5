from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cardsvc.deps import ActorDep, AuditDep, PathRowId, SessionDep
from cardsvc.ids import MAX_ROW_ID
from cardsvc.platforms import service
from cardsvc.platforms.schemas import PlatformCreate, PlatformOut, WindowCreate, WindowOut

router = APIRouter(tags=["platforms"])


@router.post("/platforms", response_model=PlatformOut, status_code=201)
def create_platform(
    body: PlatformCreate,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    response: Response,
) -> PlatformOut:
    platform = service.create_platform(session, actor, audit, body)
    response.headers["Location"] = f"/platforms/{platform.id}"
    return PlatformOut.model_validate(platform)


@router.get("/platforms", response_model=list[PlatformOut])
def list_platforms(
    actor: ActorDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> list[PlatformOut]:
    platforms = service.list_platforms(session, actor, limit=limit, offset=offset)
    return [PlatformOut.model_validate(p) for p in platforms]


@router.get("/platforms/{platform_id}", response_model=PlatformOut)
def get_platform(platform_id: PathRowId, actor: ActorDep, session: SessionDep) -> PlatformOut:
    return PlatformOut.model_validate(service.get_platform(session, actor, platform_id))


@router.post("/platforms/{platform_id}/windows", response_model=WindowOut, status_code=201)
def register_window(
    platform_id: PathRowId,
    body: WindowCreate,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> WindowOut:
    return WindowOut.model_validate(
        service.register_window(session, actor, audit, platform_id, body)
    )
