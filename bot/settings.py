"""Settings from environment variables (and an optional .env), with embedded defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_DIR / 'data' / 'caunoi.db'}",
        description="SQLAlchemy async URL; SQLite file under ./data/ by default",
    )
    content_dir: Path = Field(
        default=PROJECT_DIR / "content", description="folder of the content YAML files"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field(default="text", description="'text' or 'json' (one object a line)")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="time zone for dates shown")
    max_message_chars: int = Field(
        default=2000, description="longer messages go to officers verbatim instead of search"
    )


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
