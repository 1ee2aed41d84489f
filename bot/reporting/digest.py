"""The officials' daily digest (每日简报): new, resolved, overdue, hotspots — pushed to a Telegram
chat and to officials' WeChat accounts (customer-service messages of the Official Account)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import List, Mapping, Tuple

from bot.clock import format_local, local
from bot.privacy import mask_text
from bot.reporting.filters import ReportFilter
from bot.reporting.service import Reports

TELEGRAM_LIMIT = 4096  # characters per Telegram message
TELEGRAM_API = "https://api.telegram.org"
WECHAT_API = "https://api.weixin.qq.com"
CREDENTIAL_ERRORS = {40001, 40013, 40125, 40164, 41002, 41004}  # wrong AppID/AppSecret, or server IP not whitelisted


@dataclass(frozen=True)
class DigestTargets:
    """Where `hotline digest --send` delivers, from the environment (next to the channels' own settings)."""

    telegram_token: str = ""
    telegram_chat: str = ""
    telegram_api: str = TELEGRAM_API
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_openids: Tuple[str, ...] = ()
    wechat_api: str = WECHAT_API

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DigestTargets:
        openids = env.get("DIGEST_WECHAT_OPENIDS", "").replace("，", ",").replace(" ", ",").split(",")
        return cls(
            telegram_token=env.get("TELEGRAM_TOKEN", ""),
            telegram_chat=env.get("DIGEST_TELEGRAM_CHAT_ID", "").strip(),
            telegram_api=(env.get("TELEGRAM_API_BASE_URL") or TELEGRAM_API).rstrip("/"),
            wechat_app_id=env.get("WECHAT_APP_ID", ""),
            wechat_app_secret=env.get("WECHAT_APP_SECRET", ""),
            wechat_openids=tuple(dict.fromkeys(o.strip() for o in openids if o.strip())),
            wechat_api=(env.get("WECHAT_API_BASE_URL") or WECHAT_API).rstrip("/"),
        )

    def problems(self) -> List[str]:
        """What keeps the digest from being sent: nothing configured, or a target half-configured."""
        found = []
        if self.telegram_chat and not self.telegram_token:
            found.append("已设置 DIGEST_TELEGRAM_CHAT_ID，但缺少 TELEGRAM_TOKEN")
        if self.wechat_openids and not (self.wechat_app_id and self.wechat_app_secret):
            found.append("已设置 DIGEST_WECHAT_OPENIDS，但缺少 WECHAT_APP_ID 或 WECHAT_APP_SECRET")
        if not self.telegram_chat and not self.wechat_openids:
            found.append(
                "没有推送对象：请设置 DIGEST_TELEGRAM_CHAT_ID（Telegram 会话，需 TELEGRAM_TOKEN）"
                "和/或 DIGEST_WECHAT_OPENIDS（领导微信 openid，逗号分隔，需 WECHAT_APP_ID、WECHAT_APP_SECRET）"
            )
        return found


def mask_openid(openid: str) -> str:
    """An openid identifies a person: logs and terminals show only its ends."""
    return openid if len(openid) <= 8 else f"{openid[:4]}****{openid[-2:]}"


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


async def send_wechat(
    text: str, openids: Tuple[str, ...], app_id: str, app_secret: str, api_base_url: str
) -> List[str]:
    """Send to each official's WeChat; returns one Chinese line per official it could not reach.

    Customer-service messages reach only someone who wrote to the Official Account in the last
    48 hours (error 45015 otherwise), so an official who has not is told what to do, and the
    others still get the digest."""
    import asyncio

    import aiohttp

    from connectors.wechat_api import OutsideReplyWindow, WeChatAPIError, WeChatClient

    failures: List[str] = []
    client = WeChatClient(api_base_url, app_id, app_secret, timeout=10.0)
    try:
        for openid in openids:
            who = f"微信用户 {mask_openid(openid)} 未收到"
            try:
                await client.send_text(openid, mask_text(text))
            except OutsideReplyWindow:
                failures.append(
                    f"{who}：该用户 48 小时内没有给公众号发过消息，微信不允许主动推送（错误 45015）。"
                    "请这位领导先在公众号里发送任意一条消息（如“简报”），此后 48 小时内的简报都能收到；"
                    "每天收简报的，每两天内发一条即可。"
                )
            except WeChatAPIError as exc:
                hint = (
                    "请检查 WECHAT_APP_ID、WECHAT_APP_SECRET 和公众号后台的 IP 白名单"
                    if exc.code in CREDENTIAL_ERRORS
                    else "请稍后重试"
                )
                failures.append(f"{who}：微信接口返回错误 {exc.code}，{hint}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                failures.append(f"{who}：连不上微信接口（{type(exc).__name__}），请检查网络和 WECHAT_API_BASE_URL")
    finally:
        await client.close()
    return failures
