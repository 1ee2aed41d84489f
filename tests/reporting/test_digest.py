"""The officials' daily digest: what it says, and its push to Telegram through a local stand-in Bot API."""

import asyncio
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.accounts.roles import Principal, Role
from bot.citypack import DEFAULT_PACK
from bot.cli import main
from bot.reporting.digest import daily_digest, send_telegram
from bot.reporting.hotspots import load_policy
from bot.reporting.service import Reports
from bot.ticketing.lifecycle import Action
from bot.ticketing.service import TransitionRequest
from tests.ticketing.test_service import complaint

TOKEN = "123456:TEST-token"
NOISE = [
    "楼下广场舞音响太大",
    "隔壁KTV半夜还在唱歌",
    "酒吧门口每晚吵到两点",
    "商铺喇叭循环喊促销",
    "楼上邻居天天半夜跺脚",
]


@pytest.fixture
async def bot_api():
    """A stand-in Telegram Bot API: records every sendMessage, answers like Telegram."""
    sent = []

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != f"bot{TOKEN}":
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if method == "getMe":
            return web.json_response(
                {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "热线", "username": "hotline_bot"}}
            )
        form = dict(await request.post()) if request.content_type != "application/json" else await request.json()
        sent.append(form)
        message = {"message_id": len(sent), "date": 0, "chat": {"id": int(form["chat_id"]), "type": "group"}}
        return web.json_response({"ok": True, "result": {**message, "text": form["text"]}})

    app = web.Application()
    app.router.add_post("/{token}/{method}", handle)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), sent
    await server.close()


async def busy_day(service, clock):
    for i, said in enumerate(NOISE):
        await service.create(
            complaint(
                idempotency_key=f"digest-{i:08d}",
                category="living_noise",
                address=f"宝山北路{i + 3}号",
                description=said,
            )
        )
    late, _ = await service.create(complaint(idempotency_key="digest-late-0001"))
    done, _ = await service.create(
        complaint(idempotency_key="digest-done-0001", address="省府路8号", description="省府路商场安全出口被货物堵住")
    )
    staff = Principal("fire01", Role.department, "fire_rescue")
    await service.transition(done.number, staff, TransitionRequest(Action.sign))
    await service.transition(done.number, staff, TransitionRequest(Action.resolve, note="已清理"))
    return late


async def test_the_digest_tells_new_resolved_overdue_and_hotspots(service, clock):
    late = await busy_day(service, clock)
    reports = Reports(service, load_policy(DEFAULT_PACK / "reporting.yml", service.pack.taxonomy.codes()))
    clock.moment += timedelta(hours=1)
    text = await daily_digest(reports)
    assert "近24小时新受理 7 件，办结 1 件；当前超期未办结 0 件" in text
    clock.moment = late.due_at + timedelta(hours=1)
    text = await daily_digest(reports)
    assert "当前超期未办结 1 件" in text and "超期较多的单位：区消防救援大队 1 件" in text
    assert "宝山社区·噪音扰民 5 件" in text
    assert "13985012345" not in text


async def test_the_digest_is_pushed_to_the_configured_telegram_chat(service, clock, bot_api):
    base, sent = bot_api
    await busy_day(service, clock)
    reports = Reports(service, load_policy(DEFAULT_PACK / "reporting.yml", service.pack.taxonomy.codes()))
    text = await daily_digest(reports)
    await send_telegram(text, TOKEN, "-100200300", base)
    assert len(sent) == 1 and sent[0]["chat_id"] == "-100200300" and sent[0]["text"] == text


async def test_hotline_digest_prints_and_sends(bot_api, tmp_path, monkeypatch, capsys):
    base, sent = bot_api
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'digest.sqlite3'}")
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", base)
    monkeypatch.setenv("DIGEST_TELEGRAM_CHAT_ID", "4242")
    code = await asyncio.get_running_loop().run_in_executor(None, main, ["digest", "--send"])
    out = capsys.readouterr()
    assert code == 0 and "12319热线每日简报" in out.out and "暂无热点" in out.out
    assert len(sent) == 1 and sent[0]["chat_id"] == "4242"

    monkeypatch.delenv("DIGEST_TELEGRAM_CHAT_ID")
    assert main(["digest", "--send"]) == 2
    assert "DIGEST_TELEGRAM_CHAT_ID" in capsys.readouterr().err
