"""The knowledge base page `/knowledge` (知识库维护): admins add, edit, retire and search answers."""

from __future__ import annotations

import json
from html import escape

from aiohttp import web

from bot.accounts.roles import Role
from bot.accounts.service import Login
from bot.clock import format_local
from bot.errors import HotlineError
from bot.knowledge.models import KnowledgeArticle
from bot.knowledge.policy import MIN_CONFIDENCE
from bot.knowledge.search import KIND_LABELS
from bot.knowledge.service import ArticleInput
from bot.web.keys import KNOWLEDGE, PACK
from bot.web.workbench import _checked_form, _html, _login_or_redirect

routes = web.RouteTableDef()


def _admin(request: web.Request) -> Login | web.Response:
    login = _login_or_redirect(request)
    if login.principal.role is not Role.admin:
        return _html("无权访问", '<p class="error" role="alert">只有管理员可以维护知识库</p>', login, 403)
    return login


def _form(request: web.Request, login: Login, article: KnowledgeArticle | None = None) -> str:
    pack = request.app[PACK]
    kinds = "".join(
        f'<option value="{k}"{" selected" if article is not None and article.kind == k else ""}>{v}</option>'
        for k, v in KIND_LABELS.items()
    )
    chosen = article.category if article is not None else ""
    categories = '<option value="">（不限）</option>' + "".join(
        f'<option value="{c.code}"{" selected" if c.code == chosen else ""}>{escape(c.name)}</option>'
        for c in pack.taxonomy.categories.values()
    )
    action = f"/knowledge/{article.id}" if article is not None else "/knowledge"
    return (
        f'<form method="post" action="{action}" class="card" id="article-form">'
        f'<input type="hidden" name="csrf_token" value="{escape(login.csrf_token)}">'
        f"<h2>{'修改' if article is not None else '新增'}知识</h2>"
        f'<label for="kind">类型</label><select id="kind" name="kind">{kinds}</select>'
        f'<label for="title">标题</label><input id="title" name="title" required maxlength="200" '
        f'value="{escape(article.title) if article is not None else ""}">'
        f'<label for="keywords">关键词（空格分隔）</label><input id="keywords" name="keywords" maxlength="500" '
        f'value="{escape(article.keywords) if article is not None else ""}">'
        f'<label for="office">办理地点/咨询渠道（机器人答复时一并告诉居民）</label>'
        f'<input id="office" name="office" maxlength="300" '
        f'value="{escape(article.office or "") if article is not None else ""}">'
        f'<label for="category">事项类别</label><select id="category" name="category">{categories}</select>'
        f'<label for="answer">答复内容</label><textarea id="answer" name="answer" required maxlength="4000">'
        f"{escape(article.answer) if article is not None else ''}</textarea>"
        "<button type=submit>保存</button></form>"
    )


async def _list_page(
    request: web.Request, login: Login, message: str = "", error: str = "", status: int = 200
) -> web.Response:
    knowledge = request.app[KNOWLEDGE]
    query = request.query.get("q", "")[:200]
    articles = await knowledge.list()
    hits = knowledge.search(query, limit=10) if query else []
    found = "".join(
        f"<li>【{KIND_LABELS[h.kind]}】{escape(h.title)} <span class=meta>匹配度 {h.confidence:.2f}</span></li>"
        for h in hits
    )
    results = f'<ol id="results">{found or "<li>没有找到相关答复</li>"}</ol>' if query else ""
    rows = "".join(
        f'<div class="card" data-id="{a.id}"{"" if a.active else " style=opacity:.55"}>'
        f"<strong>【{KIND_LABELS.get(a.kind, a.kind)}】{escape(a.title)}</strong>{'' if a.active else '（已停用）'}"
        f'<div class="meta">{escape(a.keywords)} · {format_local(a.updated_at)} {escape(a.updated_by)}</div>'
        f"<div>{escape(a.answer[:160])}</div>"
        + (f'<div class="meta">办理地点：{escape(a.office)}</div>' if a.office else "")
        + f'<a href="/knowledge/{a.id}">修改</a> '
        f'<form method="post" action="/knowledge/{a.id}/active" style="display:inline">'
        f'<input type="hidden" name="csrf_token" value="{escape(login.csrf_token)}">'
        f'<input type="hidden" name="active" value="{"0" if a.active else "1"}">'
        f'<button class="plain" style="color:#b71c1c;border-color:#b71c1c">{"停用" if a.active else "启用"}</button>'
        "</form></div>"
        for a in articles
    )
    flash = f'<p class="ok" role="status">{escape(message)}</p>' if message else ""
    flash += f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"{flash}<h1>知识库（办事指南、政策咨询）</h1>"
        '<form method="get" action="/knowledge" class="card">'
        '<label for="q">试一试检索（与来电辅助、机器人相同的检索；机器人只对匹配度 ≥ '
        f"{MIN_CONFIDENCE} 的咨询直接答复）</label>"
        f'<input id="q" name="q" value="{escape(query)}"><button type="submit">检索</button></form>{results}'
        f"{_form(request, login)}<h2>全部知识（{len(articles)}）</h2>{rows}"
    )
    return _html("知识库", body, login, status)


