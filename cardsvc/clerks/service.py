"""Login, token resolution and clerk registration."""

from __future__ import annotations

import hmac
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.models import Clerk, LoginFailure
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor, Permission, Role, authorize
from cardsvc.clerks.repository import ClerkRepository
from cardsvc.clerks.schemas import ClerkAccount, ClerkCreate
from cardsvc.clerks.tokens import TokenClaims, issue_token, session_expired
from cardsvc.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidDataError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyAttemptsError,
)
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow
from cardsvc.platforms.models import Window
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import add_window, build_platform
from cardsvc.settings import Settings

# Failed logins counted over this window: past the limits, logins are refused until the
# oldest failure ages out (a clerk's typos, a script guessing passwords, a flood).
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class LoginCandidate:
    """Who tries to log in: the name failures are counted under and the hash to check."""

    username_key: str  # the username if a clerk has it, else a keyed hash of what was typed
    clerk_id: int | None
    password_hash: str | None


def _username_key(audit_secret: bytes, username: str, known: bool) -> str:
    # What was typed into the username field may be a password: kept only as a keyed hash
    # unless it names a clerk.
    return (
        username
        if known
        else "?" + hmac.new(audit_secret, username.encode(), "sha256").hexdigest()[:39]
    )


def login_candidate(
    session: Session, audit_secret: bytes, username: str, address: str, now: datetime
) -> LoginCandidate | DomainError:
    """Step 1 of a login (its own unit of work): who it is, unless attempts are throttled.

    A throttled attempt is audited and answered 429 with the time to wait; the password
    is not checked at all then.
    """
    repository = ClerkRepository(session)
    clerk = repository.by_username(username)
    key = _username_key(audit_secret, username, clerk is not None)
    throttled = login_throttled(
        session, audit_secret, key, address, now, ("clerk", clerk.id if clerk else "unknown")
    )
    if throttled is not None:
        return throttled
    return LoginCandidate(key, clerk.id if clerk else None, clerk.password_hash if clerk else None)


