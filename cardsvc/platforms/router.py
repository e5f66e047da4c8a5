from __future__ import annotations

from fastapi import APIRouter, Response

from cardsvc.deps import ActorDep, AuditDep, PagingDep, PathRowId, SessionDep
from cardsvc.kit.pagination import Page
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


@router.get("/platforms", response_model=Page[PlatformOut])
def list_platforms(actor: ActorDep, session: SessionDep, paging: PagingDep) -> Page[PlatformOut]:
    """The platforms within the clerk's jurisdiction, their own first, in hierarchy order."""
    platforms = service.list_platforms(session, actor, paging.request)
    return paging.page(platforms.map(PlatformOut.model_validate))


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
    response: Response,
) -> WindowOut:
    window = service.register_window(session, actor, audit, platform_id, body)
    response.headers["Location"] = f"/windows/{window.id}"
    return WindowOut.model_validate(window)


@router.get("/windows/{window_id}", response_model=WindowOut)
def read_window(window_id: PathRowId, actor: ActorDep, session: SessionDep) -> WindowOut:
    """A window of a platform the clerk may see."""
    return WindowOut.model_validate(service.get_window(session, actor, window_id))
