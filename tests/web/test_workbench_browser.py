"""The department workbench in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

A phone-sized window: staff log in, see their queue sorted by deadline with colours, open a
ticket with its timeline, sign, add a note, resolve, reject with a reason; the hotline centre
sees the triage queue and re-dispatches. Screenshots go to test-artifacts/ (not committed).
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.web.keys import ACCOUNTS, TICKETS
from tests.ticketing.test_service import complaint

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it)")


@pytest.fixture
async def browser(tmp_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # A persistent context gives each test a fresh, throw-away profile directory.
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport=PHONE,
            locale="zh-CN",
        )
        yield context
        await context.close()


async def login(page, base, username, password):
    await page.goto(f"{base}/workbench")
    assert "/login" in page.url  # staff pages need a login
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/workbench")


async def shot(page, name, database):
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"workbench-{name}-{database}.png"), full_page=True)


async def test_a_department_signs_notes_resolves_and_rejects(client, browser, clock, database_url):
    database = database_url.split(":")[0]
    tickets, accounts = client.app[TICKETS], client.app[ACCOUNTS]
    await accounts.add_user("fire01", "department", "fire-pass-01", "fire_rescue")
    late, _ = await tickets.create(complaint(idempotency_key="key-browser-0001"))
    clock.moment += timedelta(days=1)
    fresh, _ = await tickets.create(
        complaint(idempotency_key="key-browser-0002", address="省府路8号", description="省府路商场安全出口被货物堵住")
    )
    clock.moment = late.due_at + timedelta(hours=1)  # the first is overdue, the second is not
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await login(page, base, "fire01", "fire-pass-01")

    cards = page.locator("#queue a.card")
    assert await cards.count() == 2
    assert await cards.nth(0).get_attribute("data-number") == late.number  # soonest deadline first
    assert await cards.nth(0).get_attribute("data-urgency") == "overdue"
    assert "已超期" in await cards.nth(0).inner_text()
    red = await cards.nth(0).evaluate("el => getComputedStyle(el).borderLeftColor")
    assert red == "rgb(198, 40, 40)"
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling on a phone
    await shot(page, "queue", database)

    await cards.nth(0).click()
    assert await page.inner_text("#status") == "已派单"
    assert "已派至区消防救援大队办理" in await page.inner_text("#timeline")
    await page.click("form[data-action=sign] button")
    await page.wait_for_selector("text=已签收")
    assert await page.inner_text("#status") == "已签收"
    await page.fill("form[data-action=note] textarea", "已到现场，正在联系车主挪车")
    await page.check("form[data-action=note] input[name=public]")
    await page.click("form[data-action=note] button")
    await page.wait_for_selector("#timeline >> text=正在联系车主挪车")
    await page.fill("form[data-action=resolve] textarea", "车辆已挪走，消防通道已畅通")
    await page.click("form[data-action=resolve] button")
    await page.wait_for_selector("#status >> text=已办结")
    assert "车辆已挪走" in await page.inner_text("#timeline")
    await shot(page, "resolved", database)

    await page.goto(f"{base}/workbench/tickets/{fresh.number}")
    await page.click("form[data-action=reject] button")  # the browser insists on a reason
    assert "/workbench/tickets/" in page.url and await page.inner_text("#status") == "已派单"
    await page.fill("#reason", "商场安全出口属区应急管理局监管")
    await page.click("form[data-action=reject] button")
    await page.wait_for_url(f"{base}/workbench?done=reject")
    assert "已退单" in await page.inner_text("main")
    assert await page.locator(f"[data-number='{fresh.number}']").count() == 0  # left our queue
    stored = await tickets.get(fresh.number)
    assert stored.status == "rejected" and stored.events[-1].actor == "fire01"


async def test_the_centre_sees_the_triage_queue_and_redispatches(client, browser, database_url):
    database = database_url.split(":")[0]
    tickets, accounts = client.app[TICKETS], client.app[ACCOUNTS]
    await accounts.add_user("centre01", "operator", "centre-pass-01")
    unsure, _ = await tickets.create(
        complaint(idempotency_key="key-browser-0003", category="other", description="小区里有件事不知道该找谁")
    )
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await login(page, base, "centre01", "centre-pass-01")
    triage = page.locator("#triage a.card")
    assert await triage.count() == 1 and await triage.first.get_attribute("data-number") == unsure.number
    await shot(page, "triage", database)
    await triage.first.click()
    await page.select_option("form[data-action=dispatch] select[name=department]", "community.baoshan")
    await page.click("form[data-action=dispatch] button")
    await page.wait_for_selector("#status >> text=已派单")
    assert "宝山社区服务中心" in await page.inner_text("#summary")
    await page.goto(f"{base}/workbench")
    assert await page.locator("#triage a.card").count() == 0


async def test_a_wrong_password_stays_on_the_login_page(client, browser):
    await client.app[ACCOUNTS].add_user("fire02", "department", "right-pass-1", "fire_rescue")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(f"{base}/login")
    await page.fill("#username", "fire02")
    await page.fill("#password", "wrong-pass-1")
    await page.click("button[type=submit]")
    assert "用户名或密码不正确" in await page.inner_text("[role=alert]")
