"""python-telegram-bot's networking on aiohttp instead of httpx.

PTB lets an application bring its own HTTP backend (`telegram.request.BaseRequest`). We already
run aiohttp for the web application and the Zalo channel; its client costs a fraction of what
httpx's connection pool does per request under load (httpx re-scans its pool for every request
and response, which the profile of the webhook benchmark showed as the largest single cost).
The Bot API calls, their parsing, errors and rate limiting stay PTB's."""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

try:  # PTB's marker for "no timeout given for this call"
    from telegram._utils.defaultvalue import DefaultValue
except ImportError:  # pragma: no cover - moved in a later PTB
    DefaultValue = type(BaseRequest.DEFAULT_NONE)  # type: ignore[misc,assignment]


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 128,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_timeout: float | None = 60.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _given(self, value: Any, default: float | None) -> float | None:
        return default if isinstance(value, DefaultValue) else value

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = bool(request_data and request_data.contains_files)
        connect = self._given(connect_timeout, self._connect_timeout)
        pool = self._given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=self._media_timeout if files else None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=self._given(read_timeout, self._read_timeout),
        )
        data: Any = None
        headers = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
            else:  # form-encoded, as PTB's own backend sends; encoded here, not by a FormData
                data = request_data.url_encoded_parameters().encode()
                headers = FORM
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
