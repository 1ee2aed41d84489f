"""Roles and what each may do. Pure logic, no I/O.

- admin: everything.
- official (领导): reads every ticket, presses on any case (督办), adds notes.
- operator (热线中心话务员/派单员): the triage queue, dispatch and re-dispatch, merge,
  cancel or rate on a resident's behalf, reopen.
- department (承办单位工作人员): only the tickets of their own department: sign, start,
  note, resolve, reject. Staff of the hotline centre's own department count as operators too.
- service (machine-to-machine, e.g. the action server): opens tickets, reads a resident's
  own tickets, cancels or rates for the resident whose `sender_id` it names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, FrozenSet

from bot.errors import InvalidInput
from bot.ticketing.lifecycle import Action

A = Action


class Role(str, enum.Enum):
    admin = "admin"
    official = "official"
    operator = "operator"
    department = "department"
    service = "service"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.admin: "管理员",
    Role.official: "领导",
    Role.operator: "热线中心",
    Role.department: "承办单位",
    Role.service: "系统服务",
}

PERMITTED: Dict[Role, FrozenSet[Action]] = {
    Role.admin: frozenset(Action),
    Role.official: frozenset({A.escalate, A.note}),
    Role.operator: frozenset({A.dispatch, A.escalate, A.merge, A.cancel, A.reopen, A.rate, A.note}),
    Role.department: frozenset({A.sign, A.start, A.note, A.resolve, A.reject}),
    Role.service: frozenset({A.cancel, A.rate}),
}


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        names = "、".join(r.value for r in Role)
        raise InvalidInput(f"未知的角色：{value}（可用：{names}）", error_en=f"unknown role '{value}'") from exc


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in staff member, a token's holder, or the system itself."""

    name: str
    role: Role
    department: str | None = None
    triage_department: str | None = None  # the hotline centre's code, from the city pack

    @property
    def is_centre(self) -> bool:
        """Hotline-centre staff: operators, admins, and staff of the centre's own department."""
        return self.role in (Role.operator, Role.admin) or (
            self.role is Role.department and self.department is not None and self.department == self.triage_department
        )

    @property
    def sees_all_departments(self) -> bool:
        return self.role is not Role.department or self.is_centre

    @property
    def sees_contacts(self) -> bool:
        """Phone numbers in clear: the people who call the resident back. Others see them masked."""
        return self.role in (Role.admin, Role.operator, Role.department)

    def may(self, action: Action) -> bool:
        allowed = PERMITTED[self.role]
        if self.is_centre:
            allowed = allowed | PERMITTED[Role.operator]
        return action in allowed

    def may_see(self, department_code: str) -> bool:
        return self.sees_all_departments or department_code == self.department


SYSTEM = Principal("system", Role.admin)
