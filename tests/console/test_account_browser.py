"""Her account in a real browser (Debian's Chromium through Playwright), in Arabic and in English, on a laptop
and on a phone: she finds it in the menu, changes her password there and stays signed in; a refused
password says why; the fourth wrong password at sign-in warns her; the staff list names staff by their
full names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from bot.service import Service
from core.domain import StaffRole
from office import staff
from office.rights import OPERATOR
from storage.db import Database
from tests.support.builders import PASSWORD, add_staff
from tests.support.console import browser_page, console_server, screenshot, signed_in
from tests.support.people import Clock

SARA = "سارة محمد العتيبي"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def console(sqlite_url: str, clock: Clock) -> AsyncIterator[Service]:
    database = Database(sqlite_url)
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await database.run(
        lambda s: staff.add(s, OPERATOR, None, StaffRole.STAFF, "makkah", clock.now, login="sara", name=SARA)
    )
    await database.dispose()
    async with console_server(sqlite_url, clock) as service:
        yield service


async def changes_password(page: Page, current: str, new: str, again: str | None = None) -> None:
    await page.fill("input[name=current]", current)
    await page.fill("input[name=new]", new)
    await page.fill("input[name=again]", new if again is None else again)
    await page.click("form >> button.primary")


async def fits(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def test_sara_changes_her_password_from_her_account_in_arabic_on_a_laptop_and_a_phone(
    console: Service,
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        assert await page.locator("header .me .name").inner_text() == SARA  # signed in as: her name
        await page.click("nav >> text=حسابي")
        await page.wait_for_url("**/console/account")
        assert await page.locator("h1").inner_text() == "حسابي"
        assert await page.locator("dl.facts dd").first.inner_text() == SARA
        await changes_password(page, "not my password", "a sentence only sara knows")
        assert await page.locator("[role=alert]").inner_text() == "هذه ليست كلمة مرورك الحالية: لم يتغير شيء."
        await changes_password(page, PASSWORD, "a sentence only sara knows", "a sentence only sara knew")
        assert "كلمتا المرور الجديدتان مختلفتان" in await page.locator("[role=alert]").inner_text()
        await screenshot(page, "account-refused-ar")
        await changes_password(page, PASSWORD, "a sentence only sara knows")
        await page.wait_for_url("**/console/account")
        assert (await page.locator("[role=status]").inner_text()).startswith("عُيّنت كلمة مرورك الجديدة")
        await screenshot(page, "account-ar")
        await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        await page.reload()
        assert await fits(page)
        await screenshot(page, "account-phone-ar")
        await page.goto("/console/families")
        assert page.url.endswith("/console/families")  # still signed in here


async def test_noura_reads_her_account_and_the_staff_by_name_in_english(console: Service) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "noura")
        await page.click("button[name=language][value=en]")
        await page.click("nav >> text=Staff")
        await page.wait_for_url("**/console/staff")
        names = await page.locator("tbody tr td:first-child").all_inner_texts()
        assert sorted(name.strip() for name in names) == ["noura", SARA]  # no name given: her login
        places = await page.locator("select[name=place] option").all_inner_texts()
        assert places[0] == "staff of Makkah" and places[-1] == "administrator, for every office"
        await page.click(f"button[aria-label='Change {SARA}']")
        assert await page.get_by_label("Full name").input_value() == SARA
        assert await page.input_value("select[name=place]") == "staff/makkah"
        await screenshot(page, "staff-names-en")
        await page.click("nav >> text=My account")
        await page.wait_for_url("**/console/account")
        await changes_password(page, PASSWORD, "aaaaaaaaaaaa")
        assert await page.locator("[role=alert]").inner_text() == (
            "The password repeats one character: anyone could guess it. Mix several characters."
        )
        await screenshot(page, "account-refused-en")
        await changes_password(page, PASSWORD, "noura's new sentence")
        assert (await page.locator("[role=status]").inner_text()).startswith("Your new password is set.")
        await screenshot(page, "account-en")


@pytest.mark.parametrize("language", ["ar", "en"])
async def test_the_fourth_wrong_password_warns_her_before_the_login_is_locked(
    console: Service, language: str
) -> None:
    warning = {
        "ar": "محاولة خاطئة أخرى تُقفل اسم الدخول هذا 15 دقيقة",
        "en": "One more wrong try locks this login for 15 minutes",
    }[language]
    async with browser_page(console) as page:
        await page.goto(f"/console/login?lang={language}")
        for guess in range(4):
            await page.fill("input[name=login]", "sara")
            await page.fill("input[name=password]", f"wrong guess {guess}")
            await page.click("button.primary")
            said = await page.locator("[role=alert]").inner_text()
            assert (warning in said) == (guess == 3), said
        await screenshot(page, f"sign-in-warning-{language}")
        await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        assert await fits(page)


async def test_noura_types_saras_login_to_add_someone_and_is_told_whose_it_is(console: Service) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "noura")
        await page.goto("/console/staff")
        form = page.locator("form:has(input[name=name])")
        await form.locator("input[name=name]").fill("سارة الشمري")
        await form.locator("input[name=login]").fill("sara")
        await form.locator("button.primary").click()
        alert = await page.locator("[role=alert]").inner_text()
        assert alert.startswith("اسم الدخول") and SARA in alert and "زر «تعديل» في صفها" in alert
        assert await form.locator("input[name=name]").input_value() == "سارة الشمري"  # what she typed
        await screenshot(page, "staff-login-taken-ar")
        await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        assert await fits(page)
        await screenshot(page, "staff-login-taken-phone-ar")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.click(f"button[aria-label='تعديل بيانات {SARA}']")
        changing = (await page.locator("p.changing").inner_text()).replace("\u2068", "").replace("\u2069", "")
        assert f"تعدّلين بيانات {SARA}." in changing
        await screenshot(page, "staff-changing-ar")
