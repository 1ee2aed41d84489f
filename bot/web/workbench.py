"""Staff pages: `/login` and the department workbench `/workbench` (承办单位工作台).

Server-rendered HTML that works on a phone: the queue sorted by deadline (red overdue, orange
due soon), a ticket with its timeline, and one form per action the staff member may take.
Hotline-centre staff also see the triage queue (待分派) and re-dispatch from it. Every form
carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from html import escape
from typing import Any, Dict, List, Tuple

from aiohttp import web

from bot.accounts.roles import Principal, Role
from bot.accounts.service import SESSION_HOURS, Login
from bot.clock import format_local
from bot.errors import HotlineError, TooManyAttempts
from bot.privacy import mask_text
from bot.ticketing.lifecycle import OPEN, RUNNING, Action, allowed_actions, parse_action
from bot.ticketing.models import Ticket
from bot.ticketing.service import TicketFilter, TransitionRequest
from bot.ticketing.states import Status
from bot.web.keys import ACCOUNTS, PACK, TICKETS
from bot.web.middleware import LOGIN, SESSION_COOKIE
from bot.web.views import attachment_url

routes = web.RouteTableDef()
STAFF_PAGES = ("/workbench", "/console", "/dashboard", "/knowledge")
DASHBOARD_ROLES = (Role.admin, Role.official, Role.operator)  # who sees every unresolved case (领导看板)

_CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;
background:#f4f6f8;color:#1d2733}header{background:#b71c1c;color:#fff;padding:10px 14px;display:flex;
justify-content:space-between;align-items:center;flex-wrap:wrap;gap:6px}header a,header button{color:#fff}
main{max-width:960px;margin:0 auto;padding:12px}h1{font-size:20px;margin:4px 0}h2{font-size:17px;margin:16px 0 8px}
.card{background:#fff;border-radius:8px;padding:12px;margin:8px 0;box-shadow:0 1px 2px #0002;display:block;
color:inherit;text-decoration:none;border-left:6px solid #2e7d32}.card.soon{border-left-color:#ef6c00}
.card.overdue{border-left-color:#c62828;background:#fff5f5}.due{font-size:14px}
.overdue .due{color:#c62828;font-weight:bold}
.soon .due{color:#ef6c00;font-weight:bold}.meta{color:#5f6b7a;font-size:14px}form{margin:0}
label{display:block;margin:6px 0 2px;font-size:14px}input,select,textarea,button{font:inherit;width:100%;padding:8px;
border:1px solid #b0bac5;border-radius:6px}textarea{min-height:70px}button{background:#b71c1c;color:#fff;border:0;
margin-top:8px;cursor:pointer}button.plain{background:none;border:1px solid #fff;width:auto;margin:0;padding:4px 10px}
.actions{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:8px}
.error{background:#ffebee;color:#b71c1c;padding:8px;border-radius:6px}.ok{background:#e8f5e9;color:#1b5e20;
padding:8px;border-radius:6px}ol.timeline{padding-left:18px}ol.timeline li{margin:6px 0}.internal{color:#6a4f00}
nav a{margin-right:12px}nav.pages a{margin-right:10px}
.check{display:flex;gap:6px;align-items:center}.check input{width:auto}
"""


def _html(title: str, body: str, login: Login | None = None, status: int = 200) -> web.Response:
    bar = ""
    if login is not None:
        who = login.principal
        unit = f" · {escape(who.department)}" if who.department else ""
        links = "".join(f'<a href="{href}">{text}</a>' for href, text in staff_links(who))
        bar = (
            f'<nav class="pages">{links}</nav>'
            f"<span>{escape(who.name)}（{escape(who.role.label)}{unit}）</span>"
            f'<form method="post" action="/logout">{_csrf(login)}<button class="plain">退出登录</button></form>'
        )
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · 联动工作台</title><style>{_CSS}</style></head><body>"
        '<header><strong><a href="/workbench" style="text-decoration:none">民有所呼·我有所应 联动工作台</a></strong>'
        f"{bar}</header>"
        f"<main>{body}</main></body></html>"
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8", status=status)


