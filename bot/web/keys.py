"""Typed application keys shared by the handlers."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.citypack import CityPack
from bot.settings import Settings
from bot.ticketing.service import TicketService

SETTINGS = web.AppKey("settings", Settings)
PACK = web.AppKey("pack", CityPack)
TICKETS = web.AppKey("tickets", TicketService)
HTTP = web.AppKey("http", aiohttp.ClientSession)
