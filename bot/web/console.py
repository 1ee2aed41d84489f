"""The operator console `/console` (来电辅助) and `POST /api/v1/suggest`.

While the operator types what the caller says, the page asks for suggestions (debounced, the
previous request aborted) and shows them; one click fills an editable ticket form, or attaches
the call to an open ticket of the same matter (重复件) as an internal note on it.
The 人工会话 panel (static/handoff.js, API in bot/web/handoffs.py) is the queue of chats handed
to a clerk: take one, read the transcript, answer (suggested replies one click away), open a
ticket from it for the resident, hand it back to the bot.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any, Dict

from aiohttp import web

from bot.accounts.roles import Principal
from bot.accounts.service import Login
from bot.clock import format_local
from bot.errors import HotlineError, InvalidInput, NotAllowed
from bot.handoff.models import Handoff
from bot.handoff.service import MAX_REPLY_CHARS
from bot.nlu.patterns import normalize_phone
from bot.privacy import mask_text
from bot.suggestions.service import MAX_TEXT
from bot.taxonomy import APPEAL_TYPES
from bot.ticketing.lifecycle import Action
from bot.ticketing.service import NewTicket, TransitionRequest
from bot.web.bodies import limited_json_object
from bot.web.keys import COURIER, HANDOFFS, PACK, SUGGESTER, TICKETS
from bot.web.middleware import PRINCIPAL
from bot.web.workbench import _checked_form, _html, _login_or_redirect

routes = web.RouteTableDef()


class SuggestionsOff(HotlineError):
    status = 503
    message = "智能建议暂不可用：服务未加载语言模型（请先运行 make train 并重启服务）"
    message_en = "suggestions are off: no NLU model loaded"


def _centre_only(who: Principal | None) -> Principal:
    if who is None or not who.is_centre:
        raise NotAllowed("只有热线中心话务员可以使用来电辅助", error_en="operators only")
    return who


# 20,000 characters of Chinese as JSON `\uXXXX` escapes are 120 KB: more than other bodies may be.
SUGGEST_MAX_BYTES = 6 * MAX_TEXT + 1024


async def _suggest_body(request: web.Request) -> Dict[str, Any]:
    """The JSON body, read with the suggestion endpoint's own size limit (a pasted letter is long)."""
    return await limited_json_object(
        request, SUGGEST_MAX_BYTES, f"内容超过{MAX_TEXT}字，请只粘贴来电内容", "body too large"
    )


@routes.post("/api/v1/suggest")
async def suggest(request: web.Request) -> web.Response:
    """`{"text"}` → appeal type, top-3 categories, entities, address, department, duplicates, knowledge, replies."""
    _centre_only(request[PRINCIPAL])
    data = await _suggest_body(request)
    text = data.get("text")
    if not isinstance(text, str):
        raise InvalidInput("请提供来电内容 text（文本）", error_en="'text' must be a string")
    if SUGGESTER not in request.app:
        raise SuggestionsOff()
    result = await request.app[SUGGESTER].suggest(text)
    return web.json_response(result, dumps=lambda o: json.dumps(o, ensure_ascii=False))


