"""Settings from environment variables (and an optional .env), with embedded defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # hide_input_in_errors: a failed check must not print tokens and secrets
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_DIR / 'data' / 'caunoi.db'}",
        description="SQLAlchemy async URL; SQLite file under ./data/ by default",
    )
    db_lock_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds a statement waits for another writer's lock before it fails "
        "(the platform then gets a 5xx and delivers the message again)",
    )
    content_dir: Path = Field(
        default=PROJECT_DIR / "content", description="folder of the content YAML files"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field(default="text", description="'text' or 'json' (one object a line)")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="time zone for dates shown")
    host: str = Field(default="127.0.0.1", description="address `serve` listens on")
    port: int = Field(default=8080, description="port `serve` listens on")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="`serve` processes sharing the address (SO_REUSEPORT); more than one wants "
        "PostgreSQL",
    )
    reuse_port: bool = Field(
        default=False,
        description="listen with SO_REUSEPORT, so several `serve` processes share one port",
    )
    uvloop: bool = Field(default=True, description="run `serve` on uvloop (faster networking)")
    secret_key: str | None = Field(
        default=None,
        description="signs session cookies; by default generated once into data/secret_key",
    )
    cookie_secure: bool = Field(
        default=False, description="send cookies over HTTPS only (set true behind TLS)"
    )
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For names the client (e.g. 127.0.0.1 behind nginx); none by default",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8080", description="the address citizens and officers use"
    )
    outbox_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="how long a worker's claim on a message lasts; after a crash, another "
        "worker sends what it had claimed once this has passed",
    )
    outbox_enabled: bool = Field(
        default=True, description="run the outbox sender in this process (off for extra workers)"
    )
    telegram_token: str | None = Field(default=None, description="enables the Telegram channel")
    telegram_mode: str = Field(
        default="polling",
        pattern=r"^(polling|webhook)$",
        description="'polling' or 'webhook' (updates at /telegram/webhook)",
    )
    telegram_webhook_secret: str | None = Field(
        default=None, description="checked against X-Telegram-Bot-Api-Secret-Token (webhook mode)"
    )
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API address (the token is appended)",
    )
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API file address"
    )
    telegram_max_rate: float = Field(
        default=30.0, description="messages a second the bot sends at most (Telegram: about 30)"
    )
    zalo_max_rate: float = Field(
        default=20.0,
        description="messages a second sent to Zalo at most (Zalo answers -32 when it is too many)",
    )
    zalo_app_id: str | None = Field(default=None, description="Zalo app id (enables Zalo)")
    zalo_app_secret: str | None = Field(default=None, description="Zalo app secret (OAuth)")
    zalo_oa_secret_key: str | None = Field(
        default=None, description="the OA secret key that signs webhook events"
    )
    zalo_access_token: str | None = Field(default=None, description="first access token")
    zalo_refresh_token: str | None = Field(default=None, description="first refresh token")
    zalo_max_event_age: float = Field(
        default=3600.0,
        gt=0,
        description="seconds a signed webhook event may be old (replays of older ones get 401)",
    )
    zalo_api_base: str = Field(default="https://openapi.zalo.me", description="OpenAPI base")
    zalo_oauth_base: str = Field(default="https://oauth.zaloapp.com", description="OAuth base")
    zalo_bot_token: str | None = Field(
        default=None, description="Zalo Bot Platform token from Zalo Bot Manager (enables it)"
    )
    zalo_bot_mode: str = Field(
        default="polling",
        pattern=r"^(polling|webhook)$",
        description="'polling' (getUpdates; Zalo advises it for development only) or 'webhook' "
        "(events at /zalo-bot/webhook)",
    )
    zalo_bot_webhook_secret: str | None = Field(
        default=None,
        description="8 to 256 characters Zalo sends back in X-Bot-Api-Secret-Token; required "
        "in webhook mode",
    )
    zalo_bot_api_base: str = Field(
        default="https://bot-api.zaloplatforms.com",
        description="Zalo Bot API address (calls go to {base}/bot{token}/{method})",
    )
    tts_engine: str = Field(
        default="auto",
        pattern=r"^(auto|gtts|piper|espeak)$",
        description="auto: gTTS, falling back to Piper (when PIPER_VOICE is set), then espeak-ng",
    )
    piper_voice: str | None = Field(
        default=None,
        description="a Piper voice file (.onnx, its .onnx.json beside it), e.g. "
        "vi_VN-vais1000-medium.onnx: the offline voice of TTS_ENGINE=piper and of auto's fallback",
    )
    audio_upload_max_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0, description="largest recording officers may upload"
    )
    tts_gtts_url: str | None = Field(
        default=None, description="replaces Google's TTS endpoint (proxy, tests)"
    )
    tts_timeout: float = Field(default=8.0, description="seconds gTTS may take before fallback")
    audio_repeat: int = Field(
        default=2, ge=1, le=5, description="how many times a clip reads its message"
    )
    audio_pause_s: float = Field(
        default=1.5, ge=0, le=10, description="seconds of pause between the readings"
    )
    audio_dir: Path = Field(
        default=PROJECT_DIR / "data" / "audio",
        description="where clips (MP3, transcript) are cached",
    )
    media_dir: Path = Field(
        default=PROJECT_DIR / "data" / "media", description="where voice notes and files are kept"
    )
    max_media_bytes: int = Field(default=10 * 1024 * 1024, description="larger files are not kept")
    media_fetch_hosts: str = Field(
        default="api.telegram.org,.zdn.vn,.zadn.vn",
        description="comma-separated hosts citizens' attachments are fetched from ('.zdn.vn': its "
        "subdomains); loopback and private addresses only for a host listed by exact name",
    )
    max_message_chars: int = Field(
        default=2000, description="longer messages go to officers verbatim instead of search"
    )
    question_overdue_days: int = Field(
        default=3,
        ge=1,
        le=365,
        description="days without an answer after which the inbox shows a question as overdue",
    )

    @model_validator(mode="after")
    def _check_zalo_bot_secret(self) -> Settings:
        """A Zalo Bot webhook without a usable secret would accept anyone's events."""
        secret = self.zalo_bot_webhook_secret
        if secret is not None and not 8 <= len(secret) <= 256:
            raise ValueError(
                f"ZALO_BOT_WEBHOOK_SECRET must have 8 to 256 characters (it has {len(secret)})"
            )
        if self.zalo_bot_token and self.zalo_bot_mode == "webhook" and not secret:
            raise ValueError(
                "ZALO_BOT_WEBHOOK_SECRET is required when ZALO_BOT_MODE=webhook "
                "(8 to 256 characters; Zalo sends it back in X-Bot-Api-Secret-Token)"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def secret_key(settings: Settings) -> str:
    """The configured SECRET_KEY, or one generated once and kept beside the default database."""
    if settings.secret_key:
        return settings.secret_key
    import secrets

    path = PROJECT_DIR / "data" / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key
