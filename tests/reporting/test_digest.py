"""The officials' daily digest: what it says, and its push to Telegram through a local stand-in Bot API."""

import asyncio
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.accounts.roles import Principal, Role
from bot.citypack import DEFAULT_PACK
from bot.cli import main
from bot.reporting.digest import daily_digest, send_telegram, send_wechat
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


LEADERS = ("oLeader1-AAAAAAAAAAAAAAAAAAA1", "oLeader2-BBBBBBBBBBBBBBBBBBB2")


@pytest.fixture
async def wechat_api():
    """The WeChat stand-in of tests/standins: access tokens, 45015 outside the 48-hour window."""
    from tests.standins.wechat_api import FakeWeChatAPI

    fake = FakeWeChatAPI("wx-digest", "wx-digest-secret")
    server = TestServer(fake.app())
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), fake
    await server.close()


async def test_the_digest_reaches_each_configured_official_on_wechat_with_personal_data_masked(wechat_api):
    base, fake = wechat_api
    text = "【云岩区12319热线每日简报】\n近24小时新受理 3 件\n（测试：联系人13985012345）"
    failures = await send_wechat(text, LEADERS, "wx-digest", "wx-digest-secret", base)
    assert failures == []
    for openid in LEADERS:
        [sent] = fake.sent[openid]
        assert "每日简报" in sent and "139****2345" in sent and "13985012345" not in sent


async def test_an_official_outside_the_48_hour_window_is_told_what_to_do_and_the_others_still_get_it(wechat_api):
    base, fake = wechat_api
    fake.outside_window.add(LEADERS[1])
    failures = await send_wechat("今日简报", LEADERS, "wx-digest", "wx-digest-secret", base)
    assert fake.sent[LEADERS[0]] == ["今日简报"] and LEADERS[1] not in fake.sent
    [failure] = failures
    assert "oLea****B2" in failure and LEADERS[1] not in failure  # the openid is masked
    assert "45015" in failure and "48 小时" in failure and "在公众号里发送任意一条消息" in failure


async def test_wrong_wechat_credentials_are_named(wechat_api):
    base, fake = wechat_api
    failures = await send_wechat("今日简报", LEADERS[:1], "wx-digest", "wrong-secret", base)
    assert fake.sent == {} and "WECHAT_APP_SECRET" in failures[0]


async def test_hotline_digest_sends_to_telegram_and_wechat_and_says_who_missed_it(
    bot_api, wechat_api, tmp_path, monkeypatch, capsys
):
    telegram_base, telegram_sent = bot_api
    wechat_base, fake = wechat_api
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'digest.sqlite3'}")
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram_base)
    monkeypatch.setenv("DIGEST_TELEGRAM_CHAT_ID", "4242")
    monkeypatch.setenv("WECHAT_APP_ID", "wx-digest")
    monkeypatch.setenv("WECHAT_APP_SECRET", "wx-digest-secret")
    monkeypatch.setenv("WECHAT_API_BASE_URL", wechat_base)
    monkeypatch.setenv("DIGEST_WECHAT_OPENIDS", "，".join(LEADERS))  # a Chinese comma is fine too
    run = asyncio.get_running_loop().run_in_executor
    assert await run(None, main, ["digest", "--send"]) == 0
    out = capsys.readouterr()
    assert "12319热线每日简报" in out.out and "已推送到微信 2/2 位领导" in out.err
    assert len(telegram_sent) == 1 and all(len(fake.sent[o]) == 1 for o in LEADERS)

    fake.outside_window.add(LEADERS[0])
    assert await run(None, main, ["digest", "--send"]) == 1  # one official missed it: the exit code says so
    err = capsys.readouterr().err
    assert "已推送到微信 1/2 位领导" in err and "发送任意一条消息" in err and LEADERS[0] not in err
    assert len(telegram_sent) == 2  # Telegram is not held back by WeChat


async def test_a_half_configured_wechat_digest_is_refused_with_the_missing_setting(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'digest.sqlite3'}")
    monkeypatch.delenv("WECHAT_APP_ID", raising=False)
    monkeypatch.delenv("DIGEST_TELEGRAM_CHAT_ID", raising=False)
    monkeypatch.setenv("DIGEST_WECHAT_OPENIDS", LEADERS[0])
    assert main(["digest", "--send"]) == 2
    assert "WECHAT_APP_ID" in capsys.readouterr().err
