"""Applications (受理 → 初审 → 审批), queues, and the service guide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from cardsvc.answers import json_answer
from cardsvc.deps import (
    ActorDep,
    AuditDep,
    OptionalIdempotencyKey,
    PagingDep,
    PathRowId,
    Purpose,
    SessionDep,
)
from cardsvc.idempotency import fingerprint, run_once
from cardsvc.kit.pagination import Page
from cardsvc.kit.types import utcnow
from cardsvc.workflow import service
from cardsvc.workflow.rules import Decision, Status, Step
from cardsvc.workflow.schemas import (
    ApplicationCreate,
    ApplicationOut,
    GuideItem,
    QueueItem,
    StepRequest,
    TimeLimitUpdate,
)

router = APIRouter(tags=["applications"])

ItemCode = Annotated[str, Path(pattern=r"^[a-z_]{3,40}$", description="A business item's code")]
StepName = Annotated[
    Decision,
    Path(description="review (初审通过), approve (审批通过) or reject (退回, with a reason)"),
]


@router.get("/service-guide", response_model=Page[GuideItem])
def read_service_guide(actor: ActorDep, session: SessionDep, paging: PagingDep) -> Page[GuideItem]:
    """The service guide (办事指南): each business item's documents, steps and time limit."""
    return paging.page(service.service_guide(session, actor, paging.request))


@router.put("/service-guide/{item_code}/time-limit", response_model=GuideItem)
def set_time_limit(
    item_code: ItemCode,
    body: TimeLimitUpdate,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> GuideItem:
    """Set an item's time limit (办结时限) in working days."""
    return service.set_time_limit(session, actor, audit, item_code, body.working_days, utcnow())


@router.post("/applications", response_model=ApplicationOut, status_code=201)
def submit_application(
    body: ApplicationCreate,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    key: OptionalIdempotencyKey = None,
) -> Response:
    """Take a resident's application at this window (受理). With an `Idempotency-Key`, a
    retry (a lost answer, a double click) answers the first application instead of
    taking a second one."""
    now = utcnow()

    def take() -> ApplicationOut:
        return service.application_out(service.submit(session, actor, audit, body, now), now)

    if key is None:
        content, replayed = take().model_dump_json(), False
    else:
        request = fingerprint("POST", "/applications", body.model_dump_json().encode())
        content, replayed = run_once(session, actor.clerk_id, key, request, take)
    number = ApplicationOut.model_validate_json(content).id
    return json_answer(content, 201, replayed, location=f"/applications/{number}")


@router.get("/applications", response_model=Page[QueueItem])
def application_queue(
    actor: ActorDep,
    session: SessionDep,
    paging: PagingDep,
    status: Status | None = None,
    item_code: Annotated[str | None, Query(pattern=r"^[a-z_]{3,40}$")] = None,
    overdue: bool = False,
) -> Page[QueueItem]:
    """The queue of the clerk's platform and the platforms below it, earliest due first:
    ``status=submitted`` awaits first review, ``status=reviewed`` approval."""
    found = service.queue(
        session,
        actor,
        utcnow(),
        paging.request,
        status=status,
        item_code=item_code,
        overdue_only=overdue,
    )
    return paging.page(found)


@router.get("/applications/{application_id}", response_model=ApplicationOut)
def read_application(
    application_id: PathRowId,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> ApplicationOut:
    """One application with its details, documents and every step (audited read)."""
    return service.read_application(session, actor, audit, application_id, purpose, utcnow())


@router.post("/applications/{application_id}/{step}", response_model=ApplicationOut)
def take_step(
    application_id: PathRowId,
    step: StepName,
    body: StepRequest,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> ApplicationOut:
    """First review, approval, or rejection with a reason."""
    now = utcnow()
    application = service.take_step(
        session, actor, audit, application_id, Step(step.value), body.note, now
    )
    return service.application_out(application, now)
