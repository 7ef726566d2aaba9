"""Templates, page rendering and signed cookies, shared by the pages of every wing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from itsdangerous import URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import keys
from content.amounts import group_thousands

HERE = Path(__file__).resolve().parent


def templates() -> Environment:
    """The page templates (citizen text is always escaped)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["group_thousands"] = group_thousands
    return env


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    """A template rendered as an HTML response."""
    template = request.config_dict[keys.TEMPLATES].get_template(name)
    return web.Response(text=template.render(**context), status=status, content_type="text/html")


def signer(request: web.Request, salt: str) -> URLSafeTimedSerializer:
    """Signs and checks cookie values with the application's secret."""
    return URLSafeTimedSerializer(request.config_dict[keys.SECRET], salt=salt)


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int
) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site (Secure when configured)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=request.config_dict[keys.SETTINGS].cookie_secure,
    )
