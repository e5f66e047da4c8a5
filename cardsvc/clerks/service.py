"""Login, token resolution and clerk registration."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.models import Clerk
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor, Permission, Role, authorize
from cardsvc.clerks.repository import ClerkRepository
from cardsvc.clerks.schemas import ClerkAccount, ClerkCreate
from cardsvc.clerks.tokens import TokenClaims, issue_token, session_expired
from cardsvc.errors import (
    ConflictError,
    ForbiddenError,
    InvalidDataError,
    NotAuthenticatedError,
    NotFoundError,
)
from cardsvc.platforms.models import Window
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import add_window, build_platform
from cardsvc.settings import Settings


def login(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    window_code: str,
    now: datetime,
) -> tuple[str, datetime]:
    """A token for ``username`` at ``window_code`` and its expiry."""
    repository = ClerkRepository(session)
    clerk = repository.by_username(username)
    if not passwords.verify(clerk.password_hash if clerk else None, password) or clerk is None:
        raise NotAuthenticatedError("用户名或密码错误", code="bad_credentials")
    if not clerk.active:
        raise NotAuthenticatedError("该账号已停用", code="clerk_inactive")
    window = repository.window_by_code(window_code)
    if window is None or not window.active:
        raise NotAuthenticatedError("窗口编号无效或已停用", code="unknown_window")
    if not window.platform.path.startswith(clerk.platform.path):
        raise ForbiddenError("该窗口不属于您所在的平台", code="window_outside_jurisdiction")
    expires_at = now + settings.token_ttl
    token = issue_token(
        settings.token_secret.get_secret_value().encode(),
        TokenClaims(clerk.id, window.id, int(expires_at.timestamp())),
    )
    return token, expires_at


def resolve_actor(session: Session, claims: TokenClaims) -> Actor:
    """The actor of a genuine token's ``claims`` whose clerk and window are both still active.

    Looked up on every request (no cache): a deactivated clerk or window is refused at once.
    """
    actor = resolve_actors(session, [claims]).get(claims)
    if actor is None:
        raise session_expired()
    return actor


def resolve_actors(session: Session, claims: Collection[TokenClaims]) -> dict[TokenClaims, Actor]:
    """The actor of each of ``claims`` (already read from genuine tokens) still active."""
    clerks, windows = ClerkRepository(session).active(
        {c.clerk_id for c in claims}, {c.window_id for c in claims}
    )
    actors = {}
    for claim in claims:
        clerk = clerks.get(claim.clerk_id)
        if clerk is not None and claim.window_id in windows:
            actors[claim] = Actor(
                clerk_id=claim.clerk_id,
                role=clerk.role,
                platform_id=clerk.platform_id,
                platform_path=clerk.platform_path,
                window_id=claim.window_id,
            )
    return actors


def register_clerk(
    session: Session, actor: Actor, passwords: Passwords, data: ClerkCreate
) -> Clerk:
    platform = PlatformRepository(session).get(data.platform_id)
    if platform is None:
        raise NotFoundError("所属平台不存在", code="platform_not_found")
    authorize(actor, Permission.manage_clerks, platform.path)
    repository = ClerkRepository(session)
    if repository.by_username(data.username) is not None:
        raise ConflictError("该用户名已被使用", code="username_taken")
    return repository.add(
        Clerk(
            username=data.username,
            display_name=data.display_name,
            password_hash=passwords.hash(data.password),
            role=data.role,
            platform_id=platform.id,
            platform=platform,
            certified=data.certified_on is not None,
            certified_on=data.certified_on,
        )
    )


def bootstrap_administrator(
    session: Session,
    audit: AuditTrail,
    passwords: Passwords,
    *,
    username: str,
    display_name: str,
    password: str,
    province_code: str,
    province_name: str,
) -> tuple[Clerk, Window]:
    """The first administrator, at the province platform (created if missing) and its window.

    Refused once any administrator exists: from then on administrators register clerks.
    """
    try:  # the API's own rules for usernames and passwords
        data = ClerkAccount(username=username, display_name=display_name, password=password)
    except ValidationError:
        raise InvalidDataError(
            "用户名须为小写字母、数字或._-（3至40位），密码至少10位", code="invalid_clerk"
        ) from None
    repository = ClerkRepository(session)
    if repository.any_with_role(Role.administrator):
        raise ConflictError("已存在管理员，请由管理员登记新的经办人员", code="already_bootstrapped")
    if repository.by_username(data.username) is not None:
        raise ConflictError("该用户名已被使用", code="username_taken")
    platforms = PlatformRepository(session)
    province = platforms.root(province_code)
    if province is None:
        province = build_platform(
            platforms,
            None,
            PlatformCreate(kind=Kind.province, region_code=province_code, base_name=province_name),
        )
    window = platforms.first_window(province.id) or add_window(platforms, province, "管理窗口")
    clerk = repository.add(
        Clerk(
            username=data.username,
            display_name=data.display_name,
            password_hash=passwords.hash(data.password),
            role=Role.administrator,
            platform_id=province.id,
            platform=province,
        )
    )
    audit.change(
        "clerk.bootstrap", "clerk", clerk.id, None, {"role": clerk.role, "platform": province.id}
    )
    return clerk, window
