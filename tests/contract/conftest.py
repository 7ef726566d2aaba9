"""The contract suite's fixture: one running app with every channel, and a citizen on one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.contract.app import contract_app
from tests.contract.drivers import Driver, TelegramDriver, ZaloBotDriver, ZaloOADriver
from tests.contract.local_drivers import ConsoleDriver, WebDriver

DRIVERS = (TelegramDriver, ZaloOADriver, ZaloBotDriver, WebDriver, ConsoleDriver)


@pytest.fixture(params=DRIVERS, ids=lambda driver: driver.channel)
async def citizen(request, db_url, knowledge, tmp_path) -> AsyncIterator[Driver]:
    async with contract_app(db_url, knowledge, tmp_path) as app:
        driver = request.param(app)
        await driver.open()
        try:
            yield driver
        finally:
            await driver.close()
