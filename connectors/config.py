"""Channel settings from the environment. A channel whose variables are unset is off.

Kept apart from the connectors so `hotline run` can tell which channels are on (and stop early
on a half-configured one) without importing Rasa or python-telegram-bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Optional

TELEGRAM_API = "https://api.telegram.org"
WECHAT_API = "https://api.weixin.qq.com"
LINKAGE_URL = "http://127.0.0.1:8000"  # where residents' photos go as evidence, with HOTLINE_SERVICE_TOKEN
# Rasa's credentials.yml names a custom channel by its class path.
CHANNEL_CLASSES = {"telegram": "connectors.telegram.TelegramInput", "wechat": "connectors.wechat.WeChatInput"}


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    secret_token: str = ""
    api_base_url: str = TELEGRAM_API
    webhook_url: str = ""
    polling: bool = False
    # Where residents' photos go as evidence (the linkage service, with the service token).
    linkage_url: str = LINKAGE_URL
    service_token: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional[TelegramSettings]:
        """None when `TELEGRAM_TOKEN` is unset (the channel is off); a clear error when half-configured."""
        token = env.get("TELEGRAM_TOKEN", "")
        if not token:
            return None
        polling = env.get("TELEGRAM_MODE", "webhook").lower() == "polling"
        secret = env.get("TELEGRAM_SECRET_TOKEN", "")
        if not polling and not secret:
            raise SystemExit(
                "TELEGRAM_SECRET_TOKEN 未设置：Telegram webhook 必须校验密钥（开发时可设 TELEGRAM_MODE=polling）"
            )
        return cls(
            token=token,
            secret_token=secret,
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or TELEGRAM_API).rstrip("/"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL", ""),
            polling=polling,
            linkage_url=(env.get("LINKAGE_URL") or LINKAGE_URL).rstrip("/"),
            service_token=env.get("HOTLINE_SERVICE_TOKEN", ""),
        )


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str
    app_secret: str
    aes_key: str = ""
    api_base_url: str = WECHAT_API
    passive_seconds: float = 4.0
    timestamp_window_seconds: int = 300
    # Where residents' photos go as evidence (the linkage service, with the service token).
    linkage_url: str = LINKAGE_URL
    service_token: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional[WeChatSettings]:
        """None when `WECHAT_TOKEN` is unset (the channel is off); a clear error when half-configured."""
        token = env.get("WECHAT_TOKEN", "")
        if not token:
            return None
        missing = [name for name in ("WECHAT_APP_ID", "WECHAT_APP_SECRET") if not env.get(name)]
        if missing:
            raise SystemExit(f"微信渠道缺少 {', '.join(missing)}（发送客服消息需要）")
        return cls(
            token=token,
            app_id=env["WECHAT_APP_ID"],
            app_secret=env["WECHAT_APP_SECRET"],
            aes_key=env.get("WECHAT_AES_KEY", ""),
            api_base_url=(env.get("WECHAT_API_BASE_URL") or WECHAT_API).rstrip("/"),
            passive_seconds=float(env.get("WECHAT_PASSIVE_SECONDS", "4")),
            linkage_url=(env.get("LINKAGE_URL") or LINKAGE_URL).rstrip("/"),
            service_token=env.get("HOTLINE_SERVICE_TOKEN", ""),
        )


def enabled_channels(env: Mapping[str, str]) -> Dict[str, str]:
    """`{"telegram": "webhook", "wechat": "安全模式"}` for the channels that are configured."""
    on: Dict[str, str] = {}
    telegram = TelegramSettings.from_env(env)
    if telegram is not None:
        on["telegram"] = "polling" if telegram.polling else "webhook"
    wechat = WeChatSettings.from_env(env)
    if wechat is not None:
        on["wechat"] = "安全模式" if wechat.aes_key else "明文模式"
    return on
