"""`hotline run` with Telegram pointed at the local Bot API stand-in: a resident asks for a person,
the chat appears in the clerks' queue with its transcript, further messages reach the clerk and get
no bot answer, the clerk's reply arrives in the Telegram chat, a department's progress on a ticket
still reaches the resident during the handoff, and after the hand-back the bot answers again.
Prints the two latencies the issue asks for (resident → console API, clerk → resident's chat)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from tests.standins.stack import TELEGRAM_SECRET, Stack, require_model, start_stack
from tests.standins.telegram_api import text_update

pytestmark = pytest.mark.fullstack
CHAT = 7300099
SENDER = f"tg:{CHAT}"
RUNS = 5


def _call(url: str, body: Dict[str, Any] | None = None, headers: Dict[str, str] | None = None) -> Tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    require_model()
    running = start_stack(tmp_path_factory.mktemp("var"))
    deadline = time.monotonic() + 60
    while _call(f"{running.rasa}/webhooks/telegram/")[1]["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.5)
    yield running
    running.stop()


def _token(stack: Stack, role: str, department: str | None = None) -> Dict[str, str]:
    """A token made with `hotline token create`, as the hotline centre's admin would."""
    made = subprocess.run(
        [str(Path(sys.executable).parent / "hotline"), "token", "create", "--role", role,
         *(["--department", department] if department else [])],
        env={**stack.env, "DATABASE_URL": f"sqlite:///{stack.var / 'hotline.sqlite3'}"},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return {"Authorization": f"Bearer {made.stdout.split()[-1]}"}


def _linkage(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['HOTLINE_PORT']}"


def _say(stack: Stack, text: str, wait: float = 20) -> List[str]:
    body = {"chat_id": CHAT, "text": text, "wait": wait}
    status, answer = _call(f"{stack.standin_url}/simulate/telegram", body)
    assert status == 200 and answer["webhook_status"] == 200, answer
    return [m.get("text", "") for m in answer["bot_sent"]]


def _chat(stack: Stack) -> List[Dict[str, Any]]:
    return _call(f"{stack.standin_url}/simulate/telegram/{CHAT}")[1]


def _wait(predicate: Any, seconds: float = 30, step: float = 0.02) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(step)
    return time.monotonic() - started


def test_a_telegram_resident_talks_to_a_clerk_and_back_to_the_bot(stack):
    linkage = _linkage(stack)
    clerk = _token(stack, "operator")
    assert any("12319" in text for text in _say(stack, "你好"))
    [handed] = _say(stack, "转人工")
    assert "已为您转接人工服务" in handed

    status, queue = _call(f"{linkage}/api/v1/handoffs", headers=clerk)
    [handoff] = [h for h in queue["handoffs"] if h["sender_id"] == SENDER]
    assert status == 200 and handoff["state"] == "waiting" and handoff["channel_name"] == "Telegram"
    url = f"{linkage}/api/v1/handoffs/{handoff['id']}"
    transcript = _call(url, headers=clerk)[1]["messages"]
    assert [m["author"] for m in transcript] == ["resident", "bot", "resident"]
    assert transcript[0]["text"] == "你好" and "12319" in transcript[1]["text"] and transcript[2]["text"] == "转人工"
    assert _call(f"{url}/take", {}, clerk)[0] == 200

    # The bot stays silent: a greeting would otherwise be answered.
    assert _say(stack, "你好，有人在吗", wait=3) == []

    to_console, to_resident = [], []
    webhook = f"{stack.rasa}/webhooks/telegram/webhook"
    for run in range(RUNS):
        text = f"我家楼下的路灯坏了第{run + 1}天了"
        update = text_update(8800000 + run, CHAT, text)
        started = time.monotonic()
        status, _ = _call(webhook, update, {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        assert status == 200
        _wait(lambda text=text: _call(url, headers=clerk)[1]["messages"][-1]["text"] == text)
        to_console.append(time.monotonic() - started)
        before = len(_chat(stack))
        words = f"您好，路灯的问题已记录（{run + 1}），马上为您登记。"
        started = time.monotonic()
        assert _call(f"{url}/replies", {"text": words}, clerk)[0] == 201
        _wait(lambda before=before: len(_chat(stack)) > before)
        to_resident.append(time.monotonic() - started)
        assert _chat(stack)[-1]["text"] == words and len(_chat(stack)) == before + 1  # verbatim, once

    def all_sent() -> bool:  # the chat has the line a moment before Rasa's answer confirms it
        lines = _call(url, headers=clerk)[1]["messages"]
        return all(m["delivery"]["state"] == "sent" for m in lines if m["author"] == "operator")

    _wait(all_sent, seconds=10)
    print(
        f"\nresident → console API: p50 {statistics.median(to_console) * 1000:.0f} ms, "
        f"max {max(to_console) * 1000:.0f} ms; clerk → Telegram chat: "
        f"p50 {statistics.median(to_resident) * 1000:.0f} ms, max {max(to_resident) * 1000:.0f} ms ({RUNS} runs)"
    )

    # Progress on a ticket still reaches the resident while the clerk has the chat.
    ticket = {
        "sender_id": SENDER,
        "description": "我家楼下的路灯坏了好几天了",
        "address": "宝山北路56号",
        "category": "road_facility",
        "category_confidence": 1.0,
        "idempotency_key": "fullstack-handoff-ticket-1",
    }
    status, created = _call(f"{linkage}/api/v1/tickets", ticket, clerk)
    assert status == 201
    department = _token(stack, "department", created["department"]["code"])
    before = len(_chat(stack))
    assert _call(f"{linkage}/api/v1/tickets/{created['number']}/transitions", {"action": "sign"}, department)[0] == 200
    _wait(lambda: len(_chat(stack)) > before)
    assert "签收" in _chat(stack)[-1]["text"] and created["number"] in _chat(stack)[-1]["text"]

    # Bad input from the console side gets a clear refusal, and nothing reaches the resident.
    before = len(_chat(stack))
    assert _call(f"{url}/replies", {"text": ""}, clerk)[0] == 422
    assert _call(f"{url}/replies", {"text": "好" * 20000}, clerk)[0] == 422

    # Hand back: the resident is told, and the bot answers again.
    assert _call(f"{url}/handback", {}, clerk)[0] == 200
    _wait(lambda: len(_chat(stack)) > before)
    assert "智能助手继续为您服务" in _chat(stack)[-1]["text"]
    status, refused = _call(f"{url}/replies", {"text": "还在吗"}, clerk)
    assert status == 409 and "已结束" in refused["error"]
    assert any("您好" in text for text in _say(stack, "你好"))
