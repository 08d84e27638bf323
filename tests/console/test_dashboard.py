"""The console's home page, its dashboard: each office's staff read their month's numbers, in tables beside
the charts and as CSV files; admins read every office's side by side. The numbers are those of the month of
work `support.dashboard` makes (the office action's own test checks each); here, that the page shows them."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from io import StringIO

import pytest

from bot.service import Service
from core.domain import StaffRole
from storage.db import Database
from tests.support.builders import add_staff
from tests.support.console import browser_page, console_server, screenshot, signed_in, visitor
from tests.support.dashboard import a_month_of_work
from tests.support.people import Clock


@pytest.fixture
async def console(database_url: str, database: Database, clock: Clock) -> AsyncIterator[Service]:
    await add_staff(database, clock, "sara", office="makkah")
    await add_staff(database, clock, "maryam", office="jumum")
    await add_staff(database, clock, "noura", role=StaffRole.ADMIN)
    await database.run(lambda s: a_month_of_work(s, clock.now))
    async with console_server(database_url, clock) as service:
        yield service


def table(page: str, name: str) -> dict[str, list[str]]:
    """A table of the page, by its first cell: the rest of each row, as the page writes them."""
    found = page.split(f'id="table-{name}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in found.split("<tr>")[1:]:
        cells = [cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


async def test_sara_reads_her_offices_month_and_downloads_its_numbers(console: Service) -> None:
    async with visitor(console) as sara:
        await sara.signs_in("sara")
        assert sara.location == "/console/"  # the dashboard opens first
        page = await sara.get("/console/")
        assert sara.status == 200
        offices = table(page, "offices")
        assert offices["البيان"] == ["مكة المكرمة"]  # hers alone
        families = await sara.get("/console/families")  # on every page, the menu says what waits
        assert re.search(r'الأسئلة <span class="count" aria-label="سؤال واحد مفتوح">1</span>', families)
        assert offices["بانتظار التوثيق"] == ["2"]
        assert offices["الفرص المفتوحة للمقاصف"] == ["1"]
        assert offices["الأسئلة المفتوحة"] == ["1"]
        assert offices["أول رد، نصف الأسئلة خلال (آخر 30 يومًا)"] == ["ساعتان"]  # a wait alone
        assert "الوسيط" not in page
        weeks = list(table(page, "registrations").values())
        assert [row[0] for row in weeks[-2:]] == ["2", "1"]
        trainings = table(page, "trainings")
        assert trainings.pop("الفعالية التدريبية")[0] == "موعد البدء"  # its headings
        [training] = trainings.values()
        assert training[1:] == ["4", "2", "1", "1", "0", "1"]  # invited, going, waiting, no, no answer, came
        messages = table(page, "messages")
        assert messages["تيليجرام"][-1] == "2" and messages["واتساب"][-1] == "2"
        assert page.count("<rect ") >= 12  # a column a week

        assert "?verified=waiting&amp;order=oldest" in page  # its link lists those it counts
        listed = await sara.get("/console/families?verified=waiting&order=oldest")
        assert "مريم حسن الشهري" in listed and "فاطمه علي الحربي" in listed
        assert "نورة سعيد القرشي" not in listed  # asked to correct her registration: she is not waited for

        file = await sara.get("/console/dashboard/offices.csv")
        assert sara.headers["Content-Disposition"].startswith('attachment; filename="offices-')
        rows = list(csv.reader(StringIO(file.lstrip("\ufeff"))))
        assert rows[0] == ["البيان", "مكة المكرمة"] and ["بانتظار التوثيق", "2"] in rows
        await sara.get("/console/dashboard/families.csv")
        assert sara.status == 404  # no such table


async def test_another_offices_staff_read_their_own_numbers_only(console: Service) -> None:
    async with visitor(console) as maryam:
        await maryam.signs_in("maryam")
        page = await maryam.get("/console/")
        offices = table(page, "offices")
        assert offices["البيان"] == ["الجموم"] and offices["بانتظار التوثيق"] == ["1"]
        assert "سلامة الغذاء" not in page  # Makkah's training event
        assert 'class="count"' not in page  # Al-Jumum's one question was answered and closed
        file = await maryam.get("/console/dashboard/messages.csv")
        assert list(csv.reader(StringIO(file.lstrip("\ufeff"))))[1][-1] == "1"  # her one message


async def test_noura_compares_the_offices_in_arabic_english_and_on_a_phone(console: Service) -> None:
    async with browser_page(console) as page:
        await signed_in(page, "noura")
        await page.click("nav >> text=لوحة المتابعة")
        offices = page.locator("#table-offices")
        headings = await offices.locator("thead th").all_inner_texts()
        assert headings[1:4] == ["كل المكاتب", "مكة المكرمة", "الجموم"]
        waiting = await offices.locator("tr:has-text('بانتظار التوثيق') td").all_inner_texts()
        assert waiting[:3] == ["4", "2", "1"]
        await screenshot(page, "dashboard-ar")
        await page.set_viewport_size({"width": 390, "height": 844})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await screenshot(page, "dashboard-phone-ar")
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.click("header >> text=English")
        assert await page.locator("h1").inner_text() == "How the offices' month went"
        await screenshot(page, "dashboard-en")
