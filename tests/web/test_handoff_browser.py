"""Chat handoff (人工会话) in the operator console, in a real headless Chromium (Debian's /usr/bin/chromium).

A Telegram resident's chat waits in the queue; the operator opens it on a laptop, reads the
transcript, takes it, picks a suggested reply and edits it, sends it (the Rasa stand-in confirms
delivery, the line shows 已送达), sees the resident's next message arrive by the poll, opens a
ticket from the conversation and hands the chat back — then does the same on a phone.
Screenshots go to test-artifacts/.
"""

from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.handoff.service import Line
from bot.web.app import init_app
from bot.web.keys import ACCOUNTS, HANDOFFS, TICKETS
from tests.conftest import reset_database
from tests.handoff.test_service import RASA_TOKEN, rasa  # noqa: F401  (rasa is a fixture)
from tests.web.conftest import needs_model
from tests.web.test_officials_browser import LAPTOP, log_in_at
from tests.web.test_workbench_browser import CHROMIUM, PHONE, browser, shot  # noqa: F401  (browser is a fixture)

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it)"),
    needs_model,
]
SENDER = "tg:7300042"
TRANSCRIPT = [
    Line("resident", "你好"),
    Line("bot", "您好，这里是 12319 便民服务热线在线助手。"),
    Line("resident", "宝山北路56号门口每天晚上有烧烤摊占道经营，油烟很大，我姓王，电话13985012345"),
    Line("bot", "请问问题发生的具体地点是哪里？"),
    Line("resident", "转人工"),
]


@pytest.fixture
async def handoff_client(database_url, settings_for, clock, classifier, rasa):  # noqa: F811
    """The linkage service with the model loaded and the courier pushing to the Rasa stand-in."""
    await reset_database(database_url)
    settings = replace(settings_for(database_url, rasa.url), rasa_token=RASA_TOKEN)
    async with TestClient(TestServer(init_app(settings, clock=clock, classifier=classifier))) as client:
        yield client


async def test_an_operator_takes_a_chat_answers_opens_a_ticket_and_hands_it_back(
    handoff_client,
    browser,  # noqa: F811
    rasa,  # noqa: F811
    database_url,
):
    database = database_url.split(":")[0]
    client = handoff_client
    await client.app[ACCOUNTS].add_user("op01", "operator", "op-pass-0001")
    desk = client.app[HANDOFFS]
    handoff, _ = await desk.open(SENDER, "asked", TRANSCRIPT)
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.set_viewport_size(LAPTOP)
    await log_in_at(page, base, "/console", "op01", "op-pass-0001")

    item = page.locator(f"#handoff-queue .hq.waiting[data-id='{handoff.id}']")
    await item.wait_for(timeout=10000)
    assert "等待接入" in await item.inner_text() and "Telegram" in await item.inner_text()
    assert "1 个会话等待接入" in await page.inner_text("#handoff-state")
    await shot(page, "handoff-queue-laptop", database)

    await item.click()
    await page.wait_for_selector("#hv-transcript .line.resident")
    lines = page.locator("#hv-transcript .line")
    assert await lines.count() == 5
    assert "13985012345" in await lines.nth(2).inner_text()  # the clerk calls back: nothing masked here
    await page.click("#hv-take")
    await page.wait_for_function("document.getElementById('hv-title').textContent.includes('人工服务中')")
    assert await page.locator("#hv-take").is_hidden()

    use = page.locator("#hv-suggest .use-reply").first
    await use.wait_for(timeout=15000)
    suggested = await page.locator("#hv-suggest .reply span").first.inner_text()
    assert "王先生/女士您好" in suggested and "宝山北路56号" in suggested  # filled in from the chat
    await use.click()
    assert await page.input_value("#hv-reply") == suggested
    await page.fill("#hv-reply", "王先生您好，我是话务员小李。烧烤摊占道的问题我马上为您登记。")
    await page.click("#hv-send")
    await page.wait_for_selector("#hv-transcript .line.operator .delivery.sent", timeout=10000)
    assert await page.input_value("#hv-reply") == ""
    assert [c["entities"]["reply_text"] for c in rasa.calls] == [
        "王先生您好，我是话务员小李。烧烤摊占道的问题我马上为您登记。"
    ]
    assert rasa.calls[0]["sender"] == SENDER and rasa.calls[0]["name"] == "EXTERNAL_operator_reply"
    await shot(page, "handoff-replied-laptop", database)

    await desk.relay(SENDER, "好的，谢谢，晚上十点以后最吵")  # the resident answers on Telegram
    await page.wait_for_selector("#hv-transcript .line.resident >> text=晚上十点以后最吵", timeout=10000)

    await page.click("#hv-ticket")
    form = page.locator("#ticket-form")
    assert await form.is_visible()
    assert "烧烤摊占道经营" in await page.input_value("#t-description")
    await page.fill("#t-address", "宝山北路56号")
    await page.click("#ticket-form button[type=submit]")
    await page.wait_for_url(f"{base}/console?created=*")
    number = page.url.split("created=")[1].split("&")[0]
    ticket = await client.app[TICKETS].get(number)
    assert ticket.sender_id == SENDER and ticket.channel == "tg"  # progress will reach the resident's chat
    await page.wait_for_selector(f"#hv-transcript .line.operator >> text={number}", timeout=10000)

    await page.click("#hv-handback")
    await page.wait_for_function("document.getElementById('hv-title').textContent.includes('已交还机器人')")
    assert await page.locator("#hv-send").is_disabled()
    await page.wait_for_function("document.getElementById('handoff-count').textContent === '0'")
    assert [c["name"] for c in rasa.calls][-1] == "EXTERNAL_handback"
    await shot(page, "handoff-handed-back-laptop", database)


async def test_on_a_phone_the_panel_works_and_a_closed_chat_refuses_a_reply(
    handoff_client,
    browser,  # noqa: F811
    database_url,
):
    database = database_url.split(":")[0]
    client = handoff_client
    await client.app[ACCOUNTS].add_user("op02", "operator", "op-pass-0002")
    desk = client.app[HANDOFFS]
    handoff, _ = await desk.open("wx:o-phone-1", "bot_failed", TRANSCRIPT[:3])
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.set_viewport_size(PHONE)
    await log_in_at(page, base, "/console", "op02", "op-pass-0002")
    item = page.locator(f"#handoff-queue .hq[data-id='{handoff.id}']")
    await item.wait_for(timeout=10000)
    assert "微信" in await item.inner_text() and "没能听懂" in await item.inner_text()
    await item.click()
    await page.wait_for_selector("#hv-transcript .line.resident")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing sticks out sideways on a phone
    await shot(page, "handoff-transcript-phone", database)

    await page.click("#hv-send")  # nothing typed
    assert "请先输入回复内容" in await page.inner_text("#hv-error")
    from bot.accounts.roles import Principal, Role

    await desk.hand_back(handoff.id, Principal("admin", Role.admin))  # closed meanwhile elsewhere
    await page.fill("#hv-reply", "您好，请问还在吗？")
    await page.click("#hv-send")
    await page.wait_for_selector("#hv-error:not([hidden])")
    assert "已结束" in await page.inner_text("#hv-error")
    await shot(page, "handoff-closed-phone", database)