def staff_links(who: Principal) -> List[Tuple[str, str]]:
    """The pages this person may open, for the header."""
    links = [("/workbench", "工作台")]
    if who.is_centre:
        links.append(("/console", "来电辅助"))
    if who.role in DASHBOARD_ROLES or who.is_centre:
        links.append(("/dashboard", "领导看板"))
    if who.role is Role.admin:
        links.append(("/knowledge", "知识库"))
    return links


def _csrf(login: Login) -> str:
    return f'<input type="hidden" name="csrf_token" value="{escape(login.csrf_token)}">'


def _login_or_redirect(request: web.Request) -> Login:
    login: Login | None = request[LOGIN]
    if login is None:
        raise web.HTTPFound(f"/login?next={request.path}")
    return login


async def _checked_form(request: web.Request, login: Login) -> Dict[str, str]:
    form = await request.post()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    if not hmac.compare_digest(values.get("csrf_token", "").encode(), login.csrf_token.encode()):
        raise web.HTTPForbidden(text="页面已过期，请返回刷新后重试", content_type="text/plain")
    return values


# -- login ---------------------------------------------------------------------------------


def _login_form(error: str = "", next_path: str = "/workbench") -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f'<h1>工作人员登录</h1>{message}<form method="post" action="/login" class="card">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label for="username">用户名</label><input id="username" name="username" autocomplete="username" required>'
        '<label for="password">密码</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        "<button type=submit>登录</button></form>"
    )


def _safe_next(value: str) -> str:
    """Only our own pages: never redirect a fresh login to another site."""
    return value if value.startswith(STAFF_PAGES) and not value.startswith("//") else "/workbench"


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return _html("登录", _login_form(next_path=_safe_next(request.query.get("next", ""))))


@routes.post("/login")
async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    next_path = _safe_next(str(form.get("next", "")))
    try:
        login = await request.app[ACCOUNTS].login(username[:64], password[:256])
    except HotlineError as exc:  # 401 for a wrong name or password, 429 after too many of them
        page = _html("登录", _login_form(exc.message, next_path), status=exc.status)
        if isinstance(exc, TooManyAttempts):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = web.HTTPFound(next_path)
    response.set_cookie(
        SESSION_COOKIE,
        login.session_secret,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        max_age=SESSION_HOURS * 3600,
        path="/",
    )
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    login = _login_or_redirect(request)
    await _checked_form(request, login)
    await request.app[ACCOUNTS].logout(login.session_secret)
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


# -- queue ---------------------------------------------------------------------------------


def _urgency(ticket: Ticket, now: datetime) -> str:
    """Colour of a card: only running cases can be late (a rejected one waits with its clock paused)."""
    if Status(ticket.status) not in RUNNING:
        return "normal"
    if ticket.due_at < now:
        return "overdue"
    if ticket.warn_at is not None and ticket.warn_at <= now:
        return "soon"
    return "normal"


_ACTIONS = {a.value for a in Action}
_URGENCY_TEXT = {"overdue": "已超期", "soon": "临近时限", "normal": "时限内"}


def _card(ticket: Ticket, request: web.Request, now: datetime) -> str:
    pack = request.app[PACK]
    urgency = _urgency(ticket, now)
    category = pack.taxonomy.get(ticket.category)
    status = Status(ticket.status)
    escalated = f" · 督办 {ticket.escalations} 次" if ticket.escalations else ""
    return (
        f'<a class="card {urgency}" href="/workbench/tickets/{ticket.number}" data-number="{ticket.number}" '
        f'data-urgency="{urgency}"><strong>{ticket.number}</strong> · {escape(category.name)} · {status.label}'
        f'<div class="due">{_URGENCY_TEXT[urgency]}：{format_local(ticket.due_at)}{escalated}</div>'
        f'<div class="meta">{escape(ticket.address_full)} · {escape(ticket.department.name)}</div>'
        f"<div>{escape(mask_text(ticket.description[:80]))}</div></a>"
    )


