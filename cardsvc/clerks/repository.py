from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.platforms.models import Window


class ClerkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> Clerk | None:
        return self.session.scalars(select(Clerk).where(Clerk.username == username)).one_or_none()

    def any_with_role(self, role: Role) -> bool:
        return self.session.scalar(select(Clerk.id).where(Clerk.role == role).limit(1)) is not None

    def get(self, clerk_id: int) -> Clerk | None:
        return self.session.get(Clerk, clerk_id)

    def window(self, window_id: int) -> Window | None:
        return self.session.get(Window, window_id)

    def window_by_code(self, code: str) -> Window | None:
        return self.session.scalars(select(Window).where(Window.code == code)).one_or_none()

    def add(self, clerk: Clerk) -> Clerk:
        self.session.add(clerk)
        self.session.flush()
        return clerk
