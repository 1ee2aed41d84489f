"""The linkage service's aiohttp application (`hotline serve`)."""

from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot.accounts.service import AccountService
from bot.citypack import CityPack, load_city_pack
from bot.classify import Classifier
from bot.clock import Clock, system_clock
from bot.handoff.courier import courier_context
from bot.handoff.service import HandoffService
from bot.knowledge.service import KnowledgeBase
from bot.notify.pusher import notifier_context
from bot.reporting.hotspots import load_policy
from bot.reporting.service import Reports
from bot.settings import Settings
from bot.suggestions.replies import load_replies
from bot.suggestions.service import Suggester
from bot.ticketing.db import create_schema, make_engine
from bot.ticketing.evidence import EvidenceFiles
from bot.ticketing.scheduler import DeadlineScheduler
from bot.ticketing.service import TicketService
from bot.web import api, chat, console, dashboard, handoffs, knowledge, open311, workbench
from bot.web.keys import (
    ACCOUNTS,
    EVIDENCE,
    HANDOFFS,
    HTTP,
    KNOWLEDGE,
    PACK,
    REPORTS,
    SCHEDULER,
    SETTINGS,
    SUGGESTER,
    TICKETS,
)
from bot.web.middleware import authenticate, errors


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": "hotline-linkage", "city": request.app[PACK].district})


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


log = logging.getLogger(__name__)


async def _load_classifier(settings: Settings, pack: CityPack) -> Classifier | None:
    """The Rasa model for suggestions, loaded once (in a thread: it takes seconds), when configured."""
    model = settings.suggest_model
    if model is None or not model.exists():
        log.info("no NLU model configured or found: the operator console runs without suggestions")
        return None
    return await asyncio.get_running_loop().run_in_executor(None, Classifier, model, pack)


def init_app(
    settings: Settings,
    clock: Clock = system_clock,
    pack: CityPack | None = None,
    classifier: Classifier | None = None,
) -> web.Application:
    """Build the app; the database, HTTP client, deadline scheduler and NLU model start on start-up.

    `classifier` lets tests share one loaded model between apps; otherwise `settings.suggest_model` is loaded.
    """
    app = web.Application(middlewares=[errors, authenticate], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[PACK] = pack or load_city_pack(settings.city_pack)
    app[EVIDENCE] = EvidenceFiles(settings.attachments_dir)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await create_schema(engine)
        service = TicketService(engine, app[PACK], clock)
        await service.sync_departments()
        app[TICKETS] = service
        app[ACCOUNTS] = AccountService(engine, app[PACK], clock)
        app[HANDOFFS] = HandoffService(engine, clock)
        app[SCHEDULER] = DeadlineScheduler(service, settings.scheduler_seconds)
        folder = settings.city_pack
        app[KNOWLEDGE] = KnowledgeBase(engine, clock)
        await app[KNOWLEDGE].seed(folder / "knowledge.yml")
        await app[KNOWLEDGE].reload()
        app[REPORTS] = Reports(service, load_policy(folder / "reporting.yml", app[PACK].taxonomy.codes()))
        reader = classifier or await _load_classifier(settings, app[PACK])
        if reader is not None:
            app[SUGGESTER] = Suggester(reader, app[PACK], service, app[KNOWLEDGE], load_replies(folder / "replies.yml"))
        task = asyncio.create_task(app[SCHEDULER].run_forever()) if settings.scheduler_seconds > 0 else None
        async with aiohttp.ClientSession() as http:
            app[HTTP] = http
            yield
        if task is not None:
            app[SCHEDULER].stop()
            await task
        await engine.dispose()

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(notifier_context(settings.notify_interval_seconds))
    app.cleanup_ctx.append(courier_context())
    app.router.add_get("/health", health)
    app.router.add_get("/", home)
    app.add_routes(api.routes)
    app.add_routes(open311.routes)
    app.add_routes(chat.routes)
    app.add_routes(workbench.routes)
    app.add_routes(console.routes)
    app.add_routes(handoffs.routes)
    app.add_routes(dashboard.routes)
    app.add_routes(knowledge.routes)
    return app