_CONSOLE_CSS = """
[hidden]{display:none!important}.console{display:grid;grid-template-columns:1fr;gap:10px}
@media(min-width:900px){.console{grid-template-columns:1fr 1fr}}
#caller-text{min-height:160px}.panel h2{margin:4px 0 6px}
.pill{display:inline-block;background:#eef2f6;border-radius:12px;
padding:2px 10px;margin:2px;font-size:14px}.pill.top{background:#ffe0e0;font-weight:bold}.reply{background:#f9fbe7;
border-left:4px solid #827717;padding:6px 8px;margin:6px 0}dl{display:grid;grid-template-columns:6em 1fr;margin:0}
dt{color:#5f6b7a}dd{margin:0}.muted{color:#5f6b7a;font-size:14px}.similar{border-top:1px solid #e0e0e0;padding:6px 0}
button.small{width:auto;padding:4px 10px;margin:4px 4px 0 0;font-size:14px}
.handoffs{display:grid;grid-template-columns:1fr;gap:10px}
@media(min-width:900px){.handoffs{grid-template-columns:1fr 2fr}}
.hq{display:block;width:100%;text-align:left;background:#fff;color:inherit;border:1px solid #d0d7de;margin:4px 0}
.hq.waiting{border-left:6px solid #c62828}.hq.active{border-left:6px solid #2e7d32}.hq.open{background:#fff8e1}
.transcript{max-height:360px;overflow-y:auto;border:1px solid #e0e0e0;border-radius:6px;padding:6px;background:#fafafa}
.line{margin:4px 0;padding:4px 8px;border-radius:6px;white-space:pre-wrap;word-break:break-word}
.line.resident{background:#e3f2fd}.line.bot{background:#f1f1f1}.line.operator{background:#e8f5e9;margin-left:12%}
.line.system{color:#5f6b7a;font-size:14px;text-align:center}.line .who{font-size:13px;color:#5f6b7a}
.delivery.failed,.delivery.retrying{color:#b71c1c;font-weight:bold}.delivery.sent{color:#2e7d32}
.hv-buttons{display:flex;flex-wrap:wrap;gap:6px}.hv-buttons button{width:auto}
"""

CONSOLE_JS = Path(__file__).with_name("static") / "console.js"
HANDOFF_JS = Path(__file__).with_name("static") / "handoff.js"

HANDOFF_PANEL = (
    '<section class="card" id="handoff-panel"><h1>人工会话 <span class="pill" id="handoff-count">0</span></h1>'
    '<p class="muted" id="handoff-state" role="status">正在读取转人工的会话…</p><div class="handoffs">'
    '<div id="handoff-queue" aria-label="会话队列"></div>'
    '<div id="handoff-view" hidden><h2 id="hv-title"></h2><p class="muted" id="hv-meta"></p>'
    '<div class="transcript" id="hv-transcript" aria-live="polite"></div>'
    '<h2>参考回复</h2><div id="hv-suggest"><p class="muted">读取中…</p></div>'
    '<label for="hv-reply">回复居民（直接发到居民所用的 Telegram、微信或网页对话里）</label>'
    f'<textarea id="hv-reply" maxlength="{MAX_REPLY_CHARS}" placeholder="输入回复，或点上面的参考回复"></textarea>'
    '<p class="error" id="hv-error" role="alert" hidden></p><div class="hv-buttons">'
    '<button type="button" id="hv-take">接入</button><button type="button" id="hv-send">发送</button>'
    '<button type="button" id="hv-ticket">按会话建单</button>'
    '<button type="button" id="hv-handback">交还机器人</button></div></div></div></section>'
)