def login_throttled(
    session: Session,
    audit_secret: bytes,
    key: str,
    address: str,
    now: datetime,
    subject: tuple[str, object],
    advice: str = "如忘记密码请联系管理员",
) -> TooManyAttemptsError | None:
    """The refusal of a login attempt under ``key`` or from ``address`` past the limits
    (audited), or None. ``key`` is never a personal number in clear (a keyed hash)."""
    by_name, by_address = ClerkRepository(session).failures_since(key, address, now - LOGIN_WINDOW)
    if by_name < MAX_FAILURES_PER_USERNAME and by_address < MAX_FAILURES_PER_ADDRESS:
        return None
    AuditTrail(session, None, audit_secret).record(
        "login_throttled",
        subject[0],
        subject[1],
        payload={"address": address, "failures": max(by_name, by_address)},
    )
    minutes = int(LOGIN_WINDOW.total_seconds() // 60)
    return TooManyAttemptsError(
        f"登录失败次数过多，请{minutes}分钟后再试；{advice}",
        retry_after=int(LOGIN_WINDOW.total_seconds()),
    )


def record_login_failure(session: Session, key: str, address: str, now: datetime) -> None:
    ClerkRepository(session).add_failure(
        LoginFailure(username=key, address=address[:64], occurred_at=now)
    )


def finish_login(
    session: Session,
    settings: Settings,
    candidate: LoginCandidate,
    password_ok: bool,
    window_code: str,
    address: str,
    now: datetime,
) -> tuple[str, datetime] | DomainError:
    """Step 2 of a login (its own unit of work), once the password was checked off it:
    a token for the clerk at ``window_code`` and its expiry, or the refusal (a failure is
    recorded and audited)."""
    secret = settings.audit_secret.get_secret_value().encode()
    repository = ClerkRepository(session)
    clerk = repository.get(candidate.clerk_id) if candidate.clerk_id is not None else None
    refusal: DomainError | None = None
    if not password_ok or clerk is None:
        refusal = NotAuthenticatedError("用户名或密码错误", code="bad_credentials")
        record_login_failure(session, candidate.username_key, address, now)
    elif not clerk.active:
        refusal = NotAuthenticatedError("该账号已停用", code="clerk_inactive")
    if refusal is not None:
        AuditTrail(session, None, secret).record(
            "login_failed",
            "clerk",
            clerk.id if clerk else "unknown",
            payload={"address": address, "code": refusal.code},
        )
        return refusal
    assert clerk is not None  # noqa: S101 - refused above
    window = repository.window_by_code(window_code)
    if window is None or not window.active:
        return NotAuthenticatedError("窗口编号无效或已停用", code="unknown_window")
    if not window.platform.path.startswith(clerk.platform.path):
        return ForbiddenError("该窗口不属于您所在的平台", code="window_outside_jurisdiction")
    expires_at = now + settings.token_ttl
    token = issue_token(
        settings.token_secret.get_secret_value().encode(),
        TokenClaims(clerk.id, window.id, int(expires_at.timestamp()), clerk.session_version),
    )
    return token, expires_at


def end_sessions(session: Session, audit: AuditTrail, clerk_id: int, why: str) -> None:
    """Every token of the clerk stops working at once (logout, or a change of who they are)."""
    clerk = ClerkRepository(session).get(clerk_id)
    if clerk is None:
        raise NotFoundError("经办人员不存在", code="clerk_not_found")
    clerk.session_version += 1
    session.flush()
    audit.change(
        f"clerk.{why}", "clerk", clerk.id, None, {"session_version": clerk.session_version}
    )


def change_clerk(
    session: Session,
    audit: AuditTrail,
    username: str,
    *,
    active: bool | None = None,
    platform_code: str | None = None,
    role: Role | None = None,
) -> Clerk:
    """Deactivate or reactivate a clerk, move them to another platform or change their
    role (administrators' command line); their tokens stop working at once, audited."""
    repository = ClerkRepository(session)
    clerk = repository.by_username(username)
    if clerk is None:
        raise NotFoundError("经办人员不存在", code="clerk_not_found")
    before = {"active": clerk.active, "platform": clerk.platform_id, "role": clerk.role.value}
    if active is not None:
        clerk.active = active
    if platform_code is not None:
        platform = PlatformRepository(session).by_unified_code(platform_code)
        if platform is None:
            raise NotFoundError("平台编码不存在", code="platform_not_found")
        clerk.platform_id, clerk.platform = platform.id, platform
    if role is not None:
        clerk.role = role
    clerk.session_version += 1
    session.flush()
    after = {"active": clerk.active, "platform": clerk.platform_id, "role": clerk.role.value}
    audit.change("clerk.change", "clerk", clerk.id, before, after)
    return clerk


def reset_password(
    session: Session, audit: AuditTrail, passwords: Passwords, username: str, password: str
) -> Clerk:
    """Give a clerk a new password (administrators' command line, e.g. a lost one); their
    tokens stop working at once, audited (never the password)."""
    clerk = ClerkRepository(session).by_username(username)
    if clerk is None:
        raise NotFoundError("经办人员不存在", code="clerk_not_found")
    try:  # the API's own rule for passwords
        ClerkAccount(username=clerk.username, display_name=clerk.display_name, password=password)
    except ValidationError as error:
        if any(item["loc"] == ("password",) for item in error.errors()):
            raise InvalidDataError(
                "密码至少10位，须混合字母、数字或符号", code="invalid_password"
            ) from None
    clerk.password_hash = passwords.hash(password)
    end_sessions(session, audit, clerk.id, "password_reset")
    return clerk


def every_clerk(session: Session) -> Sequence[Clerk]:
    """Every clerk with their platform (administrators' command line)."""
    return ClerkRepository(session).every()


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
        current = clerk is not None and clerk.session_version == claim.session_version
        if clerk is not None and current and claim.window_id in windows:
            actors[claim] = Actor(
                clerk_id=claim.clerk_id,
                role=clerk.role,
                platform_id=clerk.platform_id,
                platform_path=clerk.platform_path,
                window_id=claim.window_id,
            )
    return actors


def read_clerk(session: Session, actor: Actor, clerk_id: int) -> Clerk:
    """A clerk of a platform the administrator manages; any other answers 404."""
    authorize(actor, Permission.manage_clerks)
    clerk = ClerkRepository(session).get(clerk_id)
    if clerk is None or not actor.covers(clerk.platform.path):
        raise NotFoundError("经办人员不存在", code="clerk_not_found")
    return clerk


def register_clerk(
    session: Session, actor: Actor, audit: AuditTrail, passwords: Passwords, data: ClerkCreate
) -> Clerk:
    platform = PlatformRepository(session).get(data.platform_id)
    if platform is None:
        raise NotFoundError("所属平台不存在", code="platform_not_found")
    authorize(actor, Permission.manage_clerks, platform.path)
    if data.certified_on is not None and data.certified_on > china_day(utcnow()):
        raise InvalidDataError("持证上岗日期不能晚于今天", code="date_in_future")
    repository = ClerkRepository(session)
    if repository.by_username(data.username) is not None:
        raise ConflictError("该用户名已被使用", code="username_taken")
    clerk = repository.add(
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
    audit.change(
        "clerk.register", "clerk", clerk.id, None, {"role": clerk.role, "platform": platform.id}
    )
    return clerk


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
        try:  # the API's own rules for a platform
            platform = PlatformCreate(
                kind=Kind.province, region_code=province_code, base_name=province_name
            )
        except ValidationError:
            raise InvalidDataError(
                "省级行政区划代码须为6位数字，名称须为不含控制字符的文字", code="invalid_province"
            ) from None
        province = build_platform(platforms, None, platform)
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


@dataclass(frozen=True)
class Staff:
    """An active clerk as the staffing report counts them."""

    platform_id: int
    role: Role
    certified: bool


def staffing(session: Session, path: str) -> list[Staff]:
    """The active clerks of every platform within ``path``."""
    return [
        Staff(clerk.platform_id, clerk.role, clerk.certified)
        for clerk in ClerkRepository(session).active_within(path)
    ]


def clerk_names(session: Session, clerk_ids: Collection[int]) -> dict[int, str]:
    """Clerks' display names (staff, not residents: shown in reports)."""
    return ClerkRepository(session).names(clerk_ids)
