"""`hotline run` with Telegram and WeChat pointed at local stand-ins: a resident complains on
Telegram and gets a ticket, a WeChat resident is answered in Chinese, unsigned and replayed
requests are refused, and a department resolving the ticket makes the update and the rating
question arrive in the Telegram chat."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.standins.__main__ import WECHAT as WECHAT_API
from tests.standins.stack import TELEGRAM_SECRET, WECHAT, Stack, require_model, start_stack
from tests.standins.telegram_api import text_update
from tests.standins.wechat_api import WeChatServer

pytestmark = pytest.mark.fullstack
CHAT = 7300001


def _post(url: str, body: Dict[str, Any], headers: Dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    require_model()
    running = start_stack(tmp_path_factory.mktemp("var"))
    deadline = time.monotonic() + 60
    while _get(f"{running.rasa}/webhooks/telegram/")["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.5)
    yield running
    running.stop()


def _tg(stack: Stack, text: str | None = None, button: str | None = None) -> str:
    body: Dict[str, Any] = {"chat_id": CHAT, "wait": 20}
    body.update({"button": button} if button else {"text": text})
    status, answer = _post(f"{stack.standin_url}/simulate/telegram", body)
    assert status == 200 and answer["webhook_status"] == 200, answer
    return "\n".join(m.get("text", "") for m in answer["bot_sent"])


def _chat(stack: Stack) -> List[Dict[str, Any]]:
    return _get(f"{stack.standin_url}/simulate/telegram/{CHAT}")


def test_a_telegram_complaint_becomes_a_ticket(stack):
    assert "地点" in _tg(stack, "我们小区门口天天有车乱停，把消防通道都堵死了")
    assert "什么时候" in _tg(stack, "宝山北路56号")
    assert "电话" in _tg(stack, button="/deny")  # the 跳过 button
    summary = _tg(stack, "13985012345")
    assert "宝山北路56号" in summary and "139****2345" in summary
    keyboard = _chat(stack)[-1]["reply_markup"]["inline_keyboard"]
    assert "/affirm" in [b["callback_data"] for row in keyboard for b in row]
    done = _tg(stack, button="/affirm")
    assert re.search(r"\d{8}-\d{6}", done) and "区消防救援大队" in done


def test_unsigned_and_replayed_telegram_updates_are_refused(stack):
    update = text_update(990001, CHAT, "你好")
    webhook = f"{stack.rasa}/webhooks/telegram/webhook"
    assert _post(webhook, update)[0] == 403
    assert _post(webhook, update, {"X-Telegram-Bot-Api-Secret-Token": "guess"})[0] == 403
    before = len(_chat(stack))
    for _ in range(3):
        assert _post(webhook, update, {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})[0] == 200
    time.sleep(3)
    assert len(_chat(stack)) == before + 1


def _wechat(stack: Stack) -> WeChatServer:
    return WeChatServer(f"{stack.rasa}/webhooks/wechat/webhook", WECHAT["WECHAT_TOKEN"], WECHAT["WECHAT_APP_ID"])


def test_a_wechat_message_is_answered_in_chinese_and_a_forgery_is_refused(stack):
    wechat = _wechat(stack)
    body = wechat.xml("o-fullstack-1", "text", Content="你好")
    delivery = stack.standins.run(wechat.deliver(body))
    assert delivery.statuses == [200]
    answer = delivery.passive or "\n".join(stack.standins.app[WECHAT_API].sent.get("o-fullstack-1", []))
    assert re.search(r"[\u4e00-\u9fff]", answer)
    again = stack.standins.run(wechat.deliver(body))
    assert again.statuses == [200] and again.passive is None  # the same MsgId: taken once
    forged = WeChatServer(wechat.webhook, "not-the-token", WECHAT["WECHAT_APP_ID"])
    assert stack.standins.run(forged.deliver(forged.xml("o-fullstack-1", "text", Content="你好"))).statuses == [403]


def _resolve_latest_ticket(stack: Stack) -> str:
    """The responsible department signs and resolves the resident's ticket through the workflow API,
    with a department token made by `hotline token create`, as its staff's workbench does."""
    linkage = f"http://127.0.0.1:{stack.env['HOTLINE_PORT']}"
    service = {"Authorization": f"Bearer {stack.env['HOTLINE_SERVICE_TOKEN']}"}
    request = urllib.request.Request(f"{linkage}/api/v1/tickets?sender_id=tg:{CHAT}", headers=service)
    with urllib.request.urlopen(request, timeout=30) as response:
        ticket = json.loads(response.read())["tickets"][0]
    made = subprocess.run(
        [str(Path(sys.executable).parent / "hotline"), "token", "create", "--role", "department",
         "--department", ticket["department"]["code"]],
        env={**stack.env, "DATABASE_URL": f"sqlite:///{stack.var / 'hotline.sqlite3'}"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    department = {"Authorization": f"Bearer {made.stdout.split()[-1]}"}
    url = f"{linkage}/api/v1/tickets/{ticket['number']}/transitions"
    assert _post(url, {"action": "sign"}, department)[0] == 200
    status, resolved = _post(url, {"action": "resolve", "note": "已清理占道车辆并设置隔离桩"}, department)
    assert status == 200 and resolved["status"] == "resolved"
    return str(ticket["number"])


def _wait_for_chat(stack: Stack, count: int, seconds: float = 30) -> List[Dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while len(_chat(stack)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return _chat(stack)


def test_a_resolved_ticket_reaches_the_telegram_chat_with_the_rating_question(stack):
    before = len(_chat(stack))
    number = _resolve_latest_ticket(stack)
    chat = _wait_for_chat(stack, before + 2)
    signed, resolved = chat[before:]  # each public step once, in order
    assert number in signed["text"] and "签收" in signed["text"]
    assert number in resolved["text"] and "已办结" in resolved["text"] and "已清理占道车辆" in resolved["text"]
    [row] = resolved["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in row] == [f'/rate{{"rating": {n}}}' for n in range(1, 6)]
    time.sleep(3)
    assert len(_chat(stack)) == before + 2  # pushed once


def test_a_low_rating_reopens_the_ticket_and_the_resident_is_told(stack):
    answer = _tg(stack, button='/rate{"rating": 1}')
    assert "重办" in answer
