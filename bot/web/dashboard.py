"""The officials' dashboard `/dashboard` (领导看板), its exports and the reports API.

Every unresolved case with multi-select filters and sorting; counts by state; per department
按期办结率, average time to sign and to resolve and satisfaction; a daily-volume chart; a
community × category heat table; hotspots; 督办 with a note. Any filtered list exports to CSV
(streamed) or Excel with personal data masked.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from html import escape
from typing import Any, Dict, List, Sequence
from urllib.parse import urlencode

from aiohttp import web

from bot.accounts.roles import Principal
from bot.accounts.service import Login
from bot.clock import format_local, local
from bot.errors import HotlineError, NotAllowed
from bot.reporting.charts import daily_volume_svg
from bot.reporting.export import COLUMNS, csv_chunk, excel_file, masked_row
from bot.reporting.filters import SORTS, UNRESOLVED, ReportFilter, parse_filter, query_string
from bot.reporting.hotspots import Hotspot
from bot.reporting.service import DepartmentStats
from bot.ticketing.lifecycle import Action
from bot.ticketing.service import TransitionRequest
from bot.ticketing.states import Status
from bot.web.keys import PACK, REPORTS, TICKETS
from bot.web.middleware import PRINCIPAL
from bot.web.views import is_overdue, ticket_json
from bot.web.workbench import DASHBOARD_ROLES, _checked_form, _html, _login_or_redirect

routes = web.RouteTableDef()
PAGE_SIZE = 100
CHART_DAYS = 30
MAX_EXCEL_ROWS = 200_000


def _may_oversee(who: Principal | None) -> bool:
    return who is not None and (who.role in DASHBOARD_ROLES or who.is_centre)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _forbidden(login: Login) -> web.Response:
    body = '<p class="error" role="alert">您的账号无权查看领导看板（仅限领导、热线中心和管理员）</p>'
    return _html("无权访问", body + '<a href="/workbench">返回工作台</a>', login, 403)


def _page_login(request: web.Request) -> Login | web.Response:
    login = _login_or_redirect(request)
    return login if _may_oversee(login.principal) else _forbidden(login)


# -- the page ------------------------------------------------------------------------------

_CSS = """
main{max-width:1280px}.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:8px}
.filters select[multiple]{min-height:110px}.chips span{display:inline-block;background:#fff;border-radius:14px;
padding:3px 10px;margin:3px;box-shadow:0 1px 2px #0002}.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;background:#fff;font-size:14px;min-width:100%}th,td{border:1px solid #dde3ea;
padding:4px 6px;text-align:left;white-space:nowrap}td.wrap{white-space:normal;min-width:180px}
tr.overdue td{background:#fff5f5}tr.overdue .due{color:#c62828;font-weight:bold}.heat td.n{text-align:right}
.hotspot{border-left-color:#6a1b9a}.row-actions form{display:flex;gap:4px}.row-actions input{width:10em;padding:4px}
.row-actions button{width:auto;margin:0;padding:4px 8px}.exports a{margin-right:14px}img.chart{max-width:100%;
height:auto;background:#fff;border-radius:8px}
"""


def _options(items: Sequence[tuple], chosen: Sequence[str]) -> str:
    return "".join(
        f'<option value="{escape(code)}"{" selected" if code in chosen else ""}>{escape(name)}</option>'
        for code, name in items
    )


def _filter_form(request: web.Request, filters: ReportFilter) -> str:
    pack = request.app[PACK]
    departments = [(d.code, d.name) for d in pack.departments.values()]
    communities = [(c.code, c.name) for c in pack.communities.values()]
    categories = [(c.code, c.name) for c in pack.taxonomy.categories.values()]
    chosen_states = [s.value for s in filters.statuses] if filters.statuses != UNRESOLVED else []
    states = [(s.value, s.label) for s in Status]
    overdue = {None: "", True: "true", False: "false"}[filters.overdue]
    sorts = [(key, label) for key, (label, _column) in SORTS.items()]
    return (
        '<form method="get" action="/dashboard" class="card" id="filters"><div class="filters">'
        '<div><label for="f-department">承办单位（可多选）</label>'
        '<select id="f-department" name="department" multiple>'
        f"{_options(departments, filters.departments)}</select></div>"
        f'<div><label for="f-community">社区（可多选）</label><select id="f-community" name="community" multiple>'
        f"{_options(communities, filters.communities)}</select></div>"
        f'<div><label for="f-category">事项类别（可多选）</label><select id="f-category" name="category" multiple>'
        f"{_options(categories, filters.categories)}</select></div>"
        f'<div><label for="f-status">状态（不选＝全部未办结）</label><select id="f-status" name="status" multiple>'
        f"{_options(states, chosen_states)}</select></div>"
        f'<div><label for="f-overdue">是否超期</label><select id="f-overdue" name="overdue">'
        f"{_options([('', '不限'), ('true', '已超期'), ('false', '未超期')], [overdue])}</select>"
        f'<label for="f-from">受理日期从</label><input id="f-from" name="from" type="date" '
        f'value="{filters.date_from.isoformat() if filters.date_from else ""}">'
        f'<label for="f-to">到</label><input id="f-to" name="to" type="date" '
        f'value="{filters.date_to.isoformat() if filters.date_to else ""}"></div>'
        '<div><label for="f-sort">排序</label>'
        f'<select id="f-sort" name="sort">{_options(sorts, [filters.sort])}</select>'
        f'<label for="f-order">方向</label><select id="f-order" name="order">'
        f"{_options([('asc', '升序'), ('desc', '降序')], ['desc' if filters.descending else 'asc'])}</select>"
        '<button type="submit" id="apply">查询</button> <a href="/dashboard">清除条件</a></div></div></form>'
    )


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} 小时"


def _department_table(request: web.Request, stats: List[DepartmentStats]) -> str:
    pack = request.app[PACK]
    rows = "".join(
        f"<tr><td>{escape(pack.departments[s.code].name if s.code in pack.departments else s.code)}</td>"
        f"<td>{s.total}</td><td>{s.finished}</td>"
        f"<td>{'—' if s.compliance is None else f'{s.compliance:.0%}'}</td><td>{s.overdue_open}</td>"
        f"<td>{_hours(s.avg_sign_hours)}</td><td>{_hours(s.avg_resolve_hours)}</td>"
        f"<td>{'—' if s.avg_rating is None else f'{s.avg_rating:.1f} 分（{s.rated} 人）'}</td></tr>"
        for s in stats
    )
    return (
        '<div class="scroll"><table id="departments">'
        "<tr><th>承办单位</th><th>工单</th><th>已办结</th><th>按期办结率</th>"
        "<th>超期在办</th><th>平均签收用时</th><th>平均办结用时</th><th>满意度</th></tr>"
        f"{rows or '<tr><td colspan=8>暂无数据</td></tr>'}</table></div>"
    )


def _heat_table(request: web.Request, heat: Dict[tuple, int]) -> str:
    pack = request.app[PACK]
    if not heat:
        return '<p class="meta">暂无数据</p>'
    communities = sorted({c for c, _k in heat}, key=lambda c: -sum(n for (cc, _k), n in heat.items() if cc == c))
    categories = sorted({k for _c, k in heat}, key=lambda k: -sum(n for (_c, kk), n in heat.items() if kk == k))[:12]
    top = max(heat.values())
    head = "".join(f"<th>{escape(pack.taxonomy.get(k).name.split('/')[0])}</th>" for k in categories)
    body = ""
    for community in communities:
        cells = ""
        for category in categories:
            n = heat.get((community, category), 0)
            alpha = 0.08 + 0.8 * n / top if n else 0
            cells += f'<td class="n" style="background:rgba(198,40,40,{alpha:.2f})">{n or ""}</td>'
        name = pack.communities[community].name if community in pack.communities else community
        body += f"<tr><th>{escape(name)}</th>{cells}</tr>"
    return f'<div class="scroll"><table class="heat" id="heat"><tr><th>社区＼事项</th>{head}</tr>{body}</table></div>'


def _hotspots(request: web.Request, spots: List[Hotspot]) -> str:
    pack, reports = request.app[PACK], request.app[REPORTS]
    if not spots:
        return '<p class="meta" id="hotspots">暂无热点</p>'
    items = ""
    for spot in spots:
        community = pack.communities[spot.community].name if spot.community in pack.communities else spot.community
        links = "、".join(f'<a href="/workbench/tickets/{n}">{n}</a>' for n in spot.numbers)
        items += (
            f'<div class="card hotspot" data-community="{escape(spot.community)}" data-matter="{escape(spot.matter)}">'
            f"<strong>{escape(community)} · {escape(reports.matter_name(spot.matter))}：{spot.count} 件</strong>"
            f'<div class="meta">{format_local(spot.first_at)} 至 {format_local(spot.last_at)}</div>'
            f"<div>涉及工单：{links}</div></div>"
        )
    return f'<div id="hotspots">{items}</div>'


def _ticket_rows(request: web.Request, login: Login, tickets: List[Any], back: str) -> str:
    pack = request.app[PACK]
    now = request.app[TICKETS].clock()
    rows = ""
    for t in tickets:
        late = is_overdue(t, now)
        community = pack.communities[t.community].name if t.community in pack.communities else "—"
        escalations = f"（已督办 {t.escalations} 次）" if t.escalations else ""
        press = (
            f'<form method="post" action="/dashboard/escalate">'
            f'<input type="hidden" name="csrf_token" value="{escape(login.csrf_token)}">'
            f'<input type="hidden" name="number" value="{t.number}">'
            f'<input type="hidden" name="back" value="{escape(back)}">'
            '<input name="note" placeholder="督办意见" aria-label="督办意见" maxlength="500">'
            "<button type=submit>督办</button></form>"
            if Status(t.status) in UNRESOLVED
            else ""
        )
        rows += (
            f'<tr class="{"overdue" if late else ""}" data-number="{t.number}">'
            f'<td><a href="/workbench/tickets/{t.number}">{t.number}</a></td><td>{Status(t.status).label}</td>'
            f"<td>{escape(pack.taxonomy.get(t.category).name)}</td><td>{escape(community)}</td>"
            f"<td>{escape(t.department.name)}</td><td>{format_local(t.accepted_at)}</td>"
            f'<td class="due">{format_local(t.due_at)}{"（已超期）" if late else ""}{escalations}</td>'
            f'<td class="wrap">{escape(t.address_full)}</td><td class="row-actions">{press}</td></tr>'
        )
    return rows


@routes.get("/dashboard")
async def dashboard(request: web.Request) -> web.Response:
    login = _page_login(request)
    if isinstance(login, web.Response):
        return login
    reports = request.app[REPORTS]
    try:
        filters = parse_filter(request.query, request.app[PACK])
    except HotlineError as exc:
        body = f'<h1>领导看板</h1><p class="error" role="alert">{escape(exc.message)}</p>'
        return _html("领导看板", f"<style>{_CSS}</style>{body}{_filter_form(request, ReportFilter())}", login, 400)
    try:
        page = max(0, int(request.query.get("page", "0")))
    except ValueError:
        page = 0
    tickets, total = await reports.page(filters, PAGE_SIZE, page * PAGE_SIZE)
    counts = await reports.counts_by_state(filters)
    overdue = await reports.overdue_count(filters)
    stats = await reports.department_stats(filters)
    heat = await reports.heat(filters)
    spots = await reports.hotspots(filters)
    pairs = query_string(filters)
    qs = urlencode(pairs)
    back = f"/dashboard?{qs}" if qs else "/dashboard"
    chips = "".join(
        f'<span data-status="{s.value}">{s.label} <strong>{counts.get(s.value, 0)}</strong></span>'
        for s in Status
        if counts.get(s.value)
    )
    flash = ""
    if request.query.get("escalated"):
        flash = f'<p class="ok" role="status">已督办工单 {escape(request.query["escalated"][:20])}</p>'
    more = ""
    if (page + 1) * PAGE_SIZE < total:
        more = f'<a href="/dashboard?{urlencode([*pairs, ("page", str(page + 1))])}">下一页 →</a>'
    body = (
        f"<style>{_CSS}</style>{flash}<h1>领导看板</h1>{_filter_form(request, filters)}"
        f'<div class="chips" id="counts"><span>符合条件 <strong id="total">{total}</strong> 件</span>'
        f'<span>其中超期 <strong id="overdue-count">{overdue}</strong> 件</span>{chips}</div>'
        f'<p class="exports"><a id="export-csv" href="/dashboard/export.csv?{qs}">导出 CSV</a>'
        f'<a id="export-xlsx" href="/dashboard/export.xlsx?{qs}">导出 Excel</a>'
        '<span class="meta">（导出的电话、身份证号已脱敏）</span></p>'
        '<h2>工单列表</h2><div class="scroll"><table id="tickets"><tr><th>工单编号</th><th>状态</th><th>事项类别</th>'
        "<th>社区</th><th>承办单位</th><th>受理时间</th><th>办理时限</th><th>地址</th><th>督办</th></tr>"
        f"{_ticket_rows(request, login, tickets, back) or '<tr><td colspan=9>没有符合条件的工单</td></tr>'}"
        f"</table></div>{more}"
        f"<h2>热点（{reports.policy.window_days} 天内同一社区同类诉求 ≥ {reports.policy.min_tickets} 件）</h2>"
        f"{_hotspots(request, spots)}"
        f"<h2>各单位办理情况</h2>{_department_table(request, stats)}"
        f'<h2>每日受理量</h2><img class="chart" id="daily-chart" alt="每日受理量（按事项类别）" '
        f'src="/dashboard/charts/daily.svg?{qs}">'
        f"<h2>社区 × 事项热力表</h2>{_heat_table(request, heat)}"
    )
    return _html("领导看板", body, login)


@routes.get("/dashboard/charts/daily.svg")
async def daily_chart(request: web.Request) -> web.Response:
    login = _page_login(request)
    if isinstance(login, web.Response):
        return login
    pack = request.app[PACK]
    try:
        filters = parse_filter(request.query, pack)
    except HotlineError as exc:
        return web.Response(text=exc.message, status=400)
    days, series = await request.app[REPORTS].daily_volume(filters, CHART_DAYS)
    names = {code: pack.taxonomy.get(code).name for code in series}
    svg = await asyncio.get_running_loop().run_in_executor(None, daily_volume_svg, days, series, names)
    return web.Response(body=svg, content_type="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@routes.post("/dashboard/escalate")
async def escalate(request: web.Request) -> web.Response:
    """督办 with a note, from the list; back to the same filtered view."""
    login = _page_login(request)
    if isinstance(login, web.Response):
        return login
    values = await _checked_form(request, login)
    note = (values.get("note") or "").strip()[:500]
    back = values.get("back") or "/dashboard"
    if not back.startswith("/dashboard"):
        back = "/dashboard"
    number = values.get("number", "")
    try:
        ticket = await request.app[TICKETS].transition(
            number, login.principal, TransitionRequest(Action.escalate, note=f"领导督办：{note}" if note else "")
        )
    except HotlineError as exc:
        return _html(
            "督办",
            f'<p class="error" role="alert">{escape(exc.message)}</p><a href="{escape(back)}">返回</a>',
            login,
            exc.status,
        )
    join = "&" if "?" in back else "?"
    raise web.HTTPSeeOther(f"{back}{join}escalated={ticket.number}")


# -- exports -------------------------------------------------------------------------------


def _export_name(extension: str, request: web.Request) -> str:
    stamp = local(request.app[TICKETS].clock()).strftime("%Y%m%d-%H%M")
    return f"hotline-tickets-{stamp}.{extension}"


def _export_filters(request: web.Request) -> web.Response | ReportFilter:
    """The logged-in official's filters for an export, or the page that says why there is none."""
    login = _page_login(request)
    if isinstance(login, web.Response):
        return login
    try:
        return parse_filter(request.query, request.app[PACK])
    except HotlineError as exc:
        return web.Response(text=exc.message, status=400)


@routes.get("/dashboard/export.csv")
async def export_csv(request: web.Request) -> web.StreamResponse:
    filters = _export_filters(request)
    if isinstance(filters, web.Response):
        return filters
    pack, reports = request.app[PACK], request.app[REPORTS]
    now = reports.now()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{_export_name("csv", request)}"',
        }
    )
    await response.prepare(request)
    try:
        await response.write(csv_chunk([], header=True))
        async for chunk in reports.rows(filters, COLUMNS):
            await response.write(csv_chunk([masked_row(row, pack, now) for row in chunk]))
        await response.write_eof()
    except ConnectionResetError:  # the official closed the download: stop reading the database
        pass
    return response


@routes.get("/dashboard/export.xlsx")
async def export_excel(request: web.Request) -> web.StreamResponse:
    filters = _export_filters(request)
    if isinstance(filters, web.Response):
        return filters
    pack, reports = request.app[PACK], request.app[REPORTS]
    now = reports.now()
    rows: List[List[Any]] = []
    async for chunk in reports.rows(filters, COLUMNS):
        rows.extend(masked_row(row, pack, now) for row in chunk)
        if len(rows) > MAX_EXCEL_ROWS:
            return web.Response(text=f"结果超过 {MAX_EXCEL_ROWS} 行，请缩小筛选范围或导出 CSV", status=413)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        await asyncio.get_running_loop().run_in_executor(None, excel_file, rows, path, "工单")
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Content-Disposition": f'attachment; filename="{_export_name("xlsx", request)}"',
            }
        )
        await response.prepare(request)
        try:
            with open(path, "rb") as source:
                while block := source.read(256 * 1024):
                    await response.write(block)
            await response.write_eof()
        except ConnectionResetError:
            pass
        return response
    finally:
        os.unlink(path)