@routes.get("/workbench")
async def queue(request: web.Request) -> web.Response:
    login = _login_or_redirect(request)
    who = login.principal
    tickets = request.app[TICKETS]
    pack = request.app[PACK]
    now = tickets.clock()
    done = request.query.get("done", "")
    sections: List[str] = [f'<p class="ok" role="status">已{Action(done).label}</p>'] if done in _ACTIONS else []
    working = tuple(s for s in OPEN if s is not Status.rejected) + (Status.resolved,)
    if who.is_centre:
        triage, _ = await tickets.search(
            TicketFilter(statuses=(Status.accepted, Status.rejected), department=pack.triage_department, limit=200),
            who,
        )
        cards = "".join(_card(t, request, now) for t in triage) or '<p class="meta">暂无待分派工单</p>'
        sections.append(f'<section id="triage"><h2>待分派（{len(triage)}）</h2>{cards}</section>')
    mine, total = await tickets.search(TicketFilter(statuses=working, limit=200), who)
    title = "本单位待办" if not who.sees_all_departments else "全部在办"
    cards = "".join(_card(t, request, now) for t in mine) or '<p class="meta">暂无待办工单</p>'
    sections.append(f'<section id="queue"><h2>{title}（{total}，按办理时限排序）</h2>{cards}</section>')
    return _html("工作台", "".join(sections), login)


# -- one ticket ----------------------------------------------------------------------------


def _action_form(action: Action, ticket: Ticket, login: Login, request: web.Request) -> str:
    pack = request.app[PACK]
    fields = ""
    if action is Action.dispatch:
        options = "".join(
            f'<option value="{escape(d.code)}">{escape(d.name)}</option>'
            for d in pack.departments.values()
            if d.code != pack.triage_department
        )
        fields = f'<label for="department">承办单位</label><select id="department" name="department">{options}</select>'
    elif action is Action.reject:
        fields = (
            '<label for="reason">退单理由（必填）</label><textarea id="reason" name="reason" required '
            'placeholder="如：不属于本单位职责、地址不在辖区"></textarea>'
        )
    elif action is Action.merge:
        fields = (
            '<label for="into">并入工单编号</label><input id="into" name="into" required placeholder="20261122-000123">'
        )
    elif action is Action.rate:
        options = "".join(f'<option value="{n}">{n} 分</option>' for n in range(5, 0, -1))
        fields = f'<label for="rating">市民评价</label><select id="rating" name="rating">{options}</select>'
    if action is not Action.reject:
        label = "办理结果（必填）" if action is Action.resolve else "说明"
        required = " required" if action in (Action.resolve, Action.note) else ""
        field_id = f"note-{action.value}"
        fields += f'<label for="{field_id}">{label}</label><textarea id="{field_id}" name="note"{required}></textarea>'
    if action is Action.note:
        checkbox = '<input type="checkbox" name="public" value="1" id="public">'
        fields += f'<label class="check">{checkbox} 市民可见（公开进展）</label>'
    return (
        f'<form method="post" action="/workbench/tickets/{ticket.number}" class="card" data-action="{action.value}">'
        f'{_csrf(login)}<input type="hidden" name="action" value="{action.value}">'
        f'<input type="hidden" name="version" value="{ticket.version}">{fields}'
        f'<button type="submit">{action.label}</button></form>'
    )


