"""`POST /api/v1/suggest`: what an operator sees while a caller speaks (needs the trained model)."""

import time

from bot.web.keys import TICKETS
from tests.ticketing.test_service import complaint
from tests.web.conftest import needs_model
from tests.web.staff import bearer

VENDOR = "王先生来电：宝山北路56号门口每天晚上都有烧烤摊占道经营，人都走不过去，我电话13985012345"


async def suggest(client, text, headers):
    return await client.post("/api/v1/suggest", json={"text": text}, headers=headers)


@needs_model
async def test_a_street_vendor_call_gets_matter_place_unit_and_a_reply_by_name(suggest_client):
    operator = await bearer(suggest_client, "operator")
    response = await suggest(suggest_client, VENDOR, operator)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["appeal_type"] in ("complaint", "report")  # residents' wording sits between the two
    top = body["categories"]
    assert len(top) == 3 and top[0]["code"] == "street_vendor" and top[0]["name"] == "占道经营/流动摊贩"
    assert top[0]["confidence"] >= top[1]["confidence"] >= top[2]["confidence"]
    assert body["address"]["community"] == "baoshan" and body["address"]["community_name"] == "宝山社区"
    assert body["address"]["full"].startswith("贵阳市云岩区宝山北路56号")
    assert body["entities"]["phone"] == ["13985012345"]
    assert body["department"]["name"]
    assert 2 <= len(body["replies"]) <= 3
    first = body["replies"][0]
    assert first.startswith("王先生您好") and "宝山北路56号" in first and "占道经营问题" in first
    assert body["department"]["name"] in first
    assert body["similar_tickets"] == [] and body["knowledge"] == []


@needs_model
async def test_an_open_ticket_of_the_same_matter_nearby_is_offered_as_the_duplicate(suggest_client):
    tickets = suggest_client.app[TICKETS]
    open_one, _ = await tickets.create(
        complaint(category="street_vendor", description="宝山北路56号烧烤摊晚上占道经营", idempotency_key="sug-dup-01")
    )
    elsewhere, _ = await tickets.create(
        complaint(
            category="street_vendor",
            address="省府路8号",
            description="省府路有流动摊贩占道",
            idempotency_key="sug-dup-02",
        )
    )
    body = await (await suggest(suggest_client, VENDOR, await bearer(suggest_client, "operator"))).json()
    numbers = [t["number"] for t in body["similar_tickets"]]
    assert numbers[0] == open_one.number and elsewhere.number not in numbers
    assert body["replies"][0].startswith("王先生您好，您反映的宝山北路56号")
    assert open_one.number in body["replies"][0]  # "已有市民反映，正在办理中（工单…）"


@needs_model
async def test_an_inquiry_gets_the_knowledge_base_answer_read_out(suggest_client):
    body = await (
        await suggest(
            suggest_client, "你好，我想问一下居住证怎么办理，要带什么材料", await bearer(suggest_client, "operator")
        )
    ).json()
    assert body["appeal_type"] == "inquiry"
    assert body["knowledge"][0]["title"] == "居住证怎么办理" and body["knowledge"][0]["kind_name"] == "办事指南"
    assert body["knowledge"][0]["answer"] in body["replies"][0]


@needs_model
async def test_empty_and_huge_texts_get_clear_answers_quickly(suggest_client):
    operator = await bearer(suggest_client, "operator")
    empty = await suggest(suggest_client, "   ", operator)
    assert empty.status == 422 and "请先输入" in (await empty.json())["error"]
    started = time.perf_counter()
    huge = await suggest(suggest_client, "宝山北路56号烧烤摊占道经营。" + "油烟" * 9990, operator)
    assert huge.status == 200 and (await huge.json())["truncated"] is True
    assert time.perf_counter() - started < 10  # a pasted letter never times the console out
    too_long = await suggest(suggest_client, "吵" * 20_001, operator)
    assert too_long.status in (413, 422) and "内容" in (await too_long.json())["error"]
    not_text = await suggest_client.post("/api/v1/suggest", json={"text": 42}, headers=operator)
    assert not_text.status == 422


@needs_model
async def test_only_the_hotline_centre_gets_suggestions(suggest_client):
    for role, department in (("department", "fire_rescue"), ("official", None)):
        response = await suggest(suggest_client, VENDOR, await bearer(suggest_client, role, department))
        assert response.status == 403 and "话务员" in (await response.json())["error"]
    anonymous = await suggest_client.post("/api/v1/suggest", json={"text": VENDOR})
    assert anonymous.status == 401
    centre_staff = await bearer(suggest_client, "department", "hotline_centre")
    assert (await suggest(suggest_client, VENDOR, centre_staff)).status == 200


async def test_without_a_model_the_service_runs_and_says_suggestions_are_off(client):
    response = await suggest(client, VENDOR, await bearer(client, "operator"))
    assert response.status == 503 and "未加载语言模型" in (await response.json())["error"]


async def test_a_refused_ticket_form_comes_back_filled_with_what_the_operator_typed(client):
    from tests.web.staff import log_in

    csrf = await log_in(client, "op05", "operator", next_path="/console")
    form = {
        "csrf_token": csrf,
        "nonce": "abcdef0123456789",
        "description": "宝山北路56号烧烤摊占道经营",
        "address": "宝山北路56号",
        "category": "street_vendor",
        "appeal_type": "complaint",
        "contact_phone": "12345",
    }
    response = await client.post("/console/tickets", data=form)
    page = await response.text()
    assert response.status == 422 and "联系电话格式不正确" in page
    assert 'id="ticket-form"' in page and 'id="ticket-form" hidden' not in page
    assert '<option value="street_vendor" selected>' in page and 'value="宝山北路56号"' in page
    assert "宝山北路56号烧烤摊占道经营</textarea>" in page
    form["contact_phone"] = "13985012345"
    done = await client.post("/console/tickets", data=form, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"].startswith("/console?created=")
    again = await client.post("/console/tickets", data=form, allow_redirects=False)  # a double click
    assert again.headers["Location"] == done.headers["Location"]


@needs_model
async def test_a_long_letter_sent_in_several_chunks_is_read_whole(suggest_client):
    """A pasted letter may reach the server in several pieces (chunked upload); none may be lost."""
    import asyncio
    import json

    letter = VENDOR + "这个问题已经持续了半年，" * 300  # cut after the first piece it is not valid JSON
    body = json.dumps({"text": letter}, ensure_ascii=False).encode("utf-8")

    async def pieces():
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]
            await asyncio.sleep(0.02)  # the server sees the first piece before the rest arrives

    headers = {**await bearer(suggest_client, "operator"), "Content-Type": "application/json"}
    response = await suggest_client.post("/api/v1/suggest", data=pieces(), headers=headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["entities"]["phone"] == ["13985012345"]  # and the letter was understood
