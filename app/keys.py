"""Typed application keys for what the web handlers share."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.settings import Settings
from audio.library import AudioLibrary
from bot.channel import Registry
from bot.core import Core
from bot.outbox import Outbox
from content.loader import Content

SETTINGS = web.AppKey("settings", Settings)
CONTENT = web.AppKey("content", Content)
AUDIO = web.AppKey("audio", AudioLibrary)
ENGINE = web.AppKey("engine", AsyncEngine)
CORE = web.AppKey("core", Core)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
OUTBOX = web.AppKey("outbox", Outbox)
TEMPLATES = web.AppKey("templates", Environment)
SECRET = web.AppKey("secret", str)
CHANNELS = web.AppKey("channels", Registry)  # every known channel; the adapters running here
