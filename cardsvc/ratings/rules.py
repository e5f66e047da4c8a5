"""The five levels of the government service rating (政务服务“好差评”)."""

from __future__ import annotations

from enum import IntEnum


class Score(IntEnum):
    very_dissatisfied = 1  # 非常不满意
    dissatisfied = 2  # 不满意
    fair = 3  # 基本满意
    satisfied = 4  # 满意
    very_satisfied = 5  # 非常满意


SATISFIED = frozenset({Score.fair, Score.satisfied, Score.very_satisfied})
