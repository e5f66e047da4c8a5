"""Clerks (经办人员) belong to one platform and hold one role."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.clerks.permissions import Role
from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum
from cardsvc.platforms.models import Platform


class Clerk(Base):
    __tablename__ = "clerks"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 24))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    certified: Mapped[bool] = mapped_column(default=False)  # 持证上岗
    certified_on: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    # Raised by logout, deactivation, a move or a role change: older tokens stop working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    platform: Mapped[Platform] = relationship(lazy="joined")


class LoginFailure(Base):
    """A failed login, kept to limit attempts per username and per address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
