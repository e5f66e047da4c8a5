"""Creating platforms under the naming and coding rules; registering windows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.errors import ConflictError, InvalidDataError, NotFoundError
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.platforms.models import Platform, Window
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import (
    LEVEL_OF_KIND,
    PARENT_LEVEL,
    Level,
    check_region_code,
    platform_name,
    unified_code,
)
from cardsvc.platforms.schemas import PlatformCreate, WindowCreate


def build_platform(
    repository: PlatformRepository, parent: Platform | None, data: PlatformCreate
) -> Platform:
    """A new platform under ``parent`` following the rules (no permission check)."""
    level = LEVEL_OF_KIND[data.kind]
    expected_parent = PARENT_LEVEL[level]
    if (parent.level if parent else None) != expected_parent:
        raise InvalidDataError("上级平台层级不符", code="invalid_parent_platform")
    check_region_code(level, data.region_code, parent.region_code if parent else None)
    sequence = repository.children_count(parent.id) + 1 if parent else 0
    code = unified_code(level, data.region_code, parent.unified_code if parent else None, sequence)
    if repository.by_unified_code(code) is not None:
        raise ConflictError("该平台编码已存在", code="platform_exists")
    return repository.add(
        Platform(
            parent_id=parent.id if parent else None,
            level=level,
            kind=data.kind,
            region_code=data.region_code,
            base_name=data.base_name.strip(),
            name=platform_name(data.kind, data.base_name),
            unified_code=code,
            path=f"{parent.path if parent else '/'}{code}/",
        )
    )


def create_platform(
    session: Session, actor: Actor, audit: AuditTrail, data: PlatformCreate
) -> Platform:
    repository = PlatformRepository(session)
    parent = None
    if data.parent_id is not None:
        parent = repository.get(data.parent_id)
        if parent is None:
            raise NotFoundError("上级平台不存在", code="platform_not_found")
    # Only the root (provincial administrator) may create a province.
    authorize(actor, Permission.manage_platforms, parent.path if parent else "/")
    platform = build_platform(repository, parent, data)
    audit.change("platform.create", "platform", platform.id, None, {"code": platform.unified_code})
    return platform


def get_platform(session: Session, actor: Actor, platform_id: int) -> Platform:
    """A platform within the clerk's jurisdiction, or above it (their own hierarchy);
    any other answers as one that does not exist, as ``list_platforms`` leaves it out."""
    authorize(actor, Permission.view_platforms)
    platform = PlatformRepository(session).get(platform_id)
    if platform is None or not (
        actor.covers(platform.path) or actor.platform_path.startswith(platform.path)
    ):
        raise NotFoundError("平台不存在", code="platform_not_found")
    return platform


def get_window(session: Session, actor: Actor, window_id: int) -> Window:
    """A window of a platform the clerk may see (``get_platform``'s rule), else 404."""
    authorize(actor, Permission.view_platforms)
    window = PlatformRepository(session).window(window_id)
    path = window.platform.path if window else None
    if path is None or not (actor.covers(path) or actor.platform_path.startswith(path)):
        raise NotFoundError("窗口不存在", code="window_not_found")
    assert window is not None  # noqa: S101 - checked above
    return window


def list_platforms(session: Session, actor: Actor, page: PageRequest) -> Slice[Platform]:
    """A page of the platforms within the clerk's jurisdiction, in hierarchy order."""
    authorize(actor, Permission.view_platforms)
    return PlatformRepository(session).within(actor.platform_path, page)


def register_window(
    session: Session, actor: Actor, audit: AuditTrail, platform_id: int, data: WindowCreate
) -> Window:
    repository = PlatformRepository(session)
    platform = repository.get(platform_id)
    if platform is None:
        raise NotFoundError("平台不存在", code="platform_not_found")
    authorize(actor, Permission.manage_platforms, platform.path)
    window = add_window(repository, platform, data.name)
    audit.change("window.register", "window", window.id, None, {"code": window.code})
    return window


def add_window(repository: PlatformRepository, platform: Platform, name: str) -> Window:
    number = repository.windows_count(platform.id) + 1
    return repository.add_window(
        Window(
            platform_id=platform.id,
            platform=platform,
            code=f"{platform.unified_code}W{number:02d}",
            name=name,
        )
    )


def platforms_within(session: Session, path: str) -> Sequence[Platform]:
    """Every platform within ``path`` (reports; a province has some tens of thousands)."""
    return PlatformRepository(session).all_within(path)


def window_places(session: Session, window_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Each window's name and its platform's name."""
    return {
        window.id: (window.name, window.platform.name)
        for window in PlatformRepository(session).windows(window_ids)
    }


class CommunityFacts(NamedTuple):
    """What generated records (seeding) need to know of a community station."""

    id: int
    street_id: int
    street_name: str
    region_code: str
    window_id: int | None


def community_facts(session: Session) -> list[CommunityFacts]:
    """Every community station with its street centre and first window (no clerk: seeding)."""
    repository = PlatformRepository(session)
    streets = {street.id: street for street in repository.at_level(Level.street)}
    facts = []
    for community in repository.at_level(Level.community):
        assert community.parent_id is not None  # noqa: S101 - a community has a street
        window = repository.first_window(community.id)
        facts.append(
            CommunityFacts(
                community.id,
                community.parent_id,
                streets[community.parent_id].base_name,
                community.region_code,
                window.id if window else None,
            )
        )
    return facts
