"""Pure card rules: the card number check character and the lifecycle transition table."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum

from cardsvc.errors import InvalidDataError, TransitionRefusedError

_CARD_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # value = index: 0-9, A=10 … Z=35


def card_check_character(first8: str) -> str:
    """GB 11714-style check character: C = 11 − (Σ value × weight mod 11); 10 → X, 11 → 0."""
    if len(first8) != 8 or any(ch not in _ALPHABET for ch in first8):
        raise InvalidDataError("卡号前8位应为数字或大写字母", code="invalid_card_number")
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(first8, _CARD_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def normalise_card_number(text: str) -> str:
    """The number in upper case, or ``InvalidDataError`` saying what is wrong with it."""
    number = text.strip().upper()
    if len(number) != 9:
        raise InvalidDataError("社会保障卡卡号应为9位", code="invalid_card_number")
    if card_check_character(number[:8]) != number[8]:
        raise InvalidDataError("社会保障卡卡号校验位不正确，请核对", code="invalid_card_number")
    return number


_CARD_ID_PATTERN = re.compile(r"^[0-9]{6}D156000005[0-9A-F]{16}$")


def normalise_card_identification_code(text: str) -> str:
    """32 hex digits: region (BCD) ‖ RID D156000005 ‖ 8 bytes (profile §4)."""
    code = text.strip().upper()
    if not _CARD_ID_PATTERN.match(code):
        raise InvalidDataError("卡识别码格式不正确", code="invalid_card_identification_code")
    return code


class CardState(StrEnum):
    in_production = "in_production"
    issued = "issued"  # personalised, not yet handed over and activated
    normal = "normal"
    temporarily_lost = "temporarily_lost"
    lost = "lost"
    locked = "locked"
    superseded = "superseded"  # replaced or renewed: the new card was activated
    cancelled = "cancelled"  # death, emigration


class CardEvent(StrEnum):
    issue = "issue"
    activate = "activate"
    report_temporary_loss = "report_temporary_loss"
    lapse_temporary_loss = "lapse_temporary_loss"
    report_loss = "report_loss"  # also formalises a temporary loss
    lift_loss = "lift_loss"
    lock = "lock"
    unlock = "unlock"
    supersede = "supersede"
    cancel = "cancel"


S, E = CardState, CardEvent

TRANSITIONS: dict[tuple[CardState, CardEvent], CardState] = {
    (S.in_production, E.issue): S.issued,
    (S.issued, E.activate): S.normal,
    (S.normal, E.report_temporary_loss): S.temporarily_lost,
    (S.temporarily_lost, E.lapse_temporary_loss): S.normal,
    (S.temporarily_lost, E.report_loss): S.lost,
    (S.normal, E.report_loss): S.lost,
    (S.lost, E.lift_loss): S.normal,
    (S.temporarily_lost, E.lift_loss): S.normal,
    (S.normal, E.lock): S.locked,
    (S.locked, E.unlock): S.normal,
    **{
        (state, E.supersede): S.superseded
        for state in (S.normal, S.temporarily_lost, S.lost, S.locked)
    },
    **{
        (state, E.cancel): S.cancelled
        for state in (S.in_production, S.issued, S.normal, S.temporarily_lost, S.lost, S.locked)
    },
}

# Profile §8 back-office status codes.
PROFILE_STATUS: dict[CardState, str] = {
    S.in_production: "0",
    S.issued: "0",
    S.normal: "1",
    S.lost: "2",
    S.locked: "3",
    S.temporarily_lost: "4",
    S.superseded: "9",
    S.cancelled: "9",
}

# The card a resident holds: at most one, enforced by a partial unique index.
USABLE: frozenset[CardState] = frozenset({S.normal, S.temporarily_lost, S.locked})
# A card on its way to the resident: at most one, also enforced by the database.
PENDING: frozenset[CardState] = frozenset({S.in_production, S.issued})
# A terminal must refuse these cards.
BLACKLISTED: frozenset[CardState] = frozenset(
    {S.temporarily_lost, S.lost, S.locked, S.superseded, S.cancelled}
)
FINAL: frozenset[CardState] = frozenset({S.superseded, S.cancelled})
# Replacement (补卡) of a lost, damaged or locked card; a temporary loss must be formalised first.
REPLACEABLE: frozenset[CardState] = frozenset({S.lost, S.normal, S.locked})
RENEWAL_WINDOW = timedelta(days=90)

_STATE_NAMES = {
    S.in_production: "制卡中",
    S.issued: "已制卡未启用",
    S.normal: "正常",
    S.temporarily_lost: "临时挂失",
    S.lost: "挂失",
    S.locked: "应用锁定",
    S.superseded: "已补换",
    S.cancelled: "注销",
}


def next_state(state: CardState, event: CardEvent) -> CardState:
    """The state after ``event``, or ``TransitionRefusedError`` saying why in Chinese."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise TransitionRefusedError(
            f"卡片当前状态为“{_STATE_NAMES[state]}”，不能办理此项业务",
            code=f"refused_{event.value}",
        ) from None


def temporary_loss_lapsed(
    state: CardState, reported_at: datetime | None, now: datetime, period: timedelta
) -> bool:
    return state is S.temporarily_lost and reported_at is not None and now >= reported_at + period


def renewable(state: CardState, expires_on: date | None, today: date) -> bool:
    return state is S.normal and expires_on is not None and expires_on - today <= RENEWAL_WINDOW
