"""The officials' daily digest (每日简报): new, resolved, overdue, hotspots — and its Telegram push."""

from __future__ import annotations

from datetime import timedelta
from typing import List

from bot.clock import format_local, local
from bot.reporting.filters import ReportFilter
from bot.reporting.service import Reports

TELEGRAM_LIMIT = 4096  # characters per Telegram message


async def daily_digest(reports: Reports, max_overdue_departments: int = 5, max_hotspots: int = 5) -> str:
    now = reports.now()
    since = now - timedelta(hours=24)
    pack = reports.tickets.pack
    new = await reports.accepted_between(since, now)
    resolved = await reports.tickets_with_event("resolve", since, now)
    overdue = await reports.overdue_count(ReportFilter())
    stats = await reports.department_stats(ReportFilter())
    worst = sorted((s for s in stats if s.overdue_open), key=lambda s: -s.overdue_open)[:max_overdue_departments]
    spots = await reports.hotspots()
    lines: List[str] = [
        f"【{pack.district}12319热线每日简报】{local(now):%Y年%m月%d日} {local(now):%H:%M}",
        f"近24小时新受理 {new} 件，办结 {resolved} 件；当前超期未办结 {overdue} 件。",
    ]
    if worst:
        lines.append(
            "超期较多的单位：" + "；".join(f"{pack.departments[s.code].name} {s.overdue_open} 件" for s in worst)
        )
    if spots:
        lines.append(f"热点（{reports.policy.window_days}天内同一社区同类诉求≥{reports.policy.min_tickets}件）：")
        for spot in spots[:max_hotspots]:
            community = pack.communities[spot.community].name if spot.community in pack.communities else spot.community
            lines.append(
                f"· {community}·{reports.matter_name(spot.matter)} {spot.count} 件"
                f"（最近一件 {format_local(spot.last_at)}，如 {spot.numbers[0]}）"
            )
    else:
        lines.append("暂无热点。")
    lines.append("详情请登录领导看板 /dashboard 查看。")
    return "\n".join(lines)


async def send_telegram(text: str, token: str, chat_id: str, api_base_url: str) -> None:
    """Send through python-telegram-bot; `api_base_url` lets tests and self-hosted Bot API servers stand in."""
    from telegram import Bot

    base = api_base_url.rstrip("/")
    async with Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot") as bot:
        await bot.send_message(chat_id=chat_id, text=text[:TELEGRAM_LIMIT])
