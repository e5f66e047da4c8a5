"""Residents online: an account opened at a window, their records, who read them.

A window clerk opens (or reopens) a resident's online access: the resident gets a
one-time code, valid 72 hours, and sets a password with it. Residents then log in with
their number and password, and see their own records and every clerk's access to them;
nothing of anyone else. Reopening revokes every earlier session (a forgotten password is
handled at a window, where the resident's identity is checked).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail, events_about
from cardsvc.cards.lifecycle import card_ids_of
from cardsvc.clerks.passwords import Passwords
from cardsvc.clerks.permissions import Actor, Permission
from cardsvc.clerks.service import clerk_names, login_throttled, record_login_failure
from cardsvc.errors import DomainError, NotAuthenticatedError
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.labour.service import case_ids_of
from cardsvc.online.models import OnlineAccount
from cardsvc.online.repository import OnlineRepository
from cardsvc.online.rules import CODE_VALID, new_activation_code
from cardsvc.online.schemas import AccessEntry, ActivationGranted
from cardsvc.online.tokens import ResidentClaims, issue_resident_token, online_session_expired
from cardsvc.platforms.service import window_places
from cardsvc.residents.models import Resident
from cardsvc.residents.rules import parse_ssn
from cardsvc.residents.service import resident_by_id, resident_by_ssn, resident_in_jurisdiction
from cardsvc.settings import Settings
from cardsvc.summary.schemas import ResidentSummary
from cardsvc.summary.service import summarise
from cardsvc.workflow.service import application_ids_of

if TYPE_CHECKING:
    from cardsvc.audit.models import AuditEvent

ADVICE = "如忘记密码请持身份证件到服务窗口重新开通"
ACTION_LABELS = {
    "read": "查阅",
    "refused": "拒绝访问",
    "list": "列表查询",
    "lookup": "查找",
}


def grant_access(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    passwords: Passwords,
    resident_id: int,
    now: datetime,
) -> ActivationGranted:
    """A one-time activation code for the resident before the clerk (identity checked at
    the window); any earlier code, the password and every online session stop working."""
    resident = resident_in_jurisdiction(session, actor, resident_id, Permission.grant_online_access)
    code = new_activation_code()
    repository = OnlineRepository(session)
    account = repository.of_resident(resident.id)
    if account is None:
        account = OnlineAccount(resident_id=resident.id, session_version=1)
        repository.add(account)
    # Reopened for a forgotten or exposed password: the old one stops working too.
    account.password_hash = None
    account.activation_hash = passwords.hash(code)
    account.activation_expires_at = now + CODE_VALID
    account.session_version += 1
    audit.change(
        "online_access.grant", "resident", resident.id, None, {"expires": str(now + CODE_VALID)}
    )
    return ActivationGranted(activation_code=code, expires_at=now + CODE_VALID)


def _key(settings: Settings, number: str) -> str:
    """Failed attempts are counted under a keyed hash of the number typed, never the number."""
    secret = settings.audit_secret.get_secret_value().encode()
    return "r" + hmac.new(secret, number.strip().upper().encode(), "sha256").hexdigest()[:39]


def _account_of(session: Session, number: str) -> tuple[Resident | None, OnlineAccount | None]:
    try:
        resident = resident_by_ssn(session, parse_ssn(number).number)
    except DomainError:
        return None, None
    if resident is None:
        return None, None
    return resident, OnlineRepository(session).of_resident(resident.id)


@dataclass(frozen=True)
class Attempt:
    """An activation or login under way: what to check the typed secret against."""

    key: str  # failures are counted under it
    resident_id: int | None
    stored_hash: str | None  # the unexpired activation code's, or the password's


def attempt(
    session: Session, settings: Settings, number: str, activation: bool, address: str, now: datetime
) -> Attempt | DomainError:
    """Step 1 (its own unit of work): who it is, unless attempts are throttled."""
    secret = settings.audit_secret.get_secret_value().encode()
    key = _key(settings, number)
    refusal = login_throttled(session, secret, key, address, now, ("resident", "online"), ADVICE)
    if refusal is not None:
        return refusal
    resident, account = _account_of(session, number)
    stored = None
    if account is not None and activation:
        expires = account.activation_expires_at
        stored = account.activation_hash if expires is not None and now <= expires else None
    elif account is not None:
        stored = account.password_hash
    return Attempt(key, resident.id if resident else None, stored)


def _failed(session: Session, attempt: Attempt, address: str, now: datetime) -> DomainError:
    record_login_failure(session, attempt.key, address, now)
    return NotAuthenticatedError("社会保障号码、密码或开通码不正确", code="bad_credentials")


def finish_activation(
    session: Session,
    settings: Settings,
    attempt: Attempt,
    code_ok: bool,
    password_hash: str,
    address: str,
    now: datetime,
) -> DomainError | None:
    """Step 2 (its own unit of work): the new password, or the failure recorded."""
    account = (
        OnlineRepository(session).of_resident(attempt.resident_id)
        if attempt.resident_id is not None
        else None
    )
    if not code_ok or account is None or account.activation_hash is None:
        return _failed(session, attempt, address, now)
    account.password_hash = password_hash
    account.activation_hash = None
    account.activation_expires_at = None
    account.activated_at = now
    account.session_version += 1
    AuditTrail(session, None, settings.audit_secret.get_secret_value().encode()).record(
        "online_access.activate", "resident", account.resident_id, payload={"address": address}
    )
    return None


def finish_login(
    session: Session,
    settings: Settings,
    attempt: Attempt,
    password_ok: bool,
    address: str,
    now: datetime,
) -> tuple[str, datetime] | DomainError:
    """Step 2 (its own unit of work): a resident's token, or the failure recorded."""
    account = (
        OnlineRepository(session).of_resident(attempt.resident_id)
        if attempt.resident_id is not None
        else None
    )
    if not password_ok or account is None:
        return _failed(session, attempt, address, now)
    expires_at = now + settings.token_ttl
    token = issue_resident_token(
        settings.token_secret.get_secret_value().encode(),
        ResidentClaims(account.resident_id, int(expires_at.timestamp()), account.session_version),
    )
    return token, expires_at


