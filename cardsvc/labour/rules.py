"""Pure rules for labour cases: kinds, states, outcomes, statutory time limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cardsvc.errors import InvalidDataError, TransitionRefusedError
from cardsvc.kit.calendar import china_day, end_of_day, working_days_later


class CaseKind(StrEnum):
    complaint = "complaint"  # 劳动保障监察举报投诉
    mediation = "mediation"  # 劳动争议调解


class CaseStatus(StrEnum):
    received = "received"  # 已受理
    handling = "handling"  # 调查（调解）中
    closed = "closed"  # 已结案


class Outcome(StrEnum):
    mediated = "mediated"  # 达成调解协议
    rectified = "rectified"  # 责令整改（已整改）
    referred_to_arbitration = "referred_to_arbitration"  # 调解不成，告知申请仲裁
    unfounded = "unfounded"  # 查无实据，不予立案
    withdrawn = "withdrawn"  # 申请人撤回


KIND_LABELS = {CaseKind.complaint: "举报投诉", CaseKind.mediation: "劳动争议调解"}
STATUS_LABELS = {
    CaseStatus.received: "已受理",
    CaseStatus.handling: "处理中",
    CaseStatus.closed: "已结案",
}

# Outcomes each kind may close with.
OUTCOMES: dict[CaseKind, frozenset[Outcome]] = {
    CaseKind.complaint: frozenset(
        {Outcome.rectified, Outcome.unfounded, Outcome.withdrawn, Outcome.mediated}
    ),
    CaseKind.mediation: frozenset(
        {Outcome.mediated, Outcome.referred_to_arbitration, Outcome.withdrawn}
    ),
}

# (from, to) a progress entry may move a case; notes alone keep its state.
MOVES = frozenset(
    {
        (CaseStatus.received, CaseStatus.received),
        (CaseStatus.received, CaseStatus.handling),
        (CaseStatus.received, CaseStatus.closed),
        (CaseStatus.handling, CaseStatus.handling),
        (CaseStatus.handling, CaseStatus.closed),
    }
)


def check_move(
    kind: CaseKind, current: CaseStatus, to: CaseStatus, outcome: Outcome | None
) -> None:
    if (current, to) not in MOVES:
        raise TransitionRefusedError(
            f"案件当前状态为“{STATUS_LABELS[current]}”，不能改为“{STATUS_LABELS[to]}”",
            code="case_move_not_allowed",
        )
    if to is CaseStatus.closed and outcome is None:
        raise InvalidDataError("结案须写明处理结果", code="outcome_required")
    if to is not CaseStatus.closed and outcome is not None:
        raise InvalidDataError("只有结案时才填写处理结果", code="outcome_only_when_closing")
    if outcome is not None and outcome not in OUTCOMES[kind]:
        raise InvalidDataError(
            f"{KIND_LABELS[kind]}案件不能以此结果结案", code="outcome_not_for_kind"
        )


def case_due_at(kind: CaseKind, received_at: datetime) -> datetime:
    """Statutory limits: a complaint is dealt with within 60 working days (劳动保障监察
    条例 第十七条); mediation that reaches no agreement within 15 days leaves the parties to
    arbitration (劳动争议调解仲裁法 第四十一条)."""
    if kind is CaseKind.complaint:
        return working_days_later(received_at, 60)
    return end_of_day(china_day(received_at) + timedelta(days=15)).astimezone(UTC)
