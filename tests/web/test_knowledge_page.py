"""The knowledge base page: admins add, edit and retire answers; what they save is what search finds."""

import re

import pytest

from bot.web.keys import ACCOUNTS, KNOWLEDGE
from tests.web.staff import log_in


async def test_an_admin_adds_an_answer_and_search_finds_it_then_retires_it(client):
    csrf = await log_in(client, "admin01", "admin")
    seeded = await client.get("/knowledge")
    assert seeded.status == 200 and "居住证怎么办理" in await seeded.text()  # the city pack's seed answers

    form = {
        "csrf_token": csrf,
        "kind": "guide",
        "title": "电动车上牌怎么办理",
        "keywords": "电动车 上牌 登记 车牌",
        "category": "",
        "answer": "携带身份证、购车发票和合格证到区交警大队车管窗口办理，当场发牌。",
    }
    saved = await client.post("/knowledge", data=form, allow_redirects=False)
    assert saved.status == 303
    assert client.app[KNOWLEDGE].search("我的电动车要去哪里上牌")[0].title == "电动车上牌怎么办理"
    found = await client.get("/knowledge", params={"q": "电动车上牌"})
    assert re.search(r"电动车上牌怎么办理 <span class=meta>匹配度 (0\.[4-9]\d|1\.00)</span>", await found.text())

    article = next(a for a in await client.app[KNOWLEDGE].list() if a.title == "电动车上牌怎么办理")
    edit = await client.post(
        f"/knowledge/{article.id}", data={**form, "title": "电动自行车上牌办理"}, allow_redirects=False
    )
    assert edit.status == 303 and (await client.app[KNOWLEDGE].get(article.id)).title == "电动自行车上牌办理"
    retire = await client.post(
        f"/knowledge/{article.id}/active", data={"csrf_token": csrf, "active": "0"}, allow_redirects=False
    )
    assert retire.status == 303
    assert article.id not in [hit.id for hit in client.app[KNOWLEDGE].search("我的电动车要去哪里上牌")]


async def test_bad_answers_are_refused_in_chinese_and_others_may_not_edit(client):
    csrf = await log_in(client, "admin02", "admin")
    empty = await client.post("/knowledge", data={"csrf_token": csrf, "kind": "guide", "title": "", "answer": "x"})
    assert empty.status == 422 and "标题不能为空" in await empty.text()
    weird = await client.post("/knowledge", data={"csrf_token": csrf, "kind": "faq", "title": "t", "answer": "x"})
    assert weird.status == 422 and "办事指南" in await weird.text()
    forged = await client.post("/knowledge", data={"csrf_token": "nope", "kind": "guide", "title": "t", "answer": "x"})
    assert forged.status == 403
    await client.post("/logout", data={"csrf_token": csrf})
    await log_in(client, "op02", "operator")
    page = await client.get("/knowledge")
    assert page.status == 403 and re.search("只有管理员", await page.text())


async def test_the_bot_and_staff_search_the_knowledge_base_over_the_api(client, auth):
    response = await client.get("/api/v1/knowledge", params={"q": "请问公积金怎么提取"}, headers=auth)
    assert response.status == 200
    articles = (await response.json())["articles"]
    assert articles[0]["title"] == "公积金怎么提取、要什么材料" and articles[0]["kind_name"] == "办事指南"
    # What the bot needs to answer a resident by itself: how sure the match is, and where to go.
    assert articles[0]["confidence"] > 0.8 and "公积金中心" in articles[0]["office"]
    assert all(a["confidence"] <= articles[0]["confidence"] or a["score"] <= articles[0]["score"] for a in articles)
    empty = await client.get("/api/v1/knowledge", params={"q": ""}, headers=auth)
    assert (await empty.json())["articles"] == []
    assert (await client.get("/api/v1/knowledge", params={"q": "公积金"})).status == 401
    forged = {"Authorization": "Bearer hl_forged-token-0123456789"}
    assert (await client.get("/api/v1/knowledge", params={"q": "公积金"}, headers=forged)).status == 401
    spec = await (await client.get("/api/v1/openapi.json")).json()
    assert {"/suggest", "/knowledge", "/reports/summary", "/reports/overdue", "/reports/hotspots"} <= set(spec["paths"])


async def test_every_staff_role_may_search_the_knowledge_base(client):
    for role, department in (("operator", None), ("department", "civil_affairs"), ("official", None)):
        token = await client.app[ACCOUNTS].create_token(role, department)
        found = await client.get(
            "/api/v1/knowledge", params={"q": "低保怎么申请"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert found.status == 200 and (await found.json())["articles"][0]["title"] == "低保怎么申请、需要什么条件"


@pytest.mark.parametrize(
    "query",
    ["😀😀😀", "how do I get a residence permit", "\x00\x01\ufffd", "居住证" * 250, "？？？", " "],
)
async def test_odd_questions_get_an_answer_list_never_an_error(client, auth, query):
    response = await client.get("/api/v1/knowledge", params={"q": query}, headers=auth)
    assert response.status == 200
    articles = (await response.json())["articles"]
    assert all(0 <= a["confidence"] <= 1 for a in articles)
    if not any("\u4e00" <= ch <= "\u9fff" for ch in query):
        assert articles == []


async def test_an_edited_office_reaches_the_bot_at_once(client, auth):
    csrf = await log_in(client, "admin03", "admin")
    article = next(a for a in await client.app[KNOWLEDGE].list() if a.title == "居住证怎么办理")
    form = {
        "csrf_token": csrf,
        "kind": article.kind,
        "title": article.title,
        "keywords": article.keywords,
        "category": article.category or "",
        "answer": article.answer,
        "office": "云岩区政务服务中心二楼公安窗口",
    }
    assert (await client.post(f"/knowledge/{article.id}", data=form, allow_redirects=False)).status == 303
    found = await client.get("/api/v1/knowledge", params={"q": "外地人怎么办居住证"}, headers=auth)
    assert (await found.json())["articles"][0]["office"] == "云岩区政务服务中心二楼公安窗口"
    page = await client.get("/knowledge")
    assert "办理地点：云岩区政务服务中心二楼公安窗口" in await page.text()
    too_long = await client.post(f"/knowledge/{article.id}", data={**form, "office": "地" * 301})
    assert too_long.status == 422 and "办理地点不超过300字" in await too_long.text()
