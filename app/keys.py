"""Typed application keys for what the web handlers share."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.runtime import Runtime
from app.settings import Settings
from bot.channel import Registry
from bot.outbox import Outbox

SETTINGS = web.AppKey("settings", Settings)
RUNTIME = web.AppKey("runtime", Runtime)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
OUTBOX = web.AppKey("outbox", Outbox)
TEMPLATES = web.AppKey("templates", Environment)
SECRET = web.AppKey("secret", str)
CHANNELS = web.AppKey("channels", Registry)  # every known channel; the adapters running here
