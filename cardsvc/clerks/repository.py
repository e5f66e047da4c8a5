from __future__ import annotations

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.platforms.models import Platform, Window

# Every authenticated request runs this: one Core statement, built once (its compiled
# form is cached), instead of two ORM loads of the clerk and the window with platforms.
_ACTOR = (
    select(
        Clerk.id.label("clerk_id"),
        Clerk.role,
        Clerk.platform_id,
        Platform.path.label("platform_path"),
        Window.id.label("window_id"),
    )
    .join(Platform, Platform.id == Clerk.platform_id)
    .join(Window, Window.id == bindparam("window_id"))
    .where(Clerk.id == bindparam("clerk_id"), Clerk.active, Window.active)
)


class ClerkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> Clerk | None:
        return self.session.scalars(select(Clerk).where(Clerk.username == username)).one_or_none()

    def any_with_role(self, role: Role) -> bool:
        return self.session.scalar(select(Clerk.id).where(Clerk.role == role).limit(1)) is not None

    def get(self, clerk_id: int) -> Clerk | None:
        return self.session.get(Clerk, clerk_id)

    def active_actor(self, clerk_id: int, window_id: int) -> Row[int, Role, int, str, int] | None:
        """The clerk's id, role, platform and path, and the window's id, when both are active."""
        return (
            self.session.connection()
            .execute(_ACTOR, {"clerk_id": clerk_id, "window_id": window_id})
            .one_or_none()
        )

    def window(self, window_id: int) -> Window | None:
        return self.session.get(Window, window_id)

    def window_by_code(self, code: str) -> Window | None:
        return self.session.scalars(select(Window).where(Window.code == code)).one_or_none()

    def add(self, clerk: Clerk) -> Clerk:
        self.session.add(clerk)
        self.session.flush()
        return clerk
