"""Taking, reviewing and approving applications; queues; the service guide.

A window takes an application (受理) for a resident in its jurisdiction; the platform
that took it does the first review (初审); a street (township) centre covering it
approves or rejects it (审批), by a clerk who neither took nor reviewed it. Approval
records the item's effect in the same unit of work: an approved application always has
its record, and a refused effect leaves the application where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, Role, authorize, authorize_reach
from cardsvc.employment.service import Subject
from cardsvc.errors import (
    ForbiddenError,
    InvalidDataError,
)
from cardsvc.insurance.service import enrolment_holder
from cardsvc.kit.calendar import china_day
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.residents.models import Resident
from cardsvc.residents.service import masked_names, resident_by_id, resident_in_jurisdiction
from cardsvc.workflow.items import ITEMS, BusinessItem, Context, check, item
from cardsvc.workflow.models import Application, ApplicationStep, ItemTimeLimit
from cardsvc.workflow.repository import WorkflowRepository
from cardsvc.workflow.rules import (
    STATUS_LABELS,
    Status,
    Step,
    check_maker_checker,
    check_reason,
    due_at,
    is_overdue,
    missing_documents,
    next_status,
)
from cardsvc.workflow.schemas import (
    ApplicationCreate,
    ApplicationOut,
    GuideItem,
    QueueItem,
    StepOut,
)


def _details(
    session: Session, business: BusinessItem, details: dict[str, object], resident_id: int
) -> BaseModel:
    """The item's details, checked against its schema; they concern the applicant alone."""
    fields = business.details.model_fields
    if "resident_id" in fields:
        if details.get("resident_id", resident_id) != resident_id:
            raise InvalidDataError("申请内容中的参保人员与申请人不一致", code="other_resident")
        details = {**details, "resident_id": resident_id}
    try:
        checked = business.details.model_validate(details)
    except ValidationError as invalid:
        places = "、".join(
            ".".join(str(part) for part in error["loc"]) or "details" for error in invalid.errors()
        )
        raise InvalidDataError(
            f"“{business.name}”的申请内容有误，请核对：{places}", code="invalid_details"
        ) from None
    enrolment_id = getattr(checked, "enrolment_id", None)
    if enrolment_id is not None and enrolment_holder(session, enrolment_id) != resident_id:
        raise InvalidDataError("所选参保记录不是申请人的", code="other_resident")
    return checked


def working_days(repository: WorkflowRepository, business: BusinessItem) -> int:
    local = repository.time_limit(business.code)
    return local.working_days if local else business.working_days


def submit(
    session: Session, actor: Actor, audit: AuditTrail, data: ApplicationCreate, now: datetime
) -> Application:
    """Take an application at the clerk's window (受理)."""
    authorize(actor, Permission.submit_application, subject=("resident", data.resident_id))
    business = item(data.item_code)
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.submit_application
    )
    unknown = sorted({d.strip() for d in data.documents} - set(business.documents))
    if unknown:
        raise InvalidDataError(
            f"“{business.name}”不需要这些材料，请按办事指南填写：{'、'.join(unknown)}",
            code="documents_unknown",
        )
    missing = missing_documents(business.documents, data.documents)
    if missing:
        raise InvalidDataError(f"缺少申请材料：{'、'.join(missing)}", code="documents_missing")
    details = _details(session, business, data.details, resident.id)
    context = _context(resident, actor.platform_id, actor, audit, now)
    check(session, business, context, details)
    repository = WorkflowRepository(session)
    application = Application(
        item_code=business.code,
        resident_id=resident.id,
        platform_id=actor.platform_id,
        status=Status.submitted,
        details=details.model_dump(mode="json"),
        documents=sorted({name.strip() for name in data.documents}),
        submitted_at=now,
        due_at=due_at(now, working_days(repository, business)),
    )
    repository.add(application)
    _add_step(repository, application, actor, Step.submit, Status.submitted, data.note, now)
    audit.change(
        "application.submit",
        "application",
        application.id,
        None,
        {"item": business.code, "resident_id": resident.id, "status": Status.submitted},
    )
    return application


def _add_step(
    repository: WorkflowRepository,
    application: Application,
    actor: Actor,
    step: Step,
    status: Status,
    note: str | None,
    now: datetime,
) -> None:
    record = ApplicationStep(
        application=application,  # joins application.steps (back_populates)
        step=step,
        status_after=status,
        clerk_id=actor.clerk_id,
        window_id=actor.window_id,
        platform_id=actor.platform_id,
        at=now,
        note=note,
    )
    repository.add(record)


