"""The ticket lifecycle as one table: which action moves a ticket from which states to which.

Pure logic, no I/O. `TicketService.transition` (service.py) is the only caller that applies a
step to a stored ticket; everything here only answers "is this allowed, and where does it go".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, FrozenSet, Tuple

from bot.errors import InvalidInput, InvalidTransition
from bot.ticketing.states import Status

S = Status


class Action(str, enum.Enum):
    dispatch = "dispatch"  # 派单 / 改派 (hotline centre)
    sign = "sign"  # 签收 (department)
    start = "start"  # 开始办理
    note = "note"  # 进展说明 (public or internal); no state change
    resolve = "resolve"  # 办结 with a result
    reject = "reject"  # 退单 with a reason; waits for 改派
    escalate = "escalate"  # 督办; the ticket keeps its state, the timeline records the pressure
    merge = "merge"  # 重复件并案 into another open ticket
    cancel = "cancel"  # 撤单 by the resident
    reopen = "reopen"  # 重办
    rate = "rate"  # 回访评价 1–5: 3–5 closes (归档), 1–2 reopens (重办)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.dispatch: "派单",
    Action.sign: "签收",
    Action.start: "开始办理",
    Action.note: "进展说明",
    Action.resolve: "办结",
    Action.reject: "退单",
    Action.escalate: "督办",
    Action.merge: "并案",
    Action.cancel: "撤单",
    Action.reopen: "重办",
    Action.rate: "回访评价",
}

# States in which the case is still being worked and its deadline runs. A rejected ticket is
# open too, but its clock is paused until the hotline centre re-dispatches it.
RUNNING: FrozenSet[Status] = frozenset({S.accepted, S.dispatched, S.signed, S.in_progress, S.reopened})
OPEN: FrozenSet[Status] = RUNNING | {S.rejected}
FINAL: FrozenSet[Status] = frozenset({S.closed, S.merged, S.cancelled})
SATISFIED_FROM = 3  # a rating of 3–5 closes the case; 1–2 reopens it


@dataclass(frozen=True)
class Step:
    """Where an action may start and where it leads (`None`: the ticket keeps its state)."""

    sources: FrozenSet[Status]
    target: Status | None


TABLE: Dict[Action, Step] = {
    Action.dispatch: Step(frozenset({S.accepted, S.dispatched, S.rejected, S.reopened}), S.dispatched),
    Action.sign: Step(frozenset({S.dispatched, S.reopened}), S.signed),
    Action.start: Step(frozenset({S.signed}), S.in_progress),
    Action.note: Step(OPEN | {S.resolved, S.return_visit}, None),
    Action.resolve: Step(frozenset({S.signed, S.in_progress}), S.resolved),
    Action.reject: Step(frozenset({S.dispatched, S.signed}), S.rejected),
    Action.escalate: Step(OPEN, None),
    Action.merge: Step(OPEN, S.merged),
    Action.cancel: Step(OPEN, S.cancelled),
    Action.reopen: Step(frozenset({S.resolved, S.return_visit, S.closed}), S.reopened),
    # rate is two steps: resolved → 回访 return_visit, then → closed or → reopened by the rating.
    Action.rate: Step(frozenset({S.resolved, S.return_visit}), S.return_visit),
}


def parse_action(value: object) -> Action:
    try:
        return Action(str(value))
    except ValueError as exc:
        names = "、".join(a.value for a in Action)
        raise InvalidInput(f"未知的操作：{value}（可用：{names}）", error_en=f"unknown action '{value}'") from exc


def check(action: Action, current: Status) -> Status:
    """The state `action` leads to from `current`; InvalidTransition (409) when not allowed."""
    step = TABLE[action]
    if current not in step.sources:
        raise InvalidTransition(
            f"工单当前为“{current.label}”，不能{action.label}",
            error_en=f"cannot {action.value} a ticket that is {current.value}",
        )
    return step.target if step.target is not None else current


def after_rating(rating: int) -> Tuple[Action | None, Status]:
    """The second step of a rating: 3–5 → 归档 closed; 1–2 → 重办 reopened."""
    if rating >= SATISFIED_FROM:
        return None, S.closed
    return Action.reopen, S.reopened


def allowed_actions(current: Status) -> Tuple[Action, ...]:
    """Actions possible from `current`, in table order (the workbench shows these buttons)."""
    return tuple(action for action, step in TABLE.items() if current in step.sources)
