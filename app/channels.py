"""Which channels this process knows and runs, as one `Registry`.

Every channel's capabilities are known (announcements are shaped for all of them); the adapters
are those the settings turn on."""

from __future__ import annotations

from collections.abc import Collection

from app.settings import Settings
from bot.channel import Capabilities, Channel, Registry
from channels.console import ConsoleChannel
from channels.web import WebChannel
from channels.zalo_bot import CAPABILITIES as ZALO_BOT
from channels.zalo_bot import ZaloBotChannel
from channels.zalo_oa import ZaloOAChannel

# Share of Telegram's rate an announcement may use; the rest is left for live replies.
TELEGRAM_SHARE = 2 / 3
# Zalo publishes no rate for OA consultation messages: announcements go at 10 a second.
ZALO_PACE = 10.0


def known(settings: Settings) -> dict[str, Capabilities]:
    """What each channel can show, whether or not it runs in this process (announcements are
    shaped and paced for every subscriber's channel)."""
    return {
        "telegram": Capabilities(
            max_text=4096,
            max_buttons=100,
            numbered_choices=False,
            audio_out=True,
            clip_upload=True,
            announce_rate=max(1.0, settings.telegram_max_rate * TELEGRAM_SHARE),
        ),
        # Zalo OA: numbered choices stay beside the (at most 4) template buttons.
        "zalo": Capabilities(
            max_text=2000,
            max_buttons=4,
            max_button_title=35,
            phone_buttons=True,
            announce_rate=ZALO_PACE,
        ),
        "zalo_bot": ZALO_BOT,
        "web": Capabilities(
            max_text=20000, max_buttons=100, numbered_choices=False, audio_out=True, push=False
        ),
        "console": Capabilities(max_text=20000, push=False),
    }


def build_registry(settings: Settings, *, only: Collection[str] | None = None) -> Registry:
    """The registry of every known channel, with the adapters the settings turn on (all of
    them, or those named in `only`): Telegram with TELEGRAM_TOKEN, Zalo OA with ZALO_APP_ID and
    ZALO_OA_SECRET_KEY, Zalo Bot with ZALO_BOT_TOKEN, the web chat and the console always."""
    caps = known(settings)

    def wanted(name: str) -> bool:
        return only is None or name in only

    enabled: list[Channel] = []
    if wanted("telegram") and settings.telegram_token:
        from channels.telegram import TelegramChannel  # python-telegram-bot only when used

        enabled.append(TelegramChannel(settings, caps["telegram"]))
    if wanted("zalo") and settings.zalo_app_id and settings.zalo_oa_secret_key:
        enabled.append(ZaloOAChannel(settings, caps["zalo"]))
    if wanted("zalo_bot") and settings.zalo_bot_token:
        enabled.append(ZaloBotChannel(settings, caps["zalo_bot"]))
    if wanted("web"):
        enabled.append(WebChannel(caps["web"]))
    if wanted("console"):
        enabled.append(ConsoleChannel(caps["console"]))
    return Registry(caps, enabled)
