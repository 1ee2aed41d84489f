"""Exports of a filtered list (CSV, Excel) with personal data masked.

CSV is streamed to the browser chunk by chunk while the database streams rows, so 100,000
rows never sit in memory; Excel (openpyxl write-only) is built in a worker thread from the
streamed rows and then sent as one file.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterable, List, Sequence

from bot.citypack import CityPack
from bot.clock import local
from bot.privacy import mask_phone, mask_text
from bot.taxonomy import APPEAL_TYPES
from bot.ticketing.lifecycle import RUNNING
from bot.ticketing.models import Ticket
from bot.ticketing.states import Status

HEADER = (
    "工单编号",
    "状态",
    "诉求类型",
    "事项类别",
    "社区",
    "地址",
    "诉求内容",
    "联系电话",
    "承办单位",
    "受理时间",
    "办理时限",
    "是否超期",
    "督办次数",
    "满意度",
)
COLUMNS: Sequence[Any] = (
    Ticket.number,
    Ticket.status,
    Ticket.appeal_type,
    Ticket.category,
    Ticket.community,
    Ticket.address_full,
    Ticket.description,
    Ticket.contact_phone,
    Ticket.department_code,
    Ticket.accepted_at,
    Ticket.due_at,
    Ticket.escalations,
    Ticket.rating,
)
MAX_DESCRIPTION = 500


def _time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    return local(moment).strftime("%Y-%m-%d %H:%M")


def masked_row(row: Sequence[Any], pack: CityPack, now: datetime) -> List[Any]:
    """One exported line: names instead of codes, phones and ID numbers masked."""
    number, status, appeal, category, community, address, description, phone, department, accepted, due = row[:11]
    escalations, rating = row[11], row[12]
    if due is not None and due.tzinfo is None:
        from datetime import timezone

        due = due.replace(tzinfo=timezone.utc)
    overdue = Status(status) in RUNNING and due is not None and due < now
    return [
        number,
        Status(status).label,
        APPEAL_TYPES.get(appeal, appeal),
        pack.taxonomy.get(category).name,
        pack.communities[community].name if community in pack.communities else "",
        mask_text(address or ""),
        mask_text((description or "")[:MAX_DESCRIPTION]),
        mask_phone(phone) or "",
        pack.departments[department].name if department in pack.departments else department,
        _time(accepted),
        _time(due),
        "是" if overdue else "否",
        escalations or 0,
        rating if rating is not None else "",
    ]


def csv_chunk(rows: Iterable[List[Any]], header: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def excel_file(rows: Iterable[List[Any]], path: str, title: str) -> None:
    """Write an .xlsx in openpyxl's write-only mode (constant memory per row)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "工单")
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
