"""The console in a real browser (Debian's Chromium through Playwright): what a staff member sees and does.
Screenshots of each page are kept in test-screenshots/ to be looked at."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.service import Service
from storage.db import Database
from tests.console import PASSWORD, add_staff, browser_page, console_server, screenshot
from tests.people import Clock


@pytest.fixture
async def console(sqlite_url: str, clock: Clock) -> AsyncIterator[Service]:
    database = Database(sqlite_url)
    await add_staff(database, clock, "sara", office="makkah")
    await database.dispose()
    async with console_server(sqlite_url, clock) as service:
        yield service


async def test_sara_signs_in_in_arabic_switches_to_english_and_signs_out(console: Service) -> None:
    async with browser_page(console) as page:
        await page.goto("/console/")
        assert await page.locator("html").get_attribute("dir") == "rtl"
        await screenshot(page, "sign-in-ar")
        await page.fill("input[name=login]", "sara")
        await page.fill("input[name=password]", "not my password")
        await page.click("button.primary")
        assert await page.locator("[role=alert]").inner_text() == "اسم الدخول أو كلمة المرور غير صحيحة."
        assert await page.input_value("input[name=login]") == "sara"  # what she typed is kept
        await screenshot(page, "sign-in-wrong-password-ar")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button.primary")
        await page.wait_for_url("**/console/")
        assert "أهلًا sara" in await page.locator("h1").inner_text()
        await screenshot(page, "home-ar")

        await page.click("button[name=language][value=en]")
        await page.wait_for_url("**/console/")
        assert await page.locator("html").get_attribute("dir") == "ltr"
        assert await page.locator("h1").inner_text() == "Welcome, sara"
        await screenshot(page, "home-en")

        await page.click("text=Sign out")
        await page.wait_for_url("**/console/login")
        await page.goto("/console/")
        assert "/console/login" in page.url  # signed out for good