def _in_jurisdiction(
    session: Session, actor: Actor, application_id: int, permission: Permission
) -> Application:
    """The application, if ``actor`` covers the platform that took it (404 otherwise)."""
    subject = ("application", application_id)
    authorize(actor, permission, subject=subject)
    application = WorkflowRepository(session).get(application_id)
    path = application.platform.path if application else None
    authorize_reach(actor, permission, subject, path, ("申请不存在", "application_not_found"))
    assert application is not None  # noqa: S101 - reached
    return application


def take_step(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    application_id: int,
    step: Step,
    note: str | None,
    now: datetime,
) -> Application:
    """Review, approve or reject: who may is decided by the application's state.

    A submitted application is reviewed or rejected by the platform that took it; a
    reviewed one is approved or rejected by a street (township) centre covering it, by a
    clerk who neither took nor reviewed it.
    """
    first_review = step is Step.review
    permission = Permission.review_application if first_review else Permission.approve_application
    application = _in_jurisdiction(session, actor, application_id, Permission.read_applications)
    if step is Step.reject:
        first_review = application.status is Status.submitted
        permission = (
            Permission.review_application if first_review else Permission.approve_application
        )
    status = next_status(application.status, step)
    check_reason(step, note)
    if first_review:
        authorize(actor, permission, subject=("application", application.id))
        if actor.platform_id != application.platform_id:
            raise ForbiddenError("初审由受理该申请的服务站（中心）办理", code="wrong_tier")
    else:
        if actor.role is Role.community_clerk:
            raise ForbiddenError("审批须由街道（乡镇）服务中心办理", code="wrong_tier")
        authorize(actor, permission, subject=("application", application.id))
        check_maker_checker(actor.clerk_id, {s.clerk_id for s in application.steps})
    before = application.status
    repository = WorkflowRepository(session)
    if status is Status.approved:
        application.outcome = _record_effect(session, actor, audit, application, now)
    application.status = status
    if status in (Status.approved, Status.rejected):
        application.decided_at = now
    _add_step(repository, application, actor, step, status, note, now)
    audit.change(
        f"application.{step.value}",
        "application",
        application.id,
        {"status": before},
        {"status": status, "outcome": application.outcome},
    )
    return application


def _context(
    resident: Resident,
    platform_id: int,
    actor: Actor,
    audit: AuditTrail,
    now: datetime,
    application_id: int | None = None,
) -> Context:
    """Whose business it is, kept by which platform (in the resident's county), who takes
    the step and on which day (China's)."""
    today = china_day(now)
    subject = Subject(
        resident.id,
        resident.birth_date,
        resident.sex,
        platform_id,
        resident.platform.region_code,
        today,
        application_id,
    )
    return Context(subject, actor, audit, today)


def _record_effect(
    session: Session, actor: Actor, audit: AuditTrail, application: Application, now: datetime
) -> str:
    business = ITEMS[application.item_code]
    resident = resident_by_id(session, application.resident_id)
    context = _context(resident, application.platform_id, actor, audit, now, application.id)
    details = business.details.model_validate(application.details)
    record = business.record(session, context, details)
    return f"{record.__tablename__}:{record.id}"


def read_application(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    application_id: int,
    purpose: str,
    now: datetime,
) -> ApplicationOut:
    application = _in_jurisdiction(session, actor, application_id, Permission.read_applications)
    audit.read("application", application.id, purpose)
    return application_out(application, now)


def application_out(application: Application, now: datetime) -> ApplicationOut:
    business = ITEMS[application.item_code]
    return ApplicationOut(
        id=application.id,
        item_code=application.item_code,
        item_name=business.name,
        resident_id=application.resident_id,
        platform_id=application.platform_id,
        status=application.status,
        status_label=STATUS_LABELS[application.status],
        details=application.details,
        documents=application.documents,
        required_documents=list(business.documents),
        submitted_at=application.submitted_at,
        due_at=application.due_at,
        overdue=is_overdue(application.status, application.due_at, now),
        decided_at=application.decided_at,
        outcome=application.outcome,
        steps=[StepOut.model_validate(step) for step in application.steps],
    )


def queue(
    session: Session,
    actor: Actor,
    now: datetime,
    page: PageRequest,
    *,
    status: Status | None,
    item_code: str | None,
    overdue_only: bool,
) -> Slice[QueueItem]:
    """The applications taken within the clerk's jurisdiction: a community station sees
    its own, a street centre its own and its communities' (earliest due first)."""
    authorize(actor, Permission.read_applications, subject=("applications", actor.platform_id))
    if item_code is not None:
        item(item_code)
    statement = WorkflowRepository(session).queue(
        actor.platform_path,
        status=status,
        item_code=item_code,
        overdue_at=now if overdue_only else None,
    )
    found = paginate(session, statement, page)
    names = masked_names(session, {row.resident_id for row in found.items})
    return found.map(lambda row: _queue_item(row, names.get(row.resident_id, ""), now))


