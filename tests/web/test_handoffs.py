"""The handoff API (`/api/v1/handoffs`) as the action server and the operator console use it:
service token opens and relays, hotline-centre staff list, read, take, reply and hand back;
department staff and officials are refused; bad input gets a clear Chinese 4xx."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot.web.keys import TICKETS
from tests.web.staff import bearer, log_in

SENDER = "tg:5512345678"
TRANSCRIPT = [
    {"author": "resident", "text": "小区门口的路灯坏了一个星期了", "at": 1795312800.0},
    {"author": "bot", "text": "抱歉，我不太确定您的意思", "at": 1795312801.0},
    {"author": "resident", "text": "转人工", "at": 1795312830.0},
]


async def _open(client, auth, sender=SENDER, reason="asked"):
    response = await client.post(
        "/api/v1/handoffs", json={"sender_id": sender, "reason": reason, "transcript": TRANSCRIPT}, headers=auth
    )
    return response.status, await response.json()


async def test_the_action_server_opens_a_handoff_once_and_relays_the_residents_words(client, auth):
    status, first = await _open(client, auth)
    assert status == 201 and first["state"] == "waiting" and first["channel_name"] == "Telegram"
    status, again = await _open(client, auth)
    assert status == 200 and again["id"] == first["id"]
    relayed = await client.post(
        "/api/v1/handoffs/messages", json={"sender_id": SENDER, "text": "就在宝山北路56号"}, headers=auth
    )
    assert relayed.status == 201 and (await relayed.json())["handoff_id"] == first["id"]
    nobody = await client.post("/api/v1/handoffs/messages", json={"sender_id": "tg:999", "text": "你好"}, headers=auth)
    assert nobody.status == 404 and "没有进行中的人工会话" in (await nobody.json())["error"]


async def test_an_operator_sees_the_queue_reads_takes_replies_and_hands_back(client, auth, clock):
    _, opened = await _open(client, auth)
    clock.moment += timedelta(minutes=3)
    operator = await bearer(client, "operator")
    listed = await (await client.get("/api/v1/handoffs", headers=operator)).json()
    [item] = listed["handoffs"]
    assert item["id"] == opened["id"] and item["waiting_seconds"] == 180 and item["awaiting_reply"]
    assert item["latest"]["text"] == "转人工" and item["reason_name"] == "居民要求转人工"
    one = await (await client.get(f"/api/v1/handoffs/{opened['id']}", headers=operator)).json()
    assert [(m["author_name"], m["text"]) for m in one["messages"]] == [
        ("居民", "小区门口的路灯坏了一个星期了"),
        ("智能助手", "抱歉，我不太确定您的意思"),
        ("居民", "转人工"),
    ]
    taken = await client.post(f"/api/v1/handoffs/{opened['id']}/take", headers=operator)
    assert taken.status == 200 and (await taken.json())["state"] == "active"
    reply = await client.post(
        f"/api/v1/handoffs/{opened['id']}/replies", json={"text": "您好，请问是哪个小区？"}, headers=operator
    )
    body = await reply.json()
    assert reply.status == 201 and body["delivery"]["state"] == "pending" and body["author"] == "operator"
    back = await client.post(f"/api/v1/handoffs/{opened['id']}/handback", headers=operator)
    assert back.status == 200 and (await back.json())["state"] == "closed"
    assert (await (await client.get("/api/v1/handoffs", headers=operator)).json())["handoffs"] == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"text": ""}, "不能为空"),
        ({"text": "   "}, "不能为空"),
        ({"text": None}, "不能为空"),
        ({"text": "好" * 20000}, "不能超过 2000 字"),
        ({}, "不能为空"),
    ],
)
async def test_an_empty_or_huge_reply_gets_a_clear_chinese_refusal(client, auth, body, expected):
    _, opened = await _open(client, auth)
    operator = await bearer(client, "operator")
    response = await client.post(f"/api/v1/handoffs/{opened['id']}/replies", json=body, headers=operator)
    assert response.status == 422 and expected in (await response.json())["error"]


async def test_a_reply_body_that_is_not_json_or_far_too_big_is_refused(client, auth):
    _, opened = await _open(client, auth)
    operator = await bearer(client, "operator")
    url = f"/api/v1/handoffs/{opened['id']}/replies"
    garbled = await client.post(url, data=b"\xff\xfe\x00binary", headers=operator)
    assert garbled.status == 422 and "JSON" in (await garbled.json())["error"]
    huge = await client.post(url, data=json.dumps({"text": "好" * 200000}), headers=operator)
    assert huge.status == 422 and "2000" in (await huge.json())["error"]


async def test_a_reply_to_a_closed_handoff_is_a_409_in_chinese(client, auth):
    _, opened = await _open(client, auth)
    operator = await bearer(client, "operator")
    await client.post(f"/api/v1/handoffs/{opened['id']}/handback", headers=operator)
    response = await client.post(f"/api/v1/handoffs/{opened['id']}/replies", json={"text": "在吗"}, headers=operator)
    assert response.status == 409 and "已结束" in (await response.json())["error"]


async def test_two_operators_take_the_same_conversation_and_one_wins(client, auth):
    _, opened = await _open(client, auth)
    wang, li = await bearer(client, "operator"), await bearer(client, "admin")
    url = f"/api/v1/handoffs/{opened['id']}/take"
    answers = await asyncio.gather(client.post(url, headers=wang), client.post(url, headers=li))
    assert sorted(a.status for a in answers) == [200, 409]
    [loser] = [a for a in answers if a.status == 409]
    assert "已由话务员" in (await loser.json())["error"]


@pytest.mark.parametrize("role", ["department", "official"])
async def test_department_staff_and_officials_may_not_touch_handoffs(client, auth, role):
    _, opened = await _open(client, auth)
    staff = await bearer(client, role, "fire_rescue" if role == "department" else None)
    assert (await client.get("/api/v1/handoffs", headers=staff)).status == 403
    assert (await client.get(f"/api/v1/handoffs/{opened['id']}", headers=staff)).status == 403
    refused = await client.post(f"/api/v1/handoffs/{opened['id']}/replies", json={"text": "你好"}, headers=staff)
    assert refused.status == 403 and "热线中心" in (await refused.json())["error"]


async def test_only_the_service_opens_handoffs_and_forged_tokens_get_401(client, auth):
    operator = await bearer(client, "operator")
    refused = await client.post("/api/v1/handoffs", json={"sender_id": SENDER}, headers=operator)
    assert refused.status == 403
    forged = await client.get("/api/v1/handoffs", headers={"Authorization": "Bearer forged-token"})
    assert forged.status == 401
    assert (await client.get("/api/v1/handoffs")).status == 401


@pytest.mark.parametrize(
    "body",
    [
        {"sender_id": "tg:1", "transcript": "not a list"},
        {"sender_id": "tg:1", "transcript": [{"author": "hacker", "text": "x"}]},
        {"sender_id": "tg:1", "reason": "because"},
        {"sender_id": "no-prefix"},
        {"transcript": []},
    ],
)
async def test_a_malformed_handoff_request_is_a_422(client, auth, body):
    response = await client.post("/api/v1/handoffs", json=body, headers=auth)
    assert response.status == 422 and (await response.json())["error"]


async def test_unknown_handoff_is_404_and_the_transcript_keeps_emoji_and_english(client, auth):
    operator = await bearer(client, "operator")
    assert (await client.get("/api/v1/handoffs/999999", headers=operator)).status == 404
    _, opened = await _open(client, auth, sender="wx:o-emoji")
    await client.post(
        "/api/v1/handoffs/messages", json={"sender_id": "wx:o-emoji", "text": "Hello 👋 路灯不亮"}, headers=auth
    )
    one = await (await client.get(f"/api/v1/handoffs/{opened['id']}", headers=operator)).json()
    assert one["messages"][-1]["text"] == "Hello 👋 路灯不亮"


async def test_a_ticket_opened_from_the_conversation_reaches_the_residents_chat(client, auth):
    """The console form with the handoff: the ticket belongs to the chat's resident, who is told its number."""
    _, opened = await _open(client, auth)
    csrf = await log_in(client, "op01", "operator", next_path="/console")
    form = {
        "csrf_token": csrf,
        "nonce": "handoff-ticket-0001",
        "handoff_id": str(opened["id"]),
        "description": "小区门口的路灯坏了一个星期了",
        "address": "宝山北路56号",
        "category": "road_facility",
        "appeal_type": "complaint",
    }
    response = await client.post("/console/tickets", data=form, allow_redirects=False)
    assert response.status == 303 and f"handoff={opened['id']}" in response.headers["Location"]
    number = response.headers["Location"].split("created=")[1].split("&")[0]
    ticket = await client.app[TICKETS].get(number)
    assert ticket.sender_id == SENDER and ticket.channel == "tg"
    one = await (await client.get(f"/api/v1/handoffs/{opened['id']}")).json()
    assert one["ticket_number"] == number
    told = one["messages"][-1]
    assert told["author"] == "operator" and number in told["text"] and told["delivery"]["state"] == "pending"
    again = await client.post("/console/tickets", data=form, allow_redirects=False)  # a double submit
    assert (
        again.status == 303
        and len((await (await client.get(f"/api/v1/handoffs/{opened['id']}")).json())["messages"]) == 4
    )
