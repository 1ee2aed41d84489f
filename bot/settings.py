"""Settings from the environment (and `.env`, where the environment has not set a value)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping

from bot.citypack import DEFAULT_PACK

ROOT = Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> Dict[str, str]:
    """`KEY=value` lines of a .env file; comments and blank lines skipped."""
    values: Dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_env(path: Path = ROOT / ".env") -> None:
    """Put `.env` values into os.environ; variables already set in the environment win."""
    for key, value in read_env_file(path).items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    database_url: str
    service_token: str
    rasa_url: str
    city_pack: Path
    host: str = "127.0.0.1"
    port: int = 8000
    session_secret: str = ""
    max_body_bytes: int = 64 * 1024
    scheduler_seconds: float = 60.0  # how often deadlines are checked (预警/督办); 0 turns it off
    rasa_token: str = ""  # for pushing progress to residents (bot/notify); empty → no pushes
    notify_interval_seconds: float = 3.0
    # A chat handed to a clerk that nobody takes within this many minutes goes back to the bot (人工转接).
    handoff_unanswered_minutes: float = 30.0
    # The Rasa model behind the operator console's suggestions, loaded once at start-up; None: no suggestions.
    suggest_model: Path | None = None
    # Residents' photos (evidence) are kept here as files, never in the database.
    attachments_dir: Path = ROOT / "var" / "attachments"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get("HOTLINE_SERVICE_TOKEN", "")
        if len(token) < 16:
            raise SystemExit("HOTLINE_SERVICE_TOKEN 未设置或太短（至少 16 个字符）：请先运行 make run 生成 .env")
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'hotline.sqlite3'}",
            service_token=token,
            rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005"),
            city_pack=Path(env.get("HOTLINE_CITY_PACK", str(DEFAULT_PACK))),
            host=env.get("HOTLINE_HOST", "127.0.0.1"),
            port=int(env.get("HOTLINE_PORT", "8000")),
            session_secret=env.get("HOTLINE_SESSION_SECRET", "") or token,
            scheduler_seconds=_seconds(env.get("HOTLINE_SCHEDULER_SECONDS", "60")),
            rasa_token=env.get("RASA_TOKEN", ""),
            notify_interval_seconds=float(env.get("NOTIFY_INTERVAL_SECONDS", "3")),
            handoff_unanswered_minutes=_minutes(env.get("HANDOFF_UNANSWERED_MINUTES", "30")),
            suggest_model=_suggest_model(env),
            attachments_dir=Path(env.get("HOTLINE_ATTACHMENTS_DIR") or ROOT / "var" / "attachments"),
        )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise SystemExit(f"HOTLINE_SCHEDULER_SECONDS 应为秒数，而不是 '{text}'") from exc
    if value < 0:
        raise SystemExit("HOTLINE_SCHEDULER_SECONDS 不能为负数")
    return value


def _suggest_model(env: Mapping[str, str]) -> Path | None:
    """HOTLINE_SUGGEST_MODEL (a path, or `off`); by default the model `make train` writes, when it exists."""
    value = env.get("HOTLINE_SUGGEST_MODEL", "")
    if value.lower() in ("off", "0", "false", "no"):
        return None
    path = Path(value) if value else ROOT / "models" / "hotline.tar.gz"
    return path if path.exists() else None


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise SystemExit(f"HANDOFF_UNANSWERED_MINUTES 应为分钟数，而不是 '{text}'") from exc
    if value <= 0:
        raise SystemExit("HANDOFF_UNANSWERED_MINUTES 应大于 0")
    return value
