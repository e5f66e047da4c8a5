"""Who may do what (role × permission) and where (jurisdiction): pure, one table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from cardsvc.errors import ForbiddenError, NotFoundError, OutsideJurisdictionError, Refusal


class Role(StrEnum):
    community_clerk = "community_clerk"  # 劳动保障协理员
    street_clerk = "street_clerk"
    issuance_operator = "issuance_operator"
    key_officer = "key_officer"
    auditor = "auditor"
    administrator = "administrator"


class Permission(StrEnum):
    manage_platforms = "manage_platforms"
    manage_clerks = "manage_clerks"
    view_platforms = "view_platforms"
    register_resident = "register_resident"
    read_resident = "read_resident"
    read_card = "read_card"  # a card, a resident's cards, a card's history
    list_residents = "list_residents"
    order_card = "order_card"  # apply for a first card, a replacement or a renewal
    produce_card = "produce_card"  # mark personalised and issued (card centre)
    activate_card = "activate_card"  # hand-over at a window
    change_card_status = "change_card_status"  # loss, lift, lock, unlock, cancel
    identify_card = "identify_card"
    read_blacklist = "read_blacklist"
    read_audit = "read_audit"
    read_service_guide = "read_service_guide"  # 办事指南: items, documents, time limits
    submit_application = "submit_application"  # take an application at a window (受理)
    review_application = "review_application"  # first review (初审)
    approve_application = "approve_application"  # approve or reject after review (审批)
    read_applications = "read_applications"  # queues and applications
    manage_business_items = "manage_business_items"  # set items' time limits
    take_labour_case = "take_labour_case"  # take a complaint or a mediation request
    handle_labour_case = "handle_labour_case"  # investigate, mediate, close (street centre)
    read_labour_cases = "read_labour_cases"
    grant_online_access = "grant_online_access"  # a resident's online query account
    record_rating = "record_rating"  # the window's terminal sends the resident's rating
    read_ledgers = "read_ledgers"  # the base ledgers (基础台账), masked
    read_reports = "read_reports"  # compliance, performance, data quality, ledgers
    register_employer = "register_employer"  # 用人单位台账
    read_employer = "read_employer"
    record_employment = "record_employment"  # a resident's employment relations
    read_insurance = "read_insurance"  # enrolments, contributions, benefits (audited)
    handle_insurance = "handle_insurance"  # enrol, declare, benefits, transfers, certification
    manage_contribution_limits = "manage_contribution_limits"  # base floors and caps


_WINDOW = {
    Permission.view_platforms,
    Permission.register_resident,
    Permission.read_resident,
    Permission.read_card,
    Permission.list_residents,
    Permission.order_card,
    Permission.activate_card,
    Permission.change_card_status,
    Permission.identify_card,
    Permission.read_blacklist,
    Permission.read_service_guide,
    Permission.submit_application,
    Permission.review_application,
    Permission.read_applications,
    Permission.take_labour_case,
    Permission.read_labour_cases,
    Permission.record_rating,
    Permission.grant_online_access,
    Permission.read_ledgers,
    Permission.register_employer,
    Permission.read_employer,
    Permission.record_employment,
    Permission.read_insurance,
    Permission.handle_insurance,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.community_clerk: frozenset(_WINDOW),
    Role.street_clerk: frozenset(
        _WINDOW
        | {
            Permission.approve_application,
            Permission.handle_labour_case,
            Permission.read_reports,
        }
    ),
    Role.issuance_operator: frozenset(
        {
            Permission.view_platforms,
            Permission.read_card,
            Permission.produce_card,
            Permission.activate_card,
            Permission.read_blacklist,
            Permission.read_service_guide,
        }
    ),
    Role.key_officer: frozenset({Permission.view_platforms, Permission.read_service_guide}),
    Role.auditor: frozenset(
        {
            Permission.view_platforms,
            Permission.read_resident,
            Permission.read_card,
            Permission.list_residents,
            Permission.read_audit,
            Permission.read_blacklist,
            Permission.read_service_guide,
            Permission.read_applications,
            Permission.read_labour_cases,
            Permission.read_reports,
            Permission.read_ledgers,
            Permission.read_employer,
            Permission.read_insurance,
        }
    ),
    Role.administrator: frozenset(
        {
            Permission.manage_platforms,
            Permission.manage_clerks,
            Permission.view_platforms,
            Permission.read_service_guide,
            Permission.manage_business_items,
            Permission.read_reports,
            Permission.manage_contribution_limits,
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """The authenticated clerk at a window, as services see them."""

    clerk_id: int
    role: Role
    platform_id: int
    platform_path: str
    window_id: int

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def covers(self, platform_path: str) -> bool:
        """Jurisdiction: the clerk's platform and everything below it.

        A community station has nothing below it; a street centre covers its
        communities; a county card centre covers its county.
        """
        return platform_path.startswith(self.platform_path)


def refused(
    actor: Actor, permission: Permission, subject: tuple[str, object], purpose: str | None = None
) -> Refusal:
    """What the audit trail records when ``actor`` is refused ``subject``."""
    return Refusal(
        clerk_id=actor.clerk_id,
        window_id=actor.window_id,
        permission=permission.value,
        subject_type=subject[0],
        subject_id=str(subject[1]),
        purpose=purpose,
    )


def authorize(
    actor: Actor,
    permission: Permission,
    platform_path: str | None = None,
    *,
    subject: tuple[str, object] | None = None,
    purpose: str | None = None,
) -> None:
    """Raise ``ForbiddenError`` unless the role allows it and the platform is in jurisdiction.

    ``subject`` (type, id) names the residents' or cards' data being reached for: a
    refusal then carries what the audit trail needs to record it.
    """
    allowed_role = actor.can(permission)
    if allowed_role and (platform_path is None or actor.covers(platform_path)):
        return
    refusal = None if subject is None else refused(actor, permission, subject, purpose)
    if not allowed_role:
        raise ForbiddenError("您的岗位无权办理此项业务", code="role_not_allowed", refusal=refusal)
    raise OutsideJurisdictionError("该业务不属于您所在平台的管辖范围", refusal=refusal)


def authorize_reach(
    actor: Actor,
    permission: Permission,
    subject: tuple[str, object],
    path: str | None,
    not_found: tuple[str, str],
) -> None:
    """``actor`` may reach ``subject``, found under the platform ``path`` (None: there is
    no such subject), else the (detail, code) 404 — outside the jurisdiction too, with
    the refusal audited as such (``as_not_found``)."""
    detail, code = not_found
    if path is None:
        raise NotFoundError(detail, code=code)
    try:
        authorize(actor, permission, path, subject=subject)
    except OutsideJurisdictionError as outside:
        raise as_not_found(outside, detail, code) from None


def as_not_found(outside: OutsideJurisdictionError, detail: str, code: str) -> NotFoundError:
    """The answer to a subject outside the clerk's jurisdiction: the same as to one that
    does not exist (so which ids exist elsewhere is not told), while the audited refusal
    keeps its real reason."""
    refusal = outside.refusal and replace(outside.refusal, code=outside.code)
    return NotFoundError(detail, code=code, refusal=refusal)
