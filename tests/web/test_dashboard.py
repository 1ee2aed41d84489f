"""The officials' dashboard, its exports and the reports API, on real databases with a frozen clock."""

import csv
import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from bot.ticketing.lifecycle import Action
from bot.ticketing.service import TransitionRequest
from bot.web.keys import TICKETS
from tests.ticketing.test_service import complaint
from tests.web.staff import bearer, log_in


async def overdue_scene(client, clock):
    """A: fire lane, 宝山 (fire_rescue), overdue. B: same unit, 省府 community, overdue.
    C: another unit, 宝山, overdue. D: fire lane, 宝山, on time."""
    tickets = client.app[TICKETS]
    a, _ = await tickets.create(complaint(idempotency_key="dash-a-0001"))
    b, _ = await tickets.create(
        complaint(idempotency_key="dash-b-0001", address="省府路8号", description="省府路商场安全出口被货物堵住")
    )
    c, _ = await tickets.create(
        complaint(
            idempotency_key="dash-c-0001",
            category="illegal_parking",
            description="宝山北路上一辆白色面包车停在人行道上好几天了",
            contact_phone="13700001111",
        )
    )
    clock.moment += timedelta(days=1)
    d, _ = await tickets.create(
        complaint(
            idempotency_key="dash-d-0001",
            address="宝山北路12号",
            description="宝山北路12号消防车通道被一排电动车挡住了",
        )
    )
    clock.moment = max(a.due_at, b.due_at, c.due_at) + timedelta(minutes=30)
    assert clock.moment < d.due_at
    assert (a.community, b.community, c.community, d.community) == ("baoshan", "shengfu", "baoshan", "baoshan")
    assert a.department_code == b.department_code == d.department_code == "fire_rescue" != c.department_code
    return a, b, c, d


async def test_an_official_finds_the_overdue_tickets_of_one_unit_in_one_community_and_exports_them_masked(
    client, clock
):
    a, b, c, d = await overdue_scene(client, clock)
    query = "department=fire_rescue&community=baoshan&overdue=true"

    api = await client.get(f"/api/v1/reports/overdue?{query}", headers=await bearer(client, "official"))
    assert api.status == 200
    body = await api.json()
    assert [t["number"] for t in body["tickets"]] == [a.number] and body["total"] == 1
    assert body["tickets"][0]["contact_phone"] == "139****2345"  # officials do not call residents back

    await log_in(client, "leader01", "official")
    page = await client.get(f"/dashboard?{query}")
    html = await page.text()
    assert page.status == 200
    rows = re.findall(r'<tr class="[^"]*" data-number="([^"]+)"', html)
    assert rows == [a.number]
    assert 'id="total">1<' in html and "已超期" in html

    exported = await client.get(f"/dashboard/export.csv?{query}")
    assert exported.status == 200 and "attachment" in exported.headers["Content-Disposition"]
    text = (await exported.read()).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["工单编号", "状态", "诉求类型"]
    assert [line[0] for line in lines[1:]] == [a.number]
    assert lines[1][7] == "139****2345" and lines[1][11] == "是" and lines[1][8] == "区消防救援大队"
    assert "13985012345" not in text

    excel = await client.get(f"/dashboard/export.xlsx?{query}")
    assert excel.status == 200
    sheet = load_workbook(io.BytesIO(await excel.read()), read_only=True).active
    cells = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "工单编号" and [row[0] for row in cells[1:]] == [a.number]
    assert cells[1][7] == "139****2345"

    everything = await client.get("/dashboard?overdue=true")
    numbers = set(re.findall(r'data-number="(\d{8}-\d{6})"', await everything.text()))
    assert {a.number, b.number, c.number} <= numbers and d.number not in numbers


async def test_a_department_user_may_not_open_the_dashboard_or_the_reports(client):
    fire = await bearer(client, "department", "fire_rescue")
    for path in ("/api/v1/reports/summary", "/api/v1/reports/overdue", "/api/v1/reports/hotspots"):
        response = await client.get(path, headers=fire)
        assert response.status == 403
        assert "只有领导" in (await response.json())["error"]
    await log_in(client, "fire01", "department", "fire_rescue")
    for path in ("/dashboard", "/dashboard/export.csv", "/dashboard/export.xlsx", "/dashboard/charts/daily.svg"):
        response = await client.get(path)
        assert response.status == 403, path
        assert "无权" in await response.text()


async def test_impossible_dates_get_a_clear_chinese_message_not_a_500(client):
    await log_in(client, "leader02", "official")
    page = await client.get("/dashboard?from=2026-02-30")
    assert page.status == 400 and "不是有效日期" in await page.text()
    page = await client.get("/dashboard?from=2026-11-22&to=2026-11-01")
    assert page.status == 400 and "开始日期不能晚于结束日期" in await page.text()
    api = await client.get("/api/v1/reports/summary?to=2026-13-45", headers=await bearer(client, "official"))
    assert api.status == 422 and "不是有效日期" in (await api.json())["error"]
    csv_export = await client.get("/dashboard/export.csv?from=yesterday")
    assert csv_export.status == 400 and "不是有效日期" in await csv_export.text()


