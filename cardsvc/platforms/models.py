"""Platforms and the windows (terminals) registered to them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum
from cardsvc.platforms.rules import Kind, Level


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    level: Mapped[Level] = mapped_column(str_enum(Level, 16))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, 16))
    region_code: Mapped[str] = mapped_column(String(6))
    base_name: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100))
    unified_code: Mapped[str] = mapped_column(String(12), unique=True)
    # Unified codes from the root, "/32/3201/320102/320102001/": a subtree is a prefix.
    path: Mapped[str] = mapped_column(String(120))

    parent: Mapped[Platform | None] = relationship(remote_side=[id], lazy="raise")

    __table_args__ = (
        # text_pattern_ops lets PostgreSQL answer ``path LIKE 'prefix%'`` from the index
        # whatever the database's collation.
        Index("ix_platforms_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )


class Window(Base):
    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)

    platform: Mapped[Platform] = relationship(lazy="joined")