def signed_in(session: Session, claims: ResidentClaims) -> Resident:
    """The resident of a genuine token whose session is still current (401 otherwise)."""
    account = OnlineRepository(session).of_resident(claims.resident_id)
    if account is None or account.session_version != claims.session_version:
        raise online_session_expired()
    return resident_by_id(session, claims.resident_id)


def logout(session: Session, resident: Resident) -> None:
    account = OnlineRepository(session).of_resident(resident.id)
    if account is not None:
        account.session_version += 1


def my_records(
    session: Session, settings: Settings, resident: Resident, now: datetime
) -> ResidentSummary:
    AuditTrail(session, None, settings.audit_secret.get_secret_value().encode()).record(
        "online.read", "resident", resident.id, purpose="本人网上查询"
    )
    return summarise(session, resident, now)


def my_accesses(session: Session, resident: Resident, page: PageRequest) -> Slice[AccessEntry]:
    """Every clerk's access to the resident's records, newest first."""
    subjects = [
        (kind, str(resident.id))
        for kind in (
            "resident",
            "employment",
            "insurance",
            "contributions",
            "employment_relations",
        )
    ]
    subjects += [("card", str(i)) for i in card_ids_of(session, resident.id)]
    subjects += [("application", str(i)) for i in application_ids_of(session, resident.id)]
    subjects += [("labour_case", str(i)) for i in case_ids_of(session, resident.id)]
    found = events_about(session, subjects, page)
    clerks = clerk_names(session, {e.clerk_id for e in found.items if e.clerk_id is not None})
    places = window_places(session, {e.window_id for e in found.items if e.window_id is not None})
    unknown: tuple[str | None, str | None] = (None, None)

    def entry(event: AuditEvent) -> AccessEntry:
        window, platform = places.get(event.window_id, unknown) if event.window_id else unknown
        return AccessEntry(
            occurred_at=event.occurred_at,
            action=event.action,
            action_label=ACTION_LABELS.get(event.action, "办理业务"),
            what=event.subject_type,
            purpose=event.purpose,
            clerk=clerks.get(event.clerk_id) if event.clerk_id is not None else None,
            window=window,
            platform=platform,
        )

    return found.map(entry)
