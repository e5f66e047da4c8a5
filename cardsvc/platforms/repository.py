from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.platforms.models import Platform, Window
from cardsvc.platforms.rules import Level


class PlatformRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, platform_id: int) -> Platform | None:
        return self.session.get(Platform, platform_id)

    def children_count(self, parent_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count()).select_from(Platform).where(Platform.parent_id == parent_id)
            )
            or 0
        )

    def root(self, region_code: str) -> Platform | None:
        return self.session.scalars(
            select(Platform).where(
                Platform.parent_id.is_(None), Platform.region_code == region_code
            )
        ).one_or_none()

    def first_window(self, platform_id: int) -> Window | None:
        return self.session.scalars(
            select(Window).where(Window.platform_id == platform_id).order_by(Window.id).limit(1)
        ).one_or_none()

    def by_unified_code(self, code: str) -> Platform | None:
        return self.session.scalars(
            select(Platform).where(Platform.unified_code == code)
        ).one_or_none()

    def within(self, path: str, page: PageRequest) -> Slice[Platform]:
        """A page of the platforms under ``path`` (``path``'s own included), in hierarchy
        order (paths are unique)."""
        query = (
            select(Platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .order_by(Platform.path)
        )
        return paginate(self.session, query, page)

    def all_within(self, path: str) -> Sequence[Platform]:
        return self.session.scalars(
            select(Platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .order_by(Platform.path)
        ).all()

    def window(self, window_id: int) -> Window | None:
        return self.session.get(Window, window_id)

    def windows(self, window_ids: set[int]) -> Sequence[Window]:
        if not window_ids:
            return []
        return self.session.scalars(select(Window).where(Window.id.in_(window_ids))).all()

    def at_level(self, level: Level) -> Sequence[Platform]:
        return self.session.scalars(
            select(Platform).where(Platform.level == level).order_by(Platform.id)
        ).all()

    def add(self, platform: Platform) -> Platform:
        self.session.add(platform)
        self.session.flush()
        return platform

    def windows_count(self, platform_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count()).select_from(Window).where(Window.platform_id == platform_id)
            )
            or 0
        )

    def add_window(self, window: Window) -> Window:
        self.session.add(window)
        self.session.flush()
        return window