def _console_body(
    request: web.Request, login: Login, message: str = "", error: str = "", kept: Dict[str, str] | None = None
) -> str:
    """The page; `kept` refills the ticket form after a refused submission, so nothing typed is lost."""
    pack = request.app[PACK]
    v = {key: escape(value) for key, value in (kept or {}).items()}

    def chosen(field: str, code: str) -> str:
        return " selected" if v.get(field) == code else ""

    categories = "".join(
        f'<option value="{c.code}"{chosen("category", c.code)}>{escape(c.name)}</option>'
        for c in pack.taxonomy.categories.values()
    )
    appeals = "".join(
        f'<option value="{code}"{chosen("appeal_type", code)}>{name}</option>' for code, name in APPEAL_TYPES.items()
    )
    off = (
        ""
        if SUGGESTER in request.app
        else f'<p class="error" role="alert">{SuggestionsOff.message}；仍可手工建单。</p>'
    )
    flash = f'<p class="ok" role="status" id="flash">{message}</p>' if message else ""
    flash += f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f"<style>{_CONSOLE_CSS}</style>{flash}{off}{HANDOFF_PANEL}<h1>来电辅助</h1>"
        '<div class="console"><section class="card panel">'
        '<label for="caller-text">来电人反映的内容（边听边记，系统自动分析）</label>'
        f'<textarea id="caller-text" maxlength="{MAX_TEXT}" '
        'placeholder="例如：我姓王，宝山北路56号门口每天晚上有烧烤摊占道经营，油烟很大"></textarea>'
        '<p class="muted" id="suggest-state" role="status">请输入来电人反映的内容</p>'
        '<button type="button" id="open-ticket">按建议建单</button></section>'
        '<section class="card panel" id="suggestions" hidden><h2>系统建议</h2><dl>'
        '<dt>诉求类型</dt><dd id="appeal-type"></dd><dt>事项类别</dt><dd id="categories"></dd>'
        '<dt>地址</dt><dd id="address"></dd><dt>电话</dt><dd id="phone"></dd><dt>时间</dt><dd id="time"></dd>'
        '<dt>车牌</dt><dd id="plate"></dd><dt>建议派往</dt><dd id="department"></dd></dl>'
        '<h2>参考话术</h2><div id="replies"></div><h2>附近同类在办工单</h2><div id="similar"></div>'
        '<h2>知识库</h2><div id="knowledge"></div></section></div>'
        f'<form method="post" action="/console/tickets" class="card" id="ticket-form"{"" if kept else " hidden"}>'
        f'<h2>新建工单（可修改）</h2><input type="hidden" name="csrf_token" value="{escape(login.csrf_token)}">'
        f'<input type="hidden" name="nonce" value="{v.get("nonce") or secrets.token_hex(12)}">'
        f'<input type="hidden" name="category_confidence" value="{v.get("category_confidence", "0")}">'
        f'<input type="hidden" name="suggested_category" value="{v.get("suggested_category", "")}">'
        f'<input type="hidden" name="handoff_id" value="{v.get("handoff_id", "")}">'
        '<label for="t-description">诉求内容</label>'
        f'<textarea id="t-description" name="description" required>{v.get("description", "")}</textarea>'
        '<label for="t-address">地址</label>'
        f'<input id="t-address" name="address" required value="{v.get("address", "")}">'
        f'<label for="t-category">事项类别</label><select id="t-category" name="category">{categories}</select>'
        f'<label for="t-appeal_type">诉求类型</label><select id="t-appeal_type" name="appeal_type">{appeals}</select>'
        f'<label for="t-contact_phone">联系电话</label><input id="t-contact_phone" name="contact_phone" '
        f'inputmode="tel" value="{v.get("contact_phone", "")}">'
        f'<label for="t-occurred_at">发生时间</label><input id="t-occurred_at" name="occurred_at" '
        f'value="{v.get("occurred_at", "")}">'
        '<button type="submit">确认建单并派发</button></form>'
        f'<form method="post" action="/console/attach" id="attach-form" hidden>'
        f'<input type="hidden" name="csrf_token" value="{escape(login.csrf_token)}">'
        '<input type="hidden" name="number"><input type="hidden" name="text"></form>'
        '<script src="/console/console.js"></script><script src="/console/handoff.js"></script>'
    )


def _appeal_names_js() -> str:
    return f"<script>const NAMES = {json.dumps(APPEAL_TYPES, ensure_ascii=False)};</script>"


def _page(
    request: web.Request,
    login: Login,
    message: str = "",
    error: str = "",
    status: int = 200,
    kept: Dict[str, str] | None = None,
) -> web.Response:
    head = f'<meta name="csrf-token" content="{escape(login.csrf_token)}">{_appeal_names_js()}'
    return _html("来电辅助", head + _console_body(request, login, message, error, kept), login, status)


def _forbidden(login: Login, what: str) -> web.Response:
    return _html("无权访问", f'<p class="error" role="alert">您的账号无权使用{what}</p>', login, 403)


@routes.get("/console/console.js")
async def console_script(request: web.Request) -> web.FileResponse:
    return web.FileResponse(CONSOLE_JS, headers={"Content-Type": "text/javascript; charset=utf-8"})


@routes.get("/console/handoff.js")
async def handoff_script(request: web.Request) -> web.FileResponse:
    return web.FileResponse(HANDOFF_JS, headers={"Content-Type": "text/javascript; charset=utf-8"})


