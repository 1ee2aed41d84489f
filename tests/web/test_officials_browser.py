"""The operator console and the officials' dashboard in a real headless Chromium (Debian's /usr/bin/chromium).

Console: the operator types what the caller says → suggestions appear → one click opens a
pre-filled ticket → it is dispatched; or the call is attached to the open duplicate.
Dashboard: one department + one community + overdue → exactly the right rows → CSV export
with phones masked; a department user gets 403. Screenshots go to test-artifacts/.
"""

import time
from pathlib import Path

import pytest

from bot.web.keys import ACCOUNTS, TICKETS
from tests.ticketing.test_service import complaint
from tests.web.conftest import needs_model
from tests.web.test_dashboard import overdue_scene
from tests.web.test_suggest import VENDOR
from tests.web.test_workbench_browser import CHROMIUM, browser, shot  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make test installs it)")
LAPTOP = {"width": 1280, "height": 900}


async def log_in_at(page, base, path, username, password):
    await page.goto(f"{base}{path}")
    assert "/login" in page.url  # staff pages need a login
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}{path}")


@needs_model
async def test_an_operator_types_a_call_and_opens_a_prefilled_ticket(suggest_client, browser, database_url):  # noqa: F811
    database = database_url.split(":")[0]
    client = suggest_client
    await client.app[ACCOUNTS].add_user("op01", "operator", "op-pass-0001")
    tickets = client.app[TICKETS]
    open_one, _ = await tickets.create(
        complaint(
            category="street_vendor", description="宝山北路56号烧烤摊晚上占道经营", idempotency_key="console-dup-1"
        )
    )
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await log_in_at(page, base, "/console", "op01", "op-pass-0001")

    started = time.perf_counter()  # machine time of the walk; the operator adds listening and reading
    await page.fill("#caller-text", VENDOR)
    await page.wait_for_selector("#categories .pill.top[data-code=street_vendor]", timeout=15000)
    assert "宝山社区" in await page.inner_text("#address")
    assert "13985012345" in await page.inner_text("#phone")
    assert await page.locator("#replies .reply").count() >= 2
    assert (await page.inner_text("#replies")).startswith("王先生您好")
    assert await page.locator(f"#similar div.similar[data-number='{open_one.number}']").count() == 1
    assert "区城管局" in await page.inner_text("#department")
    await shot(page, "console-suggestions", database)

    await page.click("#open-ticket")
    form = page.locator("#ticket-form")
    assert await form.is_visible()
    assert await page.input_value("#t-category") == "street_vendor"
    assert "宝山北路56号" in await page.input_value("#t-address")
    assert await page.input_value("#t-contact_phone") == "13985012345"
    assert await page.input_value("#t-description") == VENDOR
    await page.fill("#t-address", "宝山北路56号")  # the operator corrects what they like
    await shot(page, "console-ticket-form", database)
    await page.click("#ticket-form button[type=submit]")
    await page.wait_for_url(f"{base}/console?created=*")
    flash = await page.inner_text("#flash")
    assert "已建单" in flash and "区城管局" in flash
    number = page.url.rsplit("=", 1)[1]
    print(f"\nconsole: caller text typed → dispatched ticket {number} in {time.perf_counter() - started:.1f} s")
    created = await tickets.get(number)
    assert created.category == "street_vendor" and created.community == "baoshan"
    assert created.contact_phone == "13985012345" and created.status == "dispatched"
    assert created.sender_id == "tel:13985012345" and created.channel == "tel"

    await page.fill("#caller-text", VENDOR)
    await page.wait_for_selector(f"#similar button.attach[data-number='{open_one.number}']", timeout=15000)
    await page.click(f"#similar button.attach[data-number='{open_one.number}']")
    await page.wait_for_url(f"{base}/console?attached={open_one.number}")
    attached = await tickets.get(open_one.number)
    assert attached.events[-1].note.startswith("又有市民来电反映同一问题") and not attached.events[-1].public
    assert "139****2345" in attached.events[-1].note  # the note keeps no phone in clear


async def test_an_official_filters_overdue_cases_of_one_unit_in_one_community_and_exports_them(
    client,
    browser,  # noqa: F811
    clock,
    database_url,
    tmp_path,
):
    database = database_url.split(":")[0]
    a, b, c, d = await overdue_scene(client, clock)
    await client.app[ACCOUNTS].add_user("leader01", "official", "leader-pass-01")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.set_viewport_size(LAPTOP)
    await log_in_at(page, base, "/dashboard", "leader01", "leader-pass-01")
    assert await page.locator("#tickets tr[data-number]").count() == 4  # every unresolved case

    await page.select_option("#f-department", ["fire_rescue"])
    await page.select_option("#f-community", ["baoshan"])
    await page.select_option("#f-overdue", "true")
    await page.click("#apply")
    await page.wait_for_load_state()
    rows = page.locator("#tickets tr[data-number]")
    assert await rows.count() == 1 and await rows.first.get_attribute("data-number") == a.number
    assert "已超期" in await rows.first.inner_text()
    assert await page.inner_text("#total") == "1"
    loaded = await page.evaluate("document.getElementById('daily-chart').naturalWidth")
    assert loaded > 0  # the matplotlib chart was drawn and served
    await shot(page, "dashboard-filtered", database)

    async with page.expect_download() as info:
        await page.click("#export-csv")
    download = await info.value
    target = tmp_path / "export.csv"
    await download.save_as(str(target))
    text = target.read_text(encoding="utf-8-sig")
    assert a.number in text and b.number not in text and c.number not in text and d.number not in text
    assert "139****2345" in text and "13985012345" not in text

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.reload()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # wide tables scroll inside their box, the page does not
    await shot(page, "dashboard-phone", database)


async def test_a_department_user_gets_403_on_the_dashboard(client, browser, database_url):  # noqa: F811
    await client.app[ACCOUNTS].add_user("fire09", "department", "fire-pass-09", "fire_rescue")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(f"{base}/dashboard")
    await page.fill("#username", "fire09")
    await page.fill("#password", "fire-pass-09")
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/dashboard")
    response = await page.goto(f"{base}/dashboard")
    assert response.status == 403
    assert "无权查看领导看板" in await page.inner_text("[role=alert]")
    assert await page.locator("nav.pages a[href='/dashboard']").count() == 0
