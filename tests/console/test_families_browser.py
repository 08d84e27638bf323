"""Families' records in Chromium, as staff see them, in Arabic and in English, on a laptop and on a phone:
her name and mobile corrected from her page; a family of the imported list found, taken off it after a page
that names her, and put back from the notice. Screenshots in test-screenshots/ (families-…)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, ViewportSize

from bot.service import Service
from core.domain import StaffRole
from core.validators import with_check_digit
from storage import beneficiaries, contacts
from storage.db import Database
from tests.support.builders import add_staff, imported, many_families_on_telegram, register_families, write
from tests.support.console import browser_page, console_server, screenshot, signed_in
from tests.support.people import Clock

PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
LIST = f"""رقم الهوية,الاسم,الجوال,المكتب
{with_check_digit("100000091")},عائشة محمد الحربي,0551110001,makkah
{with_check_digit("100000092")},هيفاء سالم الشهري,0551110002,makkah
"""


@pytest.fixture
async def console(
    database: Database, database_url: str, clock: Clock, tmp_path: Path
) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await register_families(
        database, clock, [("فاطمة أحمد الزهراني", "makkah"), ("نورة سعيد القرشي", "makkah")]
    )
    assert (await imported(database, write(tmp_path, LIST))).added == 2
    async with console_server(database_url, clock) as service:
        yield service


async def fits(page: Page) -> bool:
    width = await page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= page.viewport_size["width"]) if page.viewport_size else False


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_sara_corrects_her_name_and_mobile_from_her_page(
    console: Service, database: Database, language: str
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        if language == "en":
            await page.click("button[name=language][value=en]")
        await page.click("text=فاطمة أحمد الزهراني")
        folded = page.locator("details#correct")
        assert await folded.get_attribute("open") is None  # folded until she opens it
        await page.click("details#correct > summary")
        await page.fill("input[name=mobile]", "٠٥٥٩٩٩٨٨٧")  # a digit short
        await page.click("text=" + ("حفظ التصحيح" if language == "ar" else "Save the correction"))
        problem = page.locator("details#correct .field-problem")
        assert await problem.count() == 1 and await folded.get_attribute("open") is not None
        await page.fill("input[name=full_name]", "فاطمة محمد الزهراني")
        await page.fill("input[name=mobile]", "٠٥٥٩٩٩٨٨٧٧")
        await screenshot(page, f"families-correction-form-{language}")
        await page.set_viewport_size(PHONE)
        assert await fits(page)
        await screenshot(page, f"families-correction-form-390-{language}")
        await page.click("text=" + ("حفظ التصحيح" if language == "ar" else "Save the correction"))
        done = page.locator("p.done[role=status]")
        assert await done.inner_text() == (
            "صُحّحت بياناتها." if language == "ar" else "Her details are corrected."
        )
        assert await page.locator("h1").inner_text() == "فاطمة محمد الزهراني" + (
            " بانتظار التوثيق" if language == "ar" else " waiting for verification"
        )
        history = await page.locator("table").first.inner_text()
        assert (
            "صحّحت بياناتها: اسمها وجوالها"
            if language == "ar"
            else "corrected her details: her name and mobile"
        ) in history
    fatima = await database.run(lambda s: beneficiaries.beneficiary(s, 1))
    assert fatima is not None and fatima.mobile == "+966559998877"


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_sara_takes_a_family_off_the_list_after_a_page_naming_her_and_puts_her_back(
    console: Service, database: Database, language: str
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        if language == "en":
            await page.click("button[name=language][value=en]")
        await page.set_viewport_size(PHONE)
        await page.goto("/console/families")
        await page.fill("input[name=q]", "عايشه")
        await page.click("form[role=search] button.primary")
        imported = page.locator("section.imported")
        assert "عائشة محمد الحربي" in await imported.inner_text()  # found from the families' search
        assert await fits(page)
        await screenshot(page, f"families-imported-found-390-{language}")
        await page.goto("/console/lists")
        assert await fits(page)
        await screenshot(page, f"lists-390-{language}")
        aisha = "عائشة محمد الحربي"
        take_off = f"Take {aisha} off the list…" if language == "en" else f"إخراج {aisha} من القائمة…"
        await page.get_by_role("button", name=take_off).click()
        question = await page.locator("h1").inner_text()
        assert question == (
            "هل تُخرجين عائشة محمد الحربي من القائمة؟"
            if language == "ar"
            else "Take عائشة محمد الحربي off the list?"
        )
        assert await fits(page)
        await screenshot(page, f"lists-take-off-confirmation-390-{language}")
        assert await database.run(lambda s: contacts.by_mobile(s, "+966551110001")) is not None  # not yet
        await page.click(
            "text=" + ("نعم، أخرجيها من القائمة" if language == "ar" else "Yes, take her off the list")
        )
        notice = page.locator("div.done[role=status]")
        assert "عائشة محمد الحربي" in await notice.inner_text()
        assert await database.run(lambda s: contacts.by_mobile(s, "+966551110001")) is None
        assert "عائشة محمد الحربي" in await page.locator("section#taken-off").inner_text()
        await screenshot(page, f"lists-taken-off-undo-390-{language}")
        await notice.locator("button").click()  # "Undo: put her back"
        said = (await page.locator("p.done[role=status]").inner_text()).strip("\u2068\u2069")
        said = said.replace("\u2068", "").replace("\u2069", "")  # her name isolated in the sentence
        assert said == (
            "عادت عائشة محمد الحربي إلى القائمة كما كانت."
            if language == "ar"
            else "عائشة محمد الحربي is back on the list, as she was."
        )
        assert await page.locator("section#taken-off").count() == 0
    assert await database.run(lambda s: contacts.by_mobile(s, "+966551110001")) is not None


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_sara_turns_the_pages_of_her_list_on_her_phone(
    database: Database, database_url: str, clock: Clock, language: str
) -> None:
    """60 families: the first page shows the 50 newest, "Next" the 10 others, "First page" the first again,
    "Last page" the 50 oldest and "Previous" from there the 10 newest; the links fit a phone's width, in
    Arabic and in English."""
    await add_staff(database, clock, "sara", office="makkah")
    oldest = "فاطمة أحمد الزهراني"
    await register_families(
        database, clock, [(oldest, "makkah")] + [(f"أسرة رقم {n}", "makkah") for n in range(59)]
    )
    words = {
        "ar": ("60 أسرة", "التالية", "السابقة", "الصفحة الأولى", "الصفحة الأخيرة"),
        "en": ("60 families", "Next", "Previous", "First page", "Last page"),
    }[language]
    counted, following, previous, first, last = words
    async with console_server(database_url, clock) as console, browser_page(console) as page:
        await signed_in(page, "sara")
        if language == "en":
            await page.click("button[name=language][value=en]")
        await page.set_viewport_size(PHONE)
        pages = page.locator("nav.pages")
        assert counted in await page.locator("p.pages").inner_text()
        assert await page.locator("td.name").count() == 50
        assert await pages.get_by_role("link", name=previous).count() == 0  # nothing before the first page
        await follow(page, following)
        assert await page.locator("td.name").count() == 10
        assert oldest in await page.locator("table").inner_text()
        assert await pages.get_by_role("link", name=following).count() == 0
        assert await pages.get_by_role("link", name=last).count() == 0  # she is on the last page
        assert await fits(page)
        await screenshot(page, f"families-second-page-390-{language}")
        await follow(page, first)
        assert await page.locator("td.name").count() == 50
        assert oldest not in await page.locator("table").inner_text()
        await follow(page, last)  # the 50 oldest, read from the end
        assert (
            await page.locator("td.name").count() == 50 and oldest in await page.locator("table").inner_text()
        )
        await follow(page, previous)  # the 10 newest, before them
        assert await page.locator("td.name").count() == 10
        assert await pages.get_by_role("link", name=previous).count() == 0
        assert await fits(page)


async def follow(page: Page, link: str) -> None:
    """She follows one of the list's page links, and the next page opens."""
    async with page.expect_navigation():
        await page.locator("nav.pages").get_by_role("link", name=link, exact=True).click()


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_sara_reads_where_she_is_in_a_long_list_on_a_laptop_and_a_phone(
    database: Database, database_url: str, clock: Clock, language: str
) -> None:
    """1,060 families waiting: the plain list offers those waiting; the second page says which families
    of how many it shows; a search that finds nothing says the search found nothing, without the banner; and
    the search's hint is read whole, on a laptop and on a phone."""
    await add_staff(database, clock, "sara", office="makkah")
    await many_families_on_telegram(database, clock, 1_060)
    words = {
        "ar": ("التالية", "من 51 إلى 100 من أصل أكثر من ألف أسرة", "لا توجد أسرة مسجلة تطابق البحث."),
        "en": ("Next", "51–100 of more than 1,000 families", "No registered family matches the search."),
    }[language]
    following, place, nothing = words
    async with console_server(database_url, clock) as console, browser_page(console) as page:
        await signed_in(page, "sara")
        if language == "en":
            await page.click("button[name=language][value=en]")
        for width, screen in ((1280, LAPTOP), (390, PHONE)):
            await page.set_viewport_size(screen)
            await page.goto("/console/families")
            assert await page.locator(".waiting-now").count() == 1
            hint = page.locator("form[role=search] .hint")
            assert await hint.is_visible() and await whole(hint) and await fits(page)
            await screenshot(page, f"families-first-page-{width}-{language}")
            await follow(page, following)
            assert await page.locator("p.pages .place").inner_text() == place
            assert await fits(page)
            await screenshot(page, f"families-second-page-{width}-{language}")
            await page.fill("input[name=q]", "زينب")
            async with page.expect_navigation():
                await page.click("form[role=search] button.primary")
            assert await page.locator("p.empty").inner_text() == nothing
            assert await page.locator(".waiting-now").count() == 0
            await screenshot(page, f"families-nothing-found-{width}-{language}")


async def whole(element: Locator) -> bool:
    """Its text is shown whole, within the screen's width (wrapped if need be: not cut, as a placeholder
    is at the input's edge)."""
    inside = "e => { const r = e.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; }"
    return bool(await element.evaluate(inside))