@routes.get("/api/v1/knowledge")
async def search_api(request: web.Request) -> web.Response:
    """Answers for an inquiry, best first (any staff or service token: the bot may use it too).

    `confidence` (0–1) is how much of the question an article explains; the bot answers a resident
    by itself only above its measured threshold (actions/inquiry.py)."""
    query = request.query.get("q", "")[:2000]
    category = request.query.get("category") or None
    hits = request.app[KNOWLEDGE].search(query, limit=5, category=category) if query.strip() else []
    body = {
        "articles": [
            {
                "id": h.id,
                "kind": h.kind,
                "kind_name": KIND_LABELS[h.kind],
                "title": h.title,
                "answer": h.answer,
                "office": h.office,
                "category": h.category,
                "score": h.score,
                "confidence": h.confidence,
            }
            for h in hits
        ]
    }
    return web.json_response(body, dumps=lambda o: json.dumps(o, ensure_ascii=False))


@routes.get("/knowledge")
async def knowledge_page(request: web.Request) -> web.Response:
    login = _admin(request)
    if isinstance(login, web.Response):
        return login
    return await _list_page(request, login, "已保存" if request.query.get("saved") else "")


def _input(values: dict) -> ArticleInput:
    return ArticleInput(
        kind=values.get("kind", ""),
        title=values.get("title", ""),
        keywords=values.get("keywords", ""),
        category=values.get("category") or None,
        answer=values.get("answer", ""),
        office=values.get("office", ""),
    )


async def _save(request: web.Request, article_id: int | None) -> web.Response:
    """A new article (no id) or an edited one: validate, save, back to the list with the outcome."""
    login = _admin(request)
    if isinstance(login, web.Response):
        return login
    values = await _checked_form(request, login)
    try:
        data = _input(values).validate(request.app[PACK].taxonomy.codes())
        await request.app[KNOWLEDGE].save(data, login.principal.name, article_id)
    except HotlineError as exc:
        return await _list_page(request, login, error=exc.message, status=exc.status)
    raise web.HTTPSeeOther("/knowledge?saved=1")


@routes.post("/knowledge")
async def create_article(request: web.Request) -> web.Response:
    return await _save(request, None)


def _article_id(request: web.Request) -> int:
    try:
        return int(request.match_info["article_id"])
    except ValueError as exc:
        raise web.HTTPNotFound() from exc


@routes.get("/knowledge/{article_id}")
async def edit_page(request: web.Request) -> web.Response:
    login = _admin(request)
    if isinstance(login, web.Response):
        return login
    try:
        article = await request.app[KNOWLEDGE].get(_article_id(request))
    except HotlineError as exc:
        return _html("知识库", f'<p class="error">{escape(exc.message)}</p><a href="/knowledge">返回</a>', login, 404)
    return _html("修改知识", '<nav><a href="/knowledge">← 返回知识库</a></nav>' + _form(request, login, article), login)


@routes.post("/knowledge/{article_id}")
async def update_article(request: web.Request) -> web.Response:
    return await _save(request, _article_id(request))


@routes.post("/knowledge/{article_id}/active")
async def toggle_article(request: web.Request) -> web.Response:
    login = _admin(request)
    if isinstance(login, web.Response):
        return login
    values = await _checked_form(request, login)
    try:
        await request.app[KNOWLEDGE].set_active(_article_id(request), values.get("active") == "1", login.principal.name)
    except HotlineError as exc:
        return await _list_page(request, login, error=exc.message, status=exc.status)
    raise web.HTTPSeeOther("/knowledge?saved=1")