def _detail(ticket: Ticket, login: Login, request: web.Request, message: str = "", error: str = "") -> str:
    pack = request.app[PACK]
    who = login.principal
    now = request.app[TICKETS].clock()
    status = Status(ticket.status)
    category = pack.taxonomy.get(ticket.category)
    phone = ticket.contact_phone if who.sees_contacts else mask_text(ticket.contact_phone or "")
    urgency = _urgency(ticket, now)
    events = "".join(
        f'<li class="{"public" if e.public else "internal"}"><span class="meta">{format_local(e.at)} · '
        f"{escape(e.actor)} · {'公开' if e.public else '内部'}</span><br>{escape(e.note)}</li>"
        for e in ticket.events
    )
    forms = "".join(_action_form(a, ticket, login, request) for a in allowed_actions(status) if who.may(a))
    flash = f'<p class="ok" role="status">{escape(message)}</p>' if message else ""
    flash += f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    merged = f"<p>已并入工单：{escape(ticket.merged_into)}</p>" if ticket.merged_into else ""
    photos = "".join(
        f'<a href="{attachment_url(ticket, a)}" target="_blank" rel="noopener">'
        f'<img src="{attachment_url(ticket, a)}" alt="居民照片 {format_local(a.created_at)}" loading="lazy" '
        f'style="max-width:160px;max-height:160px;margin:4px;border:1px solid #ccc"></a>'
        for a in ticket.attachments
    )
    evidence = f'<h2>居民照片（{len(ticket.attachments)}）</h2><div id="attachments">{photos}</div>' if photos else ""
    return (
        f'<nav><a href="/workbench">← 返回工作台</a></nav>{flash}'
        f'<h1>工单 {ticket.number}</h1><div class="card {urgency}" id="summary">'
        f'<div>状态：<strong id="status">{status.label}</strong> · {escape(category.name)}</div>'
        f'<div class="due">办理时限：{format_local(ticket.due_at)}（{_URGENCY_TEXT[urgency]}）</div>'
        f"<div>承办单位：{escape(ticket.department.name)}</div>"
        f"<div>地址：{escape(ticket.address_full)}</div><div>联系电话：{escape(phone or '未留')}</div>"
        f"<p>{escape(ticket.description)}</p>{merged}</div>{evidence}"
        f'<h2>办理</h2><div class="actions">{forms or "<p class=meta>当前无可执行的操作</p>"}</div>'
        f'<h2>时间线</h2><ol class="timeline" id="timeline">{events}</ol>'
    )


@routes.get("/workbench/tickets/{number}")
async def ticket_page(request: web.Request) -> web.Response:
    login = _login_or_redirect(request)
    try:
        ticket = await request.app[TICKETS].get(request.match_info["number"], viewer=login.principal)
    except HotlineError as exc:
        return _html("未找到", f'<p class="error">{escape(exc.message)}</p><a href="/workbench">返回</a>', login, 404)
    done = request.query.get("done", "")
    message = f"已{Action(done).label}" if done in _ACTIONS else ""
    return _html(f"工单 {ticket.number}", _detail(ticket, login, request, message), login)


def _form_request(values: Dict[str, Any], who: Principal) -> TransitionRequest:
    rating_text = values.get("rating", "")
    return TransitionRequest(
        action=parse_action(values.get("action")),
        note=values.get("note", ""),
        public=values.get("public") == "1",
        department=values.get("department") or None,
        reason=values.get("reason", ""),
        into=values.get("into") or None,
        rating=int(rating_text) if rating_text.isdigit() else None,
    )


@routes.post("/workbench/tickets/{number}")
async def ticket_action(request: web.Request) -> web.Response:
    login = _login_or_redirect(request)
    values = await _checked_form(request, login)
    number = request.match_info["number"]
    tickets = request.app[TICKETS]
    try:
        step = _form_request(values, login.principal)
        ticket = await tickets.transition(number, login.principal, step)
    except HotlineError as exc:
        try:
            current = await tickets.get(number, viewer=login.principal)
        except HotlineError:
            return _html("未找到", f'<p class="error">{escape(exc.message)}</p>', login, exc.status)
        return _html(f"工单 {number}", _detail(current, login, request, error=exc.message), login, exc.status)
    if not login.principal.may_see(ticket.department_code):  # e.g. rejected back to the hotline centre
        raise web.HTTPSeeOther(f"/workbench?done={step.action.value}")
    raise web.HTTPSeeOther(f"/workbench/tickets/{ticket.number}?done={step.action.value}")
