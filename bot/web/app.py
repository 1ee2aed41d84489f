"""The linkage service's aiohttp application (`hotline serve`)."""

from __future__ import annotations

from typing import AsyncIterator

import aiohttp
from aiohttp import web

from bot.citypack import CityPack, load_city_pack
from bot.clock import Clock, system_clock
from bot.notify.pusher import notifier_context
from bot.settings import Settings
from bot.ticketing.db import create_schema, make_engine
from bot.ticketing.service import TicketService
from bot.web import api, chat, open311
from bot.web.keys import HTTP, PACK, SETTINGS, TICKETS
from bot.web.middleware import errors, service_auth


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": "hotline-linkage", "city": request.app[PACK].district})


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


def init_app(settings: Settings, clock: Clock = system_clock, pack: CityPack | None = None) -> web.Application:
    """Build the app; the database engine and HTTP client open on start-up and close on cleanup."""
    app = web.Application(middlewares=[errors, service_auth], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[PACK] = pack or load_city_pack(settings.city_pack)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await create_schema(engine)
        service = TicketService(engine, app[PACK], clock)
        await service.sync_departments()
        app[TICKETS] = service
        async with aiohttp.ClientSession() as http:
            app[HTTP] = http
            yield
        await engine.dispose()

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(notifier_context(settings.notify_interval_seconds))
    app.router.add_get("/health", health)
    app.router.add_get("/", home)
    app.add_routes(api.routes)
    app.add_routes(open311.routes)
    app.add_routes(chat.routes)
    return app