# -- reports API ---------------------------------------------------------------------------


def _official(request: web.Request) -> Principal:
    who: Principal | None = request[PRINCIPAL]
    if not _may_oversee(who):
        raise NotAllowed("只有领导、热线中心和管理员可以查看统计报表", error_en="officials only")
    assert who is not None
    return who


@routes.get("/api/v1/reports/summary")
async def report_summary(request: web.Request) -> web.Response:
    """Counts by state, overdue, per-department compliance, times and satisfaction, hotspot count."""
    _official(request)
    started = time.perf_counter()
    pack, reports = request.app[PACK], request.app[REPORTS]
    filters = parse_filter(request.query, pack)
    counts = await reports.counts_by_state(filters)
    stats = await reports.department_stats(filters)
    spots = await reports.hotspots(filters)
    return _json(
        {
            "generated_at": reports.now().isoformat(timespec="seconds"),
            "unresolved": sum(counts.get(s.value, 0) for s in UNRESOLVED),
            "overdue": await reports.overdue_count(filters),
            "by_state": {s.value: {"name": s.label, "count": counts.get(s.value, 0)} for s in Status},
            "departments": [
                {
                    "code": s.code,
                    "name": pack.departments[s.code].name if s.code in pack.departments else s.code,
                    "total": s.total,
                    "finished": s.finished,
                    "finished_on_time": s.on_time,
                    "compliance": None if s.compliance is None else round(s.compliance, 4),
                    "overdue_open": s.overdue_open,
                    "avg_sign_hours": None if s.avg_sign_hours is None else round(s.avg_sign_hours, 2),
                    "avg_resolve_hours": None if s.avg_resolve_hours is None else round(s.avg_resolve_hours, 2),
                    "avg_rating": None if s.avg_rating is None else round(s.avg_rating, 2),
                    "rated": s.rated,
                }
                for s in stats
            ],
            "hotspots": len(spots),
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    )


@routes.get("/api/v1/reports/overdue")
async def report_overdue(request: web.Request) -> web.Response:
    """Every overdue running ticket under the filters, most overdue first."""
    who = _official(request)
    pack, reports = request.app[PACK], request.app[REPORTS]
    filters = parse_filter(request.query, pack)
    filters = ReportFilter(**{**filters.__dict__, "overdue": True})
    try:
        limit = min(500, max(1, int(request.query.get("limit", "100"))))
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError as exc:
        raise HotlineError("limit 和 offset 应为整数", error_en="limit and offset must be integers") from exc
    found, total = await reports.page(filters, limit, offset)
    now = reports.now()
    return _json(
        {
            "total": total,
            "limit": limit,
            "offset": offset,
            "tickets": [ticket_json(t, pack, who, now, timeline=False) for t in found],
        }
    )


@routes.get("/api/v1/reports/hotspots")
async def report_hotspots(request: web.Request) -> web.Response:
    _official(request)
    pack, reports = request.app[PACK], request.app[REPORTS]
    spots = await reports.hotspots(parse_filter(request.query, pack))
    return _json(
        {
            "window_days": reports.policy.window_days,
            "min_tickets": reports.policy.min_tickets,
            "hotspots": [
                {
                    "matter": s.matter,
                    "matter_name": reports.matter_name(s.matter),
                    "community": s.community,
                    "community_name": pack.communities[s.community].name if s.community in pack.communities else None,
                    "count": s.count,
                    "first_at": s.first_at.isoformat(timespec="seconds"),
                    "last_at": s.last_at.isoformat(timespec="seconds"),
                    "tickets": list(s.numbers),
                }
                for s in spots
            ],
        }
    )
