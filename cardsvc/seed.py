"""``cardsvc seed``: a demo province, its clerks, and residents with cards.

The platforms follow the guidance's hierarchy and naming rule (Jiangsu → cities →
districts → street/township centres → community/village stations). Residents and
cards come from a *population source* — a function found through the
``sscard.population_sources`` entry points that writes ``residents.csv`` and
``cards.csv`` in the import format — or from such files given directly; either way
they enter through the bulk import, so ``cardsvc`` never imports the simulators.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cardsvc.clerks.models import Clerk
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Role
from cardsvc.kit.progress import OnProgress
from cardsvc.kit.types import utcnow
from cardsvc.platforms.models import Platform, Window
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind, Level
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import add_window, build_platform

POPULATION_SOURCES = "sscard.population_sources"


class PopulationSource(Protocol):
    """Writes ``residents.csv`` and ``cards.csv`` (docs/import-formats.md) into ``directory``."""

    def __call__(
        self, count: int, directory: Path, *, seed: int, communities: Sequence[str]
    ) -> None: ...


class SeedError(RuntimeError):
    pass


def population_source(name: str) -> PopulationSource:
    found = entry_points(group=POPULATION_SOURCES, name=name)
    if not found:
        known = ", ".join(sorted(ep.name for ep in entry_points(group=POPULATION_SOURCES)))
        raise SeedError(
            f"no population source named {name!r} is installed (installed: {known or 'none'}); "
            "reinstall the project with `pip install -e .`, or pass --from-csv DIR"
        )
    source: PopulationSource = next(iter(found)).load()
    return source


# (kind, base name, children); administrative levels carry their GB/T 2260 code.
_Tree = tuple[Kind, str, str, tuple["_Tree", ...]]


def _station(kind: Kind, *names: str) -> tuple[_Tree, ...]:
    return tuple((kind, "", name, ()) for name in names)


def _centre(kind: Kind, name: str, *stations: _Tree) -> _Tree:
    return (kind, "", name, stations)


PROVINCE: _Tree = (
    Kind.province,
    "320000",
    "江苏省",
    (
        (
            Kind.city,
            "320100",
            "南京市",
            (
                (
                    Kind.county,
                    "320102",
                    "玄武区",
                    (
                        _centre(Kind.street, "玄武门", *_station(Kind.community, "虹桥", "百子亭")),
                        _centre(
                            Kind.street, "新街口", *_station(Kind.community, "估衣廊", "丹凤街")
                        ),
                    ),
                ),
                (
                    Kind.county,
                    "320104",
                    "秦淮区",
                    (
                        _centre(Kind.street, "夫子庙", *_station(Kind.community, "钞库街", "瞻园")),
                        _centre(
                            Kind.street, "中华门", *_station(Kind.community, "雨花门", "长乐路")
                        ),
                    ),
                ),
            ),
        ),
        (
            Kind.city,
            "320500",
            "苏州市",
            (
                (
                    Kind.county,
                    "320508",
                    "姑苏区",
                    (
                        _centre(Kind.street, "平江", *_station(Kind.community, "平江路", "狮林")),
                        _centre(Kind.street, "观前", *_station(Kind.community, "北局", "玄妙")),
                    ),
                ),
                (
                    Kind.county,
                    "320506",
                    "吴中区",
                    (
                        _centre(Kind.township, "东山镇", *_station(Kind.village, "陆巷", "三山")),
                        _centre(Kind.township, "光福镇", *_station(Kind.village, "香雪", "冲山")),
                    ),
                ),
            ),
        ),
    ),
)

# Who works where: the role at each level, and the username prefix.
_STAFF: dict[Level, tuple[tuple[Role, str], ...]] = {
    Level.province: ((Role.administrator, "admin"), (Role.auditor, "audit")),
    Level.city: (
        (Role.administrator, "admin"),
        (Role.issuance_operator, "op"),
        (Role.key_officer, "key"),
    ),
    Level.county: ((Role.auditor, "audit"),),
    Level.street: ((Role.street_clerk, "street"),),
    Level.community: ((Role.community_clerk, "clerk"),),
}


@dataclass(frozen=True)
class DemoClerk:
    username: str
    password: str
    role: Role
    platform_name: str
    window_code: str


@dataclass(frozen=True)
class DemoProvince:
    platforms: list[Platform]
    clerks: list[DemoClerk]

    @property
    def communities(self) -> list[str]:
        return [p.unified_code for p in self.platforms if p.level is Level.community]


def _demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def build_demo_province(
    session: Session,
    passwords: Passwords,
    *,
    password: Callable[[], str] = _demo_password,
    on_progress: OnProgress | None = None,
) -> DemoProvince:
    """Platforms, one window per staffed platform and clerks of every role (no commit).

    Nearly all the time goes to hashing the clerks' passwords (Argon2id, about a tenth of
    a second each): ``on_progress`` hears of each clerk made.
    """
    if session.scalar(select(func.count()).select_from(Platform)):
        raise SeedError("the database already has platforms: seed an empty database")
    repository = PlatformRepository(session)
    platforms: list[Platform] = []
    posts: list[tuple[Platform, Window, Role, str]] = []

    def build(tree: _Tree, parent: Platform | None) -> None:
        kind, region, base, children = tree
        data = PlatformCreate(
            parent_id=parent.id if parent else None,
            kind=kind,
            region_code=region or (parent.region_code if parent else ""),
            base_name=base,
        )
        platform = build_platform(repository, parent, data)
        platforms.append(platform)
        window = add_window(repository, platform, "综合业务窗口")
        posts.extend((platform, window, role, prefix) for role, prefix in _STAFF[platform.level])
        for child in children:
            build(child, platform)

    build(PROVINCE, None)
    clerks: list[DemoClerk] = []
    for done, (platform, window, role, prefix) in enumerate(posts, 1):
        username = (
            prefix if platform.level is Level.province else f"{prefix}.{platform.unified_code}"
        )
        secret = password()
        session.add(
            Clerk(
                username=username,
                display_name=f"{platform.name[:30]}{prefix}",
                password_hash=passwords.hash(secret),
                role=role,
                platform_id=platform.id,
                platform=platform,
                certified=True,
                certified_on=utcnow().date(),
            )
        )
        clerks.append(DemoClerk(username, secret, role, platform.name, window.code))
        if on_progress is not None:
            on_progress(done, len(posts))
    session.flush()
    return DemoProvince(platforms, clerks)
