from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.online.models import OnlineAccount


class OnlineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_resident(self, resident_id: int) -> OnlineAccount | None:
        return self.session.scalars(
            select(OnlineAccount).where(OnlineAccount.resident_id == resident_id)
        ).one_or_none()

    def add(self, account: OnlineAccount) -> None:
        self.session.add(account)
        self.session.flush()
