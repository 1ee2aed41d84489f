"""The whole product as `make run` starts it, with Telegram and WeChat pointed at the local
stand-ins: used by the channel full-stack tests and by the WeChat benchmark."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_TOKEN = "123456:fullstack-telegram-token"
TELEGRAM_SECRET = "fullstack-telegram-secret"
WECHAT = {
    "WECHAT_TOKEN": "fullstack-wechat-token",
    "WECHAT_APP_ID": "wxfullstack000001",
    "WECHAT_APP_SECRET": "wx-secret",
}
RASA_TOKEN = "fullstack-rasa-token"


def require_model() -> None:
    """The full stack needs the trained model; `make test` trains it first."""
    if not (ROOT / "models" / "hotline.tar.gz").exists():
        raise RuntimeError("models/hotline.tar.gz is missing: `make test` trains it first")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StandinThread:
    """`tests.standins` (Bot API + WeChat) served from a thread with its own event loop."""

    def __init__(self, env: Dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.loop = asyncio.new_event_loop()
        self.app: web.Application | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        from tests.standins.__main__ import build_app

        asyncio.set_event_loop(self.loop)
        self.app = build_app(self.env)
        runner = web.AppRunner(self.app)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> StandinThread:
        self.thread.start()
        self.ready.wait(10)
        return self

    def run(self, coroutine: Any, timeout: float = 120) -> Any:
        """Run a coroutine on the stand-ins' loop (where their aiohttp objects live)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


@dataclass
class Stack:
    process: subprocess.Popen
    env: Dict[str, str]
    var: Path
    standins: StandinThread

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def standin_url(self) -> str:
        return f"http://127.0.0.1:{self.standins.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)
        self.standins.stop()


def start_stack(var: Path, wechat_passive_seconds: str = "4", extra: Dict[str, str] | None = None) -> Stack:
    standin_port = free_port()
    standin = f"http://127.0.0.1:{standin_port}"
    env = {
        **os.environ,
        "HOTLINE_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_SERVICE_TOKEN": "fullstack-service-token-0123456789",
        "RASA_TOKEN": RASA_TOKEN,
        "HOTLINE_SESSION_SECRET": "fullstack-session",
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": standin,
        **WECHAT,
        "WECHAT_API_BASE_URL": standin,
        "WECHAT_PASSIVE_SECONDS": wechat_passive_seconds,
        "NOTIFY_INTERVAL_SECONDS": "1",
        **(extra or {}),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "LINKAGE_URL", "RASA_URL", "OUTBOX_PATH"):
        env.pop(name, None)
    standins = StandinThread(env, standin_port).start()
    log = (var / "run.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "hotline"), "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 240
    while "全部服务已启动" not in (var / "run.log").read_text(encoding="utf-8", errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            standins.stop()
            raise RuntimeError("hotline run did not come up:\n" + (var / "run.log").read_text(errors="replace")[-4000:])
        time.sleep(1)
    return Stack(process, env, var, standins)
