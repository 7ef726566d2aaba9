"""Typed application keys for what the web handlers share."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox import Outbox
from bot.runtime import Runtime
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
RUNTIME = web.AppKey("runtime", Runtime)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
OUTBOX = web.AppKey("outbox", Outbox)
TEMPLATES = web.AppKey("templates", Environment)
SECRET = web.AppKey("secret", str)
TELEGRAM = web.AppKey("telegram", object)  # bot.channels.telegram.TelegramChannel when enabled
ZALO = web.AppKey("zalo", object)  # bot.channels.zalo.ZaloChannel when enabled