def _queue_item(row: Application, resident_name: str, now: datetime) -> QueueItem:
    return QueueItem(
        id=row.id,
        item_code=row.item_code,
        item_name=ITEMS[row.item_code].name,
        resident_id=row.resident_id,
        resident_name=resident_name,
        platform_id=row.platform_id,
        status=row.status,
        submitted_at=row.submitted_at,
        due_at=row.due_at,
        overdue=is_overdue(row.status, row.due_at, now),
    )


def open_applications(session: Session, resident_id: int, now: datetime) -> list[QueueItem]:
    """A resident's applications still in progress (for the resident summary)."""
    rows = WorkflowRepository(session).of_resident(resident_id, open_only=True)
    return [_queue_item(row, "", now) for row in rows]


def service_guide(session: Session, actor: Actor, page: PageRequest) -> Slice[GuideItem]:
    """A page of the business items, in the guide's order."""
    authorize(actor, Permission.read_service_guide)
    limits = WorkflowRepository(session).time_limits()
    items = list(ITEMS.values())
    shown = items[page.offset : page.offset + page.limit]
    return Slice(
        [_guide_item(business, limits.get(business.code)) for business in shown],
        len(items),
        True,
        page.offset + page.limit < len(items),
        page,
    )


def _guide_item(business: BusinessItem, working_days: int | None) -> GuideItem:
    return GuideItem(
        code=business.code,
        name=business.name,
        category=business.category,
        documents=list(business.documents),
        steps=list(business.steps),
        working_days=working_days or business.working_days,
        details_schema=business.details.model_json_schema(),
    )


# "/32/": a province platform's path (one province, one service guide).
PROVINCE_PATH_SLASHES = 2


def set_time_limit(
    session: Session, actor: Actor, audit: AuditTrail, item_code: str, days: int, now: datetime
) -> GuideItem:
    """Set an item's time limit; applications taken from now on are due by it."""
    authorize(actor, Permission.manage_business_items)
    if actor.platform_path.count("/") != PROVINCE_PATH_SLASHES:
        raise ForbiddenError("办结时限由省级管理员统一设定", code="province_only")
    business = item(item_code)
    repository = WorkflowRepository(session)
    current = repository.time_limit(business.code)
    before = working_days(repository, business)
    if current is None:
        repository.add(
            ItemTimeLimit(
                item_code=business.code, working_days=days, set_by=actor.clerk_id, set_at=now
            )
        )
    else:
        current.working_days, current.set_by, current.set_at = days, actor.clerk_id, now
    audit.change(
        "service_guide.time_limit",
        "business_item",
        business.code,
        {"working_days": before},
        {"working_days": days},
    )
    return _guide_item(business, days)


@dataclass(frozen=True)
class ClerkWork:
    clerk_id: int
    window_id: int
    platform_id: int
    steps: dict[Step, int]


@dataclass(frozen=True)
class PlatformWork:
    decided: int
    within_limit: int
    total_days: float  # summed time from submission to decision, in days
    open_overdue: int


def performance(
    session: Session, path: str, since: datetime, until: datetime, now: datetime
) -> tuple[list[ClerkWork], dict[int, PlatformWork]]:
    """Work done within ``path``: each clerk's steps at each window, and per platform the
    applications decided, how many within their time limit, and how many are overdue."""
    repository = WorkflowRepository(session)
    clerks: dict[tuple[int, int, int], dict[Step, int]] = {}
    for row in repository.steps_by_clerk(path, since, until):
        key = (row.clerk_id, row.window_id, row.platform_id)
        clerks.setdefault(key, {})[row.step] = int(row.steps)
    decided: dict[int, list[tuple[float, bool]]] = {}
    for row in repository.decided(path, since, until):
        days = (row.decided_at - row.submitted_at).total_seconds() / 86400
        decided.setdefault(row.platform_id, []).append((days, row.decided_at <= row.due_at))
    overdue = repository.open_overdue(path, now)
    platforms = {
        platform_id: PlatformWork(
            decided=len(decided.get(platform_id, [])),
            within_limit=sum(1 for _, ok in decided.get(platform_id, []) if ok),
            total_days=sum(days for days, _ in decided.get(platform_id, [])),
            open_overdue=overdue.get(platform_id, 0),
        )
        for platform_id in set(decided) | set(overdue)
    }
    work = [ClerkWork(c, w, p, steps) for (c, w, p), steps in sorted(clerks.items())]
    return work, platforms


def application_ids_of(session: Session, resident_id: int) -> list[int]:
    return [a.id for a in WorkflowRepository(session).of_resident(resident_id, open_only=False)]


def windows_of_application(session: Session, application_id: int) -> set[int]:
    """The windows where an application's steps were taken (empty: no such application)."""
    application = WorkflowRepository(session).get(application_id)
    return {step.window_id for step in application.steps} if application else set()
