"""`hotline run`: start the linkage service, the action server and Rasa; stop all on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

from bot.classify import newest_model
from bot.cli import init_env
from bot.settings import ROOT, load_env

BIN = Path(sys.executable).parent


def var_dir(env: Dict[str, str]) -> Path:
    """Where the embedded databases, the outbox and the generated endpoints live."""
    return Path(env.get("HOTLINE_VAR_DIR") or ROOT / "var")


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    process: subprocess.Popen | None = None


def endpoints_file(env: Dict[str, str]) -> Path:
    """var/endpoints.yml: embedded SQLite tracker store by default; PostgreSQL and Redis when set."""
    var = var_dir(env)
    config = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    config["action_endpoint"]["url"] = f"http://127.0.0.1:{env.get('ACTIONS_PORT', '5055')}/webhook"
    config["tracker_store"]["db"] = str(var / "rasa_tracker.sqlite3")
    database_url = env.get("DATABASE_URL", "")
    if database_url.startswith(("postgresql", "postgres")):
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        config["tracker_store"] = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "db": url.database,
            "username": url.username or "postgres",
            "password": url.password or "",
        }
    redis_url = env.get("REDIS_URL")
    if redis_url:
        from urllib.parse import urlparse

        parsed = urlparse(redis_url)
        config["lock_store"] = {
            "type": "redis",
            "url": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 6379,
            "db": int((parsed.path or "/0").lstrip("/") or 0),
            "password": parsed.password,
            "key_prefix": "hotline",
        }
    var.mkdir(parents=True, exist_ok=True)
    path = var / "endpoints.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def credentials_file(env: Dict[str, str]) -> Path:
    """var/credentials.yml: the channels of credentials.yml plus Telegram and WeChat when their
    variables are set (the connectors read their settings from the environment)."""
    from connectors.config import CHANNEL_CLASSES, enabled_channels

    config = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    for channel in enabled_channels(env):
        config[CHANNEL_CLASSES[channel]] = None
    var = var_dir(env)
    var.mkdir(parents=True, exist_ok=True)
    path = var / "credentials.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def services(
    env: Dict[str, str], endpoints: Path, model: Path, shell: bool, credentials: Path | None = None
) -> List[Service]:
    rasa_port = env.get("RASA_PORT", "5005")
    linkage = Service(
        "联动系统 linkage service",
        [str(BIN / "hotline"), "serve"],
        f"http://127.0.0.1:{env.get('HOTLINE_PORT', '8000')}/health",
    )
    actions = Service(
        "动作服务 action server",
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", env.get("ACTIONS_PORT", "5055")],
        f"http://127.0.0.1:{env.get('ACTIONS_PORT', '5055')}/health",
    )
    if shell:
        return [linkage, actions]
    rasa = Service(
        "Rasa 对话服务",
        [
            str(BIN / "rasa"), "run", "--enable-api", "--auth-token", env["RASA_TOKEN"], "--model", str(model),
            "--endpoints", str(endpoints), "--credentials", str(credentials or ROOT / "credentials.yml"),
            "--port", rasa_port,
        ],
        f"http://127.0.0.1:{rasa_port}/status?token={env['RASA_TOKEN']}",
    )  # fmt: skip
    return [linkage, actions, rasa]


def stop(running: List[Service]) -> None:
    for service in running:
        if service.process and service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for service in running:
        if service.process:
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()


def run_all(shell: bool = False) -> int:
    init_env()
    load_env()
    env = dict(os.environ)
    model = newest_model()
    if model is None:
        print("没有找到已训练的模型，请先运行 make train。", file=sys.stderr)
        return 2
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SANIC_HOST", "127.0.0.1")
    # The three processes find each other on this machine unless told otherwise.
    var = var_dir(env)
    env.setdefault("DATABASE_URL", f"sqlite:///{var / 'hotline.sqlite3'}")
    env.setdefault("OUTBOX_PATH", str(var / "outbox.sqlite3"))
    env.setdefault("LINKAGE_URL", f"http://127.0.0.1:{env.get('HOTLINE_PORT', '8000')}")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}")
    endpoints = endpoints_file(env)
    credentials = credentials_file(env)  # stops here with a clear message if a channel is half-configured
    started: List[Service] = []
    interrupted = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for service in services(env, endpoints, model, shell, credentials):
            print(f"启动 {service.name} …", flush=True)
            service.process = subprocess.Popen(service.command, cwd=ROOT, env=env)
            started.append(service)
        deadline = time.monotonic() + 180
        waiting = list(started)
        while waiting and not interrupted:
            for service in list(waiting):
                if service.process and service.process.poll() is not None:
                    print(f"{service.name} 启动失败（退出码 {service.process.returncode}），请查看上面的日志。")
                    return 1
                if _healthy(service.health_url):
                    waiting.remove(service)
            if time.monotonic() > deadline:
                print("服务启动超时：" + "、".join(s.name for s in waiting))
                return 1
            time.sleep(0.5)
        if interrupted:
            return 130
        if shell:
            return subprocess.call(
                [str(BIN / "rasa"), "shell", "--model", str(model), "--endpoints", str(endpoints)], cwd=ROOT, env=env
            )
        _print_urls(env)
        while not interrupted:
            for service in started:
                if service.process and service.process.poll() is not None:
                    print(f"{service.name} 已退出（退出码 {service.process.returncode}），正在停止其他服务。")
                    return 1
            time.sleep(0.5)
        print("\n正在停止全部服务 …")
        return 0
    finally:
        stop(started)


def channel_lines(env: Dict[str, str]) -> List[str]:
    """Which channels are on (and where their webhooks are), and which are off for lack of settings."""
    from connectors.config import enabled_channels

    rasa = f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}"
    on = enabled_channels(env)
    lines = [f"  已开启渠道：网页对话 /chat、rest、socketio、{'、'.join(on) or '（Telegram、微信未配置）'}"]
    if "telegram" in on:
        how = "轮询（开发模式）" if on["telegram"] == "polling" else f"webhook {rasa}/webhooks/telegram/webhook"
        lines.append(
            f"  Telegram          {how}；Bot API {env.get('TELEGRAM_API_BASE_URL') or 'https://api.telegram.org'}"
        )
    if "wechat" in on:
        lines.append(
            f"  微信公众号        {rasa}/webhooks/wechat/webhook（{on['wechat']}）；"
            f"接口 {env.get('WECHAT_API_BASE_URL') or 'https://api.weixin.qq.com'}"
        )
    off = [name for name, var in (("Telegram", "TELEGRAM_TOKEN"), ("微信", "WECHAT_TOKEN")) if not env.get(var)]
    if off:
        lines.append(f"  未开启：{'、'.join(off)}（在 .env 中设置 TELEGRAM_TOKEN… / WECHAT_TOKEN… 即可开启）")
    return lines


def _print_urls(env: Dict[str, str]) -> None:
    linkage = f"http://127.0.0.1:{env.get('HOTLINE_PORT', '8000')}"
    rasa = f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}"
    print(
        "\n全部服务已启动：\n"
        f"  网页对话（居民）  {linkage}/chat\n"
        f"  联动系统 API      {linkage}/api/v1/  （Bearer 令牌见 .env 中 HOTLINE_SERVICE_TOKEN）\n"
        f"  Open311 接口      {linkage}/open311/v2/services.json\n"
        f"  健康检查          {linkage}/health\n"
        f"  Rasa REST 通道    {rasa}/webhooks/rest/webhook\n"
        f"  动作服务          http://127.0.0.1:{env.get('ACTIONS_PORT', '5055')}/health\n"
        f"  工作人员登录      {linkage}/login\n"
        "                    （承办单位 /workbench、坐席 /console、领导看板 /dashboard、知识库 /knowledge）\n"
        "  演示账号和工单：.venv/bin/hotline seed-demo（首次使用）\n"
        + "\n".join(channel_lines(env))
        + "\n按 Ctrl-C 停止全部服务。",
        flush=True,
    )
