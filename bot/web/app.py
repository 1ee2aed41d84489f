"""The linkage service's aiohttp application (`hotline serve`)."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot.accounts.service import AccountService
from bot.citypack import CityPack, load_city_pack
from bot.clock import Clock, system_clock
from bot.notify.pusher import notifier_context
from bot.settings import Settings
from bot.ticketing.db import create_schema, make_engine
from bot.ticketing.scheduler import DeadlineScheduler
from bot.ticketing.service import TicketService
from bot.web import api, chat, open311, workbench
from bot.web.keys import ACCOUNTS, HTTP, PACK, SCHEDULER, SETTINGS, TICKETS
from bot.web.middleware import authenticate, errors


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": "hotline-linkage", "city": request.app[PACK].district})


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


def init_app(settings: Settings, clock: Clock = system_clock, pack: CityPack | None = None) -> web.Application:
    """Build the app; the database, HTTP client and deadline scheduler start on start-up and stop on cleanup."""
    app = web.Application(middlewares=[errors, authenticate], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[PACK] = pack or load_city_pack(settings.city_pack)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await create_schema(engine)
        service = TicketService(engine, app[PACK], clock)
        await service.sync_departments()
        app[TICKETS] = service
        app[ACCOUNTS] = AccountService(engine, app[PACK], clock)
        app[SCHEDULER] = DeadlineScheduler(service, settings.scheduler_seconds)
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
    app.router.add_get("/health", health)
    app.router.add_get("/", home)
    app.add_routes(api.routes)
    app.add_routes(open311.routes)
    app.add_routes(chat.routes)
    app.add_routes(workbench.routes)
    return app