@routes.get("/console")
async def console_page(request: web.Request) -> web.Response:
    login = _login_or_redirect(request)
    if not login.principal.is_centre:
        return _forbidden(login, "来电辅助")
    tickets = request.app[TICKETS]
    message = ""
    for key, verb in (("created", "已建单"), ("attached", "已并入")):
        number = request.query.get(key, "")
        if number:
            try:
                ticket = await tickets.get(number, viewer=login.principal)
            except HotlineError:
                continue
            link = f'<a href="/workbench/tickets/{ticket.number}">{ticket.number}</a>'
            message = f"{verb}工单 {link}，承办单位：{escape(ticket.department.name)}"
    return _page(request, login, message)


def _new_ticket(values: Dict[str, Any]) -> NewTicket:
    phone = (values.get("contact_phone") or "").strip()
    if phone and normalize_phone(phone) is None:
        raise InvalidInput("联系电话格式不正确")
    category = values.get("category") or "other"
    try:
        suggested_confidence = float(values.get("category_confidence") or 0)
    except ValueError:
        suggested_confidence = 0.0
    # The operator confirmed the category: their choice counts as certain unless it is the bot's guess unchanged.
    confidence = suggested_confidence if category == values.get("suggested_category") else 1.0
    nonce = (values.get("nonce") or "")[:40]
    return NewTicket(
        sender_id=f"tel:{normalize_phone(phone) if phone else 'anonymous-' + nonce}",
        description=(values.get("description") or "")[:5000],
        address=(values.get("address") or "")[:256],
        category=category,
        category_confidence=confidence,
        appeal_type=values.get("appeal_type") or "complaint",
        occurred_at=(values.get("occurred_at") or None),
        contact_phone=phone or None,
        idempotency_key=f"console-{nonce}" if len(nonce) >= 8 else None,
    )


@routes.post("/console/tickets")
async def create_from_console(request: web.Request) -> web.Response:
    login = _login_or_redirect(request)
    if not login.principal.is_centre:
        return _forbidden(login, "来电辅助")
    values = await _checked_form(request, login)
    try:
        handoff = await _handoff_of(request, values.get("handoff_id", ""))
        new = _new_ticket(values)
        if handoff is not None:  # the chat's resident: progress reaches them where they wrote from
            new = replace(new, sender_id=handoff.sender_id)
        ticket, created = await request.app[TICKETS].create(new)
    except HotlineError as exc:
        kept = {key: value for key, value in values.items() if key != "csrf_token"}
        return _page(request, login, error=exc.message, status=exc.status, kept=kept)
    if handoff is None:
        raise web.HTTPSeeOther(f"/console?created={ticket.number}")
    if created:
        told = (
            f"已为您登记工单 {ticket.number}，由{ticket.department.name}办理，"
            f"办理时限至{format_local(ticket.due_at)}。办理进展会在这里通知您。"
        )
        await request.app[HANDOFFS].note_ticket(handoff.id, login.principal, ticket.number, told)
        if COURIER in request.app:
            request.app[COURIER].wake()
    raise web.HTTPSeeOther(f"/console?created={ticket.number}&handoff={handoff.id}")


async def _handoff_of(request: web.Request, value: str) -> Handoff | None:
    """The conversation a ticket is opened from (人工会话), or None for a phone call."""
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("会话编号不正确")
    return await request.app[HANDOFFS].get(int(value))


@routes.post("/console/attach")
async def attach_to_duplicate(request: web.Request) -> web.Response:
    """The call joins an open ticket: an internal note on it, so the department sees the matter recur."""
    login = _login_or_redirect(request)
    if not login.principal.is_centre:
        return _forbidden(login, "来电辅助")
    values = await _checked_form(request, login)
    text = mask_text((values.get("text") or "").strip())[:1000]
    note = f"又有市民来电反映同一问题：{text}" if text else "又有市民来电反映同一问题"
    try:
        ticket = await request.app[TICKETS].transition(
            values.get("number", ""), login.principal, TransitionRequest(Action.note, note=note, public=False)
        )
    except HotlineError as exc:
        return _page(request, login, error=exc.message, status=exc.status)
    raise web.HTTPSeeOther(f"/console?attached={ticket.number}")
