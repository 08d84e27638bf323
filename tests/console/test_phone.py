"""The console on a phone: every page, for an office's staff and for an admin, in Arabic and in English, fits
a 390 px screen without sideways scrolling (a wide table scrolls inside its card, not the page). Screenshots
of each are kept (test-screenshots/phone-…)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from playwright.async_api import ViewportSize

from bot.service import Service
from core.domain import StaffRole
from office import announcements
from office.rights import OPERATOR
from storage.audiences import Audience
from storage.db import Database
from tests.support.builders import add_staff
from tests.support.console import browser_page, console_server, screenshot, signed_in
from tests.support.dashboard import a_month_of_work
from tests.support.people import Clock

PHONE: ViewportSize = {"width": 390, "height": 844}
EVERY_PAGE = [  # (address, whose: "staff" pages both see, "admin" pages admins alone)
    ("/console/", "staff"),
    ("/console/families", "staff"),
    ("/console/families/1", "staff"),
    ("/console/lists", "staff"),
    ("/console/announcements", "staff"),
    ("/console/announcements/1", "staff"),
    ("/console/trainings", "staff"),
    ("/console/trainings/new", "staff"),
    ("/console/trainings/1", "staff"),
    ("/console/canteens", "staff"),
    ("/console/canteens/new", "staff"),
    ("/console/canteens/1", "staff"),
    ("/console/canteens/applications/1", "staff"),
    ("/console/inbox", "staff"),
    ("/console/inbox/3", "staff"),
    ("/console/inbox/replies", "staff"),
    ("/console/account", "staff"),
    ("/console/content", "admin"),
    ("/console/offices", "admin"),
    ("/console/staff", "admin"),
    ("/console/audit", "admin"),
]


@pytest.fixture
async def console(database_url: str, database: Database, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await database.run(lambda s: a_month_of_work(s, clock.now))
    text = "ملتقى الأسر المنتجة يوم الثلاثاء القادم في مركز التدريب بالعزيزية، الساعة التاسعة صباحاً"
    await database.run(
        lambda s: announcements.create(
            s, OPERATOR, text, "", Audience(offices=("makkah",)), clock.now + timedelta(hours=2), clock.now
        )
    )
    async with console_server(database_url, clock) as service:
        yield service


@pytest.mark.parametrize("login", ["sara", "noura"])
async def test_every_page_fits_a_phone_in_both_languages(console: Service, login: str) -> None:
    wider = []
    async with browser_page(console) as page:
        await signed_in(page, login)
        await page.set_viewport_size(PHONE)
        for language in ("ar", "en"):
            if language == "en":
                await page.click("button[name=language][value=en]")
            for address, whose in EVERY_PAGE:
                if whose == "admin" and login != "noura":
                    continue
                response = await page.goto(address)
                assert response is not None and response.status == 200, address
                width = await page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wider.append((address, language, width))
                name = address.removeprefix("/console/").strip("/").replace("/", "-") or "dashboard"
                await screenshot(page, f"phone-{login}-{name}-{language}")
    assert wider == [], wider  # (page, language, its width in px) wider than the phone


@pytest.mark.parametrize("login", ["sara", "noura"])
async def test_on_a_phone_the_families_read_as_cards_the_first_on_the_first_screen(
    console: Service, login: str
) -> None:
    """The filters fold away under "Filters" (closed), so that the first family is on the first screen; each
    reads as a card: her name on its own line, her mobile whole, her status and date seen, nothing scrolled
    sideways."""
    async with browser_page(console) as page:
        await signed_in(page, login)
        await page.set_viewport_size(PHONE)
        for language in ("ar", "en"):
            if language == "en":
                await page.click("button[name=language][value=en]")
            await page.goto("/console/families")
            await screenshot(page, f"phone-{login}-families-first-screen-{language}")
            assert await page.locator("details#filters").get_attribute("open") is None
            assert not await page.locator("select[name=verified]").is_visible()  # folded away
            first = page.locator("table.families-list tbody tr").first
            box = await first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= PHONE["height"], (language, box)
            cells = {
                name: await first.locator(f"td.{name}").bounding_box()
                for name in ("name", "mobile", "status", "when")
            }
            assert all(cell is not None and cell.get("width", 0) > 0 for cell in cells.values()), cells
            name, mobile = cells["name"], cells["mobile"]
            assert name is not None and mobile is not None and mobile["y"] >= name["y"] + name["height"] - 1
            shown = await first.locator("td.mobile span").evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            table = await page.locator("table.families-list").evaluate("t => t.scrollWidth <= t.clientWidth")
            assert shown and table
            await page.click("details#filters > summary")  # opened, the filters are there
            assert await page.locator("select[name=verified]").is_visible()
            await screenshot(page, f"phone-{login}-families-cards-{language}")
