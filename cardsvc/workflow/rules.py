"""Pure workflow rules: the application's states, who may take each step, time limits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from cardsvc.errors import ForbiddenError, InvalidDataError, TransitionRefusedError
from cardsvc.kit.calendar import working_days_later


class Status(StrEnum):
    submitted = "submitted"  # 已受理: taken at a window, awaiting first review
    reviewed = "reviewed"  # 已初审: passed first review, awaiting approval
    approved = "approved"  # 已审批: done, its effect recorded
    rejected = "rejected"  # 未通过: refused at first review or at approval, with a reason


class Step(StrEnum):
    submit = "submit"  # 受理
    review = "review"  # 初审通过
    approve = "approve"  # 审批通过
    reject = "reject"  # 退回不予办理（初审或审批）


class Decision(StrEnum):
    """The steps after submission, as a clerk takes them."""

    review = "review"
    approve = "approve"
    reject = "reject"


OPEN = frozenset({Status.submitted, Status.reviewed})

# (state, step) → next state; every other pair is refused.
TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.submitted, Step.review): Status.reviewed,
    (Status.submitted, Step.reject): Status.rejected,
    (Status.reviewed, Step.approve): Status.approved,
    (Status.reviewed, Step.reject): Status.rejected,
}

STATUS_LABELS = {
    Status.submitted: "待初审",
    Status.reviewed: "待审批",
    Status.approved: "已办结",
    Status.rejected: "未通过",
}


def next_status(status: Status, step: Step) -> Status:
    try:
        return TRANSITIONS[(status, step)]
    except KeyError:
        raise TransitionRefusedError(
            f"该申请当前状态为“{STATUS_LABELS[status]}”，不能办理此步骤",
            code="step_not_allowed",
        ) from None


def check_maker_checker(approver_id: int, makers: set[int]) -> None:
    """The clerk who approves took neither the application nor its first review."""
    if approver_id in makers:
        raise ForbiddenError(
            "受理或初审该申请的经办人员不能审批同一申请", code="same_maker_and_checker"
        )


def check_reason(step: Step, note: str | None) -> None:
    if step is Step.reject and not (note and note.strip()):
        raise InvalidDataError("退回申请须填写理由", code="reason_required")


def due_at(submitted_at: datetime, working_days: int) -> datetime:
    """The end (23:59:59, China time) of the last working day of the time limit (办结时限)
    counted from the day of submission."""
    return working_days_later(submitted_at, working_days)


def is_overdue(status: Status, due: datetime, now: datetime) -> bool:
    return status in OPEN and now > due


def missing_documents(required: tuple[str, ...], presented: list[str]) -> list[str]:
    have = {name.strip() for name in presented}
    return [name for name in required if name not in have]