async def test_the_summary_gives_compliance_times_to_sign_and_resolve_and_satisfaction(client, clock):
    tickets = client.app[TICKETS]
    ticket, _ = await tickets.create(complaint(idempotency_key="dash-sum-0001"))
    fire = (await client.app[TICKETS].get(ticket.number)).department_code
    from bot.accounts.roles import Principal, Role

    staff = Principal("fire01", Role.department, fire)
    clock.moment += timedelta(hours=2)
    await tickets.transition(ticket.number, staff, TransitionRequest(Action.sign))
    clock.moment += timedelta(hours=3)
    await tickets.transition(ticket.number, staff, TransitionRequest(Action.resolve, note="已清理通道"))
    await tickets.transition(
        ticket.number, Principal("centre", Role.operator), TransitionRequest(Action.rate, rating=4)
    )
    late, _ = await tickets.create(
        complaint(idempotency_key="dash-sum-0002", address="省府路8号", description="省府路商场安全出口被货物堵住")
    )
    clock.moment = late.due_at + timedelta(hours=1)

    response = await client.get("/api/v1/reports/summary", headers=await bearer(client, "official"))
    summary = await response.json()
    unit = next(d for d in summary["departments"] if d["code"] == "fire_rescue")
    assert unit["total"] == 2 and unit["finished"] == 1 and unit["compliance"] == 1.0
    assert unit["overdue_open"] == 1 and unit["avg_sign_hours"] == 2.0 and unit["avg_resolve_hours"] == 5.0
    assert unit["avg_rating"] == 4.0 and summary["overdue"] == 1
    assert summary["by_state"]["return_visit"]["count"] + summary["by_state"]["closed"]["count"] == 1


async def test_five_noise_complaints_in_one_estate_within_a_week_are_a_hotspot(client, clock):
    tickets = client.app[TICKETS]
    places = ["宝山北路3号", "宝山北路21号", "宝山南路5号", "宝山北路40号", "宝山南路18号"]
    words = [
        "楼下广场舞音响太大",
        "隔壁KTV半夜还在唱歌",
        "酒吧门口每晚吵到两点",
        "商铺喇叭循环喊促销",
        "楼上邻居天天半夜跺脚",
    ]
    numbers = []
    for i, (place, said) in enumerate(zip(places, words, strict=True)):
        ticket, _ = await tickets.create(
            complaint(idempotency_key=f"noise-{i:08d}", category="living_noise", address=place, description=said)
        )
        numbers.append(ticket.number)
        clock.moment += timedelta(hours=20)
    officials = await bearer(client, "official")
    spots = (await (await client.get("/api/v1/reports/hotspots", headers=officials)).json())["hotspots"]
    assert len(spots) == 1
    assert spots[0]["community_name"] == "宝山社区" and spots[0]["matter_name"] == "噪音扰民"
    assert sorted(spots[0]["tickets"]) == sorted(numbers) and spots[0]["count"] == 5

    await log_in(client, "leader03", "official")
    html = await (await client.get("/dashboard")).text()
    assert "宝山社区 · 噪音扰民：5 件" in html

    clock.moment += timedelta(days=7)  # a week later the first reports fall out of the window
    spots = (await (await client.get("/api/v1/reports/hotspots", headers=officials)).json())["hotspots"]
    assert spots == []


async def test_an_official_presses_on_a_ticket_with_a_note(client, clock):
    a, *_ = await overdue_scene(client, clock)
    csrf = await log_in(client, "leader04", "official")
    back = "/dashboard?overdue=true"
    response = await client.post(
        "/dashboard/escalate",
        data={"csrf_token": csrf, "number": a.number, "note": "请今天内清理完毕", "back": back},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == f"{back}&escalated={a.number}"
    ticket = await client.app[TICKETS].get(a.number)
    assert ticket.escalations == 1
    assert ticket.events[-1].note == "领导督办：请今天内清理完毕" and ticket.events[-1].actor == "leader04"
    assert not ticket.events[-1].public  # supervision is internal unless made public
    forged = await client.post("/dashboard/escalate", data={"csrf_token": "wrong", "number": a.number})
    assert forged.status == 403


async def test_a_large_export_streams_every_row(client, database_url):
    from bot.bench_linkage import _bulk_seed

    await _bulk_seed(database_url, 6000)
    await log_in(client, "leader05", "official")
    response = await client.get("/dashboard/export.csv?status=all")
    assert response.status == 200 and response.headers.get("Transfer-Encoding") == "chunked"
    lines = (await response.read()).decode("utf-8-sig").splitlines()
    assert len(lines) == 6001


async def test_odd_paging_and_sorting_never_break_the_page(client, clock):
    _a, _b, c, _d = await overdue_scene(client, clock)
    await log_in(client, "leader06", "official")
    for query in ("page=abc", "page=-3", "page=99999", "sort=accepted_at&order=desc", "status=all&sort=escalations"):
        response = await client.get(f"/dashboard?{query}")
        assert response.status == 200, query
    bad_sort = await client.get("/dashboard?sort=password")
    assert bad_sort.status == 400 and "不支持" in await bad_sort.text()
    officials = await bearer(client, "official")
    bad_limit = await client.get("/api/v1/reports/overdue?limit=lots", headers=officials)
    assert bad_limit.status == 400 and "整数" in (await bad_limit.json())["error"]
    by_category = await client.get("/api/v1/reports/overdue?sort=category&order=desc", headers=officials)
    found = (await by_category.json())["tickets"]
    assert [t["category"] for t in found] == ["illegal_parking", "fire_lane_blocked", "fire_lane_blocked"]
    assert found[0]["number"] == c.number
