"""The console on a phone: every page, for an office's staff and for an admin, in Arabic and in English, fits
a 390 px screen without sideways scrolling (a wide table scrolls inside its card, not the page). Screenshots
of each are kept (test-screenshots/phone-…)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from playwright.async_api import Page, ViewportSize
from sqlalchemy.orm import Session

from bot.service import Service
from core.domain import StaffRole
from office import announcements, threads
from office.rights import OPERATOR, Actor
from storage import staff
from storage.audiences import Audience
from storage.db import Database
from tests.support.builders import add_staff
from tests.support.console import browser_page, console_server, screenshot, signed_in
from tests.support.dashboard import FATIMA, FATIMAH, a_month_of_work
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
    await database.run(lambda s: questions_of_makkah(s, clock))
    async with console_server(database_url, clock) as service:
        yield service


def questions_of_makkah(session: Session, clock: Clock) -> None:
    """Two families ask (one at length, taken by Sara, who has a full name now); a colleague was removed."""
    sara = staff.by_login(session, "sara")
    assert sara is not None
    sara.full_name = "سارة عبدالله القحطاني"
    reem = staff.add_or_update(session, None, StaffRole.STAFF, "makkah", clock.now, login="reem")
    staff.remove(session, reem, clock.now)
    asked = [
        (
            FATIMA,
            "7001",
            "السلام عليكم، متى يفتح التسجيل في مقاصف المدارس للفصل القادم؟ وهل أحتاج شهادة صحية جديدة؟",
        ),
        (FATIMAH, "7002", "أرسلت صورة السجل ولم يصلني رد"),
    ]
    for family, address, text in asked:
        asker = threads.Asker("telegram", address, "makkah", family_id=family)
        thread, _ = threads.ask(
            session, asker, "canteens", [threads.Said(text)], clock.now - timedelta(hours=3)
        )
        if family == FATIMA:
            threads.assign(session, Actor.signed_in(sara.id), thread.id, clock.now)


async def in_english(page: Page) -> None:
    """On a phone «English» is in the menu, folded: she opens it first."""
    await page.click("#menu > summary")
    await page.click("button[name=language][value=en]")


@pytest.mark.parametrize("login", ["sara", "noura"])
async def test_every_page_fits_a_phone_in_both_languages(console: Service, login: str) -> None:
    wider = []
    async with browser_page(console) as page:
        await signed_in(page, login)
        await page.set_viewport_size(PHONE)
        for language in ("ar", "en"):
            if language == "en":
                await in_english(page)
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
                await in_english(page)
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


async def on_the_first_screen(page: Page, row: str) -> None:
    """The first of the list is whole on the first screen, and nothing of the page scrolls sideways."""
    box = await page.locator(row).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], (page.url, box)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


async def the_menu_folds(page: Page, name: str) -> None:
    """The menu folds under «Menu», the open questions counted on it; opened, its pages are there."""
    header = await page.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 80, header
    assert not await page.locator("#menu-families").is_visible()
    assert await page.locator("#menu > summary .count").inner_text() == "3"
    await page.click("#menu > summary")
    assert (
        await page.locator("#menu-families").is_visible()
        and await page.locator("#menu-inbox .count").is_visible()
    )
    await screenshot(page, name)
    await page.click("#menu > summary")


@pytest.mark.parametrize("login", ["sara", "noura"])
async def test_on_a_phone_the_questions_read_as_cards_the_first_on_the_first_screen(
    console: Service, login: str
) -> None:
    """The menu and the filters fold away, the office's measures come after the list: the first question is on
    the first screen, a card with the family's name, the topic and channel, her last message whole, since when
    she waits and who has it, and the tick to close it."""
    async with browser_page(console) as page:
        await signed_in(page, login)
        await page.set_viewport_size(PHONE)
        for language in ("ar", "en"):
            if language == "en":
                await in_english(page)
            await page.goto("/console/inbox")
            await screenshot(page, f"phone-{login}-inbox-first-screen-{language}")
            await the_menu_folds(page, f"phone-{login}-menu-{language}")
            assert await page.locator("details#filters").get_attribute("open") is None
            assert not await page.locator("select[name=whose]").is_visible()  # folded away
            assert await page.locator("input[name=q]").is_visible()  # the search stays out
            await on_the_first_screen(page, "table.questions tbody tr")
            first = page.locator("table.questions tbody tr").first
            assert "فاطمة أحمد الزهراني" in await first.locator("td.name").inner_text()
            for cell in ("tick", "name", "topic", "channel", "last", "when", "taken"):
                box = await first.locator(f"td.{cell}").bounding_box()
                assert box is not None and box["width"] > 0 and box["x"] >= 0, (cell, box)
                assert box["x"] + box["width"] <= PHONE["width"], (cell, box)
            last = first.locator("td.last")
            assert "وهل أحتاج شهادة صحية جديدة؟" in await last.inner_text()  # her message, whole
            assert await last.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            taken = (
                "Taken by: سارة عبدالله القحطاني" if language == "en" else "المستلِمة: سارة عبدالله القحطاني"
            )
            assert " ".join((await first.locator("td.taken").inner_text()).split()) == taken
            measures = await page.locator("section.measures").bounding_box()
            table = await page.locator("table.questions").bounding_box()
            assert measures and table and measures["y"] >= table["y"] + table["height"]  # after the list
            await page.check("table.questions tbody tr >> nth=0 >> input[name=thread]")
            assert await page.locator("form#ticked button.secondary").is_visible()
            await page.click("details#filters > summary")
            assert await page.locator("select[name=whose]").is_visible()
            await screenshot(page, f"phone-{login}-inbox-filters-{language}")


async def test_on_a_phone_the_audit_log_reads_as_cards_the_first_on_the_first_screen(
    console: Service,
) -> None:
    """The menu and the filters fold away: the first entry of the log is on the first screen, what happened
    first, when and which office under it; the staff are chosen by name, the removed marked."""
    async with browser_page(console) as page:
        await signed_in(page, "noura")
        await page.set_viewport_size(PHONE)
        for language in ("ar", "en"):
            if language == "en":
                await in_english(page)
            await page.goto("/console/audit")
            await screenshot(page, f"phone-noura-audit-first-screen-{language}")
            await the_menu_folds(page, f"phone-noura-audit-menu-{language}")
            assert not await page.locator("select[name=staff]").is_visible()  # folded away
            await on_the_first_screen(page, "table.audit tbody tr")
            first = page.locator("table.audit tbody tr").first
            what, when = first.locator("td.what"), first.locator("td.when")
            what_box, when_box = await what.bounding_box(), await when.bounding_box()
            assert what_box and when_box and when_box["y"] >= what_box["y"] + what_box["height"] - 1
            await page.click("details#filters > summary")
            names = await page.locator("select[name=staff] option").all_inner_texts()
            removed = "reem (removed)" if language == "en" else "reem (أُزيلت)"
            assert "سارة عبدالله القحطاني" in names and removed in names, names
            await page.select_option("select[name=staff]", label="سارة عبدالله القحطاني")
            await page.click("details#filters button.primary")
            assert "سارة عبدالله القحطاني" in await page.locator("table.audit tbody tr").first.inner_text()
            await screenshot(page, f"phone-noura-audit-filters-{language}")
            await page.goto("/console/audit?staff=سارة&kind=registrations.verify")  # her name, typed short
            said = "«سارة» ليست من الموظفات." if language == "ar" else "“سارة” is not one of the staff."
            assert await page.locator("[role=alert]").inner_text() == said
            assert await page.locator("select[name=kind]").is_visible()  # the filters open, hers kept
            assert await page.locator("select[name=kind]").input_value() == "registrations.verify"
            await screenshot(page, f"phone-noura-audit-refused-{language}")


async def test_on_a_laptop_the_menu_and_the_filters_stay_open(console: Service) -> None:
    """On a laptop the menu is as it was, every page in a line, «Menu» not shown."""
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.goto("/console/inbox")
        assert not await page.locator("#menu > summary").is_visible()
        assert (
            await page.locator("#menu-families").is_visible()
            and await page.locator("#menu-inbox .count").is_visible()
        )
        assert await page.locator("select[name=whose]").is_visible()  # the filters open too
        await screenshot(page, "laptop-sara-inbox")
