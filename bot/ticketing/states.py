"""Ticket states (状态) and their Chinese names. Open311 sees `open` until 办结."""

from __future__ import annotations

import enum


class Status(str, enum.Enum):
    accepted = "accepted"  # 受理
    dispatched = "dispatched"  # 派单
    signed = "signed"  # 签收
    in_progress = "in_progress"  # 办理中
    resolved = "resolved"  # 办结
    return_visit = "return_visit"  # 回访
    closed = "closed"  # 归档
    rejected = "rejected"  # 退单
    merged = "merged"  # 重复
    cancelled = "cancelled"  # 撤单
    reopened = "reopened"  # 重办

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_open(self) -> bool:
        """Open311 `open`: everything before 办结."""
        return self not in (
            Status.resolved,
            Status.return_visit,
            Status.closed,
            Status.merged,
            Status.cancelled,
        )


LABELS = {
    Status.accepted: "已受理",
    Status.dispatched: "已派单",
    Status.signed: "已签收",
    Status.in_progress: "办理中",
    Status.resolved: "已办结",
    Status.return_visit: "回访中",
    Status.closed: "已归档",
    Status.rejected: "退单待改派",
    Status.merged: "已合并",
    Status.cancelled: "已撤单",
    Status.reopened: "重办中",
}
