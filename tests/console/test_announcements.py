"""Announcements in the console: written, previewed (whom it reaches, who is left out, how it looks on a
phone), sent, followed while it goes out, and cancelled; another office's refused. In Chromium, and with a
plain HTTP client for the refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.service import Service
from core.domain import DeliveryStatus, StaffRole
from storage import announcements, deliveries
from storage.db import Database
from tests.support.builders import add_staff, register_families
from tests.support.console import FAMILIES, browser_page, console_server, screenshot, signed_in, visitor
from tests.support.people import Clock


@pytest.fixture
async def console(database_url: str, database: Database, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "maryam", office="jumum")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await register_families(database, clock, FAMILIES, verified=1)
    async with console_server(database_url, clock) as service:
        yield service


def sent_out(session: Session, now: datetime) -> None:
    """What the scheduler and the outbox would do: the announcement enqueued, then the first family had
    blocked the bot and the others got it."""
    announcements.enqueue_due(session, now)
    claimed = deliveries.claim(session, now, 50, timedelta(minutes=1), not_kinds=("registration_verified",))
    claimed.sort(key=lambda delivery: delivery.id)
    deliveries.finish(session, claimed[0], DeliveryStatus.BLOCKED, "403 blocked", now)
    for number, delivery in enumerate(claimed[1:], start=1):
        deliveries.sent(session, delivery, "telegram", f"{9000 + number}", f"m{number}", now)


async def test_sara_writes_an_announcement_sees_whom_it_reaches_sends_it_and_follows_it(
    console: Service, database: Database, clock: Clock
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "sara")
        await page.click("nav >> text=الإعلانات")
        await page.wait_for_url("**/console/announcements")
        await page.fill("textarea[name=ar]", "ملتقى الأسر المنتجة يوم الثلاثاء الساعة التاسعة صباحاً")
        await page.fill("textarea[name=en]", "The productive families' forum is on Tuesday at 9 am")
        await page.click("button:has-text('عرض من يصل إليهن')")
        before = page.locator("#before-sending")
        assert "تصل إلى 3 أسر." in await before.inner_text()  # Makkah's three families
        assert await page.locator(".phone .bubble").first.inner_text() == (
            "ملتقى الأسر المنتجة يوم الثلاثاء الساعة التاسعة صباحاً"
        )
        await screenshot(page, "announcement-preview-ar")
        await page.click("#before-sending button.primary")  # send it now
        await page.wait_for_url("**/console/announcements/1")
        assert "حُفظ. يُرسل الآن" in await page.locator("[role=status]").inner_text()
        assert await page.locator("meta[http-equiv=refresh]").count() == 1  # it follows its sending

        await database.run(lambda s: sent_out(s, clock.now))
        await page.reload()
        assert await page.locator(".badge").first.inner_text() == "اكتمل"
        assert "3 من 3" in await page.locator("main").inner_text()  # handled
        missed = await page.locator("table").last.inner_text()
        assert "فاطمة أحمد الزهراني\t—\tحظرت البوت" in missed  # whom it did not reach, and why
        assert await page.locator("meta[http-equiv=refresh]").count() == 0  # done: it stops refreshing
        await screenshot(page, "announcement-progress-ar")
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "announcement-progress-390")


async def test_noura_schedules_one_in_quiet_hours_is_warned_and_cancels_it_in_english(
    console: Service, database: Database
) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "noura")
        await page.click("button[name=language][value=en]")
        await page.goto("/console/announcements")
        await page.fill("textarea[name=ar]", "تذكير: التسجيل في دورة الحلويات يغلق غداً")
        await page.select_option("select[name=verified]", "yes")
        await page.check("input[name=when][value=later]")
        await page.fill("input[name=at]", "2026-11-28T23:30")  # Riyadh time: within quiet hours
        await page.click("button:has-text('See whom it reaches')")
        before = await page.locator("#before-sending").inner_text()
        assert "It reaches 1 family." in before  # every office, verified only: the first family
        assert "That is within quiet hours (22:00–08:00): it waits until" in before
        await screenshot(page, "announcement-preview-en")
        await page.click("#before-sending button:has-text('Schedule it')")
        await page.wait_for_url("**/console/announcements/1")
        assert "It goes out at the time you chose." in await page.locator("[role=status]").inner_text()
        assert await page.locator("meta[http-equiv=refresh]").count() == 0  # scheduled: nothing moves yet
        await page.click("button:has-text('Cancel what is not sent')")
        assert (
            "It has not gone out yet: nobody will get it."
            in await page.locator("[role=alertdialog]").inner_text()
        )
        await page.click("[role=alertdialog] button.primary")
        await page.wait_for_url("**/console/announcements/1")
        assert await page.locator(".badge").first.inner_text() == "cancelled"
        await screenshot(page, "announcement-cancelled-en")
    found = await database.run(lambda s: announcements.find(s, 1))
    assert found is not None and found.cancelled_at is not None


async def test_another_offices_staff_cannot_see_cancel_or_address_it(
    console: Service, database: Database, clock: Clock
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/announcements")
        token = sara.form_token()
        written = {"csrf": token, "ar": "إعلان لمكتب الجموم", "office": "jumum", "when": "now"}
        await sara.post("/console/announcements/preview", written)
        assert sara.status == 403 and "before-sending" not in sara.text  # not her office's families
        refusal = sara.alert()
        await sara.post("/console/announcements", written)
        assert sara.status == 403 and sara.alert() == refusal
        await sara.post("/console/announcements", {**written, "office": "makkah"})
        assert sara.status == 303  # her own office's: saved
    async with visitor(console) as maryam:
        await maryam.signs_in("maryam")
        await maryam.get("/console/announcements/1")
        assert maryam.status == 404
        await maryam.get("/console/announcements")
        assert "إعلان لمكتب الجموم" not in maryam.text  # Makkah's is not listed for Jumum
        await maryam.post(
            "/console/announcements/1/cancel", {"csrf": maryam.form_token(), "confirmed": "yes"}
        )
        assert maryam.status == 404
    found = await database.run(lambda s: announcements.find(s, 1))
    assert found is not None and found.cancelled_at is None and found.audience["offices"] == ["makkah"]


async def test_too_long_a_text_is_refused_with_her_words_kept_and_a_confirmation_does_not_refresh_away(
    console: Service,
) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        await sara.get("/console/announcements")
        token = sara.form_token()
        long = "ملتقى " * 300  # 1,800 characters: more than a message may hold
        await sara.post("/console/announcements/preview", {"csrf": token, "ar": long, "when": "now"})
        assert sara.status == 400 and "1800" in sara.alert() and long.strip() in sara.text
        await sara.post("/console/announcements", {"csrf": token, "ar": "ملتقى الثلاثاء", "when": "now"})
        assert sara.status == 303
        await sara.get("/console/announcements/1")
        assert 'http-equiv="refresh"' in sara.text  # queued: the page follows it
        await sara.post("/console/announcements/1/cancel", {"csrf": token})
        assert 'role="alertdialog"' in sara.text and 'http-equiv="refresh"' not in sara.text
