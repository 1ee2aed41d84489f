"""Typed application keys shared by the handlers."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.accounts.service import AccountService
from bot.citypack import CityPack
from bot.handoff.courier import HandoffCourier
from bot.handoff.service import HandoffService
from bot.knowledge.service import KnowledgeBase
from bot.reporting.service import Reports
from bot.settings import Settings
from bot.suggestions.service import Suggester
from bot.ticketing.evidence import EvidenceFiles
from bot.ticketing.scheduler import DeadlineScheduler
from bot.ticketing.service import TicketService

SETTINGS = web.AppKey("settings", Settings)
PACK = web.AppKey("pack", CityPack)
TICKETS = web.AppKey("tickets", TicketService)
ACCOUNTS = web.AppKey("accounts", AccountService)
HTTP = web.AppKey("http", aiohttp.ClientSession)
SCHEDULER = web.AppKey("scheduler", DeadlineScheduler)
KNOWLEDGE = web.AppKey("knowledge", KnowledgeBase)
REPORTS = web.AppKey("reports", Reports)
SUGGESTER = web.AppKey("suggester", Suggester)  # present only when a model was loaded
EVIDENCE = web.AppKey("evidence", EvidenceFiles)
HANDOFFS = web.AppKey("handoffs", HandoffService)
COURIER = web.AppKey("courier", HandoffCourier)  # present only when RASA_TOKEN is set
