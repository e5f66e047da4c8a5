"""A resident's online account, opened at a window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cardsvc.kit.base import Base


class OnlineAccount(Base):
    __tablename__ = "online_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The one-time code a window hands the resident (kept hashed), and until when it works.
    activation_hash: Mapped[str | None] = mapped_column(String(200))
    activation_expires_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    # Raised by logout and by a new activation code: older tokens stop working.
    session_version: Mapped[int] = mapped_column(default=1)
