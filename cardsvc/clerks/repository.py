from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import CompoundSelect, func, null, select, union_all
from sqlalchemy.orm import Session

from cardsvc.clerks.models import Clerk, LoginFailure
from cardsvc.clerks.permissions import Role
from cardsvc.kit.dialect import among
from cardsvc.platforms.models import Platform, Window


# Every authenticated request runs this (identify for a whole batch of windows): one
# Core statement, built once per dialect. The active clerks among ``clerk_ids`` with their
# platform, then the active windows among ``window_ids`` (rows whose role is NULL); the
# caller pairs them up.
@cache
def _active_clerks_and_windows(dialect: str) -> CompoundSelect[*tuple[Any, ...]]:
    return union_all(
        select(
            Clerk.id.label("id"),
            Clerk.role.label("role"),
            Clerk.platform_id.label("platform_id"),
            Platform.path.label("platform_path"),
            Clerk.session_version.label("session_version"),
        )
        .join(Platform, Platform.id == Clerk.platform_id)
        .where(among(Clerk.id, "clerk_ids", dialect), Clerk.active),
        select(Window.id, null(), null(), null(), null()).where(
            among(Window.id, "window_ids", dialect), Window.active
        ),
    )


@dataclass(frozen=True)
class ActiveClerk:
    role: Role
    platform_id: int
    platform_path: str
    session_version: int


class ClerkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> Clerk | None:
        return self.session.scalars(select(Clerk).where(Clerk.username == username)).one_or_none()

    def every(self) -> Sequence[Clerk]:
        """Every clerk, platform by platform down the tree, then by username."""
        query = select(Clerk).join(Platform, Platform.id == Clerk.platform_id)
        return self.session.scalars(query.order_by(Platform.path, Clerk.username)).all()

    def any_with_role(self, role: Role) -> bool:
        return self.session.scalar(select(Clerk.id).where(Clerk.role == role).limit(1)) is not None

    def get(self, clerk_id: int) -> Clerk | None:
        return self.session.get(Clerk, clerk_id)

    def active_within(self, path: str) -> Sequence[Clerk]:
        return self.session.scalars(
            select(Clerk)
            .join(Clerk.platform)
            .where(Platform.path.startswith(path, autoescape=True), Clerk.active)
            .order_by(Clerk.id)
        ).all()

    def names(self, clerk_ids: Collection[int]) -> dict[int, str]:
        if not clerk_ids:
            return {}
        rows = self.session.execute(
            select(Clerk.id, Clerk.display_name).where(Clerk.id.in_(list(clerk_ids)))
        )
        return {row.id: row.display_name for row in rows}

    def active(
        self, clerk_ids: Collection[int], window_ids: Collection[int]
    ) -> tuple[dict[int, ActiveClerk], set[int]]:
        """The active clerks among ``clerk_ids`` and the active windows among ``window_ids``."""
        clerks: dict[int, ActiveClerk] = {}
        windows: set[int] = set()
        connection = self.session.connection()
        rows = connection.execute(
            _active_clerks_and_windows(connection.dialect.name),
            {"clerk_ids": list(clerk_ids), "window_ids": list(window_ids)},
        )
        for row in rows:
            if row.role is None:
                windows.add(row.id)
            else:
                clerks[row.id] = ActiveClerk(
                    Role(row.role), row.platform_id, row.platform_path, row.session_version
                )
        return clerks, windows

    def window(self, window_id: int) -> Window | None:
        return self.session.get(Window, window_id)

    def window_by_code(self, code: str) -> Window | None:
        return self.session.scalars(select(Window).where(Window.code == code)).one_or_none()

    def failures_since(self, username: str, address: str, since: datetime) -> tuple[int, int]:
        """Failed logins since ``since``: under ``username``, and from ``address``."""
        recent = LoginFailure.occurred_at >= since
        by_name = select(func.count()).where(recent, LoginFailure.username == username)
        by_address = select(func.count()).where(recent, LoginFailure.address == address)
        return (self.session.scalar(by_name) or 0, self.session.scalar(by_address) or 0)

    def add_failure(self, failure: LoginFailure) -> None:
        self.session.add(failure)
        self.session.flush()

    def add(self, clerk: Clerk) -> Clerk:
        self.session.add(clerk)
        self.session.flush()
        return clerk
